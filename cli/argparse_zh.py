"""argparse in Chinese: its own messages (usage, errors, help headings) translated where it asks gettext."""

from __future__ import annotations

import argparse
from collections.abc import Callable

MESSAGES = {
    "usage: ": "用法：",
    "options": "选项",
    "positional arguments": "位置参数",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "expected one argument": "须给出一个值",
    "expected at least one argument": "须至少给出一个值",
    "expected at most one argument": "至多给出一个值",
    "ignored explicit argument %r": "多余的参数值 %r 已忽略",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项值 %(value)r（可选：%(choices)s）",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "须给出参数 %s 之一",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "unexpected option string: %s": "意外的选项：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的命令 %(parser_name)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
}


def _translate(message: str) -> str:
    return MESSAGES.get(message, message)


def _translate_plural(singular: str, plural: str, count: int) -> str:
    return _translate(singular if count == 1 else plural)


def install() -> None:
    """Make argparse speak Chinese; idempotent."""
    translate: Callable[[str], str] = _translate
    argparse._ = translate  # type: ignore[attr-defined]  # argparse looks its messages up through this name
    argparse.ngettext = _translate_plural  # type: ignore[attr-defined]  # and plural ones through this
