"""Characters no intake cell should carry, and cells longer than any real one.

Control characters (NUL, C0, C1) never belong in a cell; tab and line breaks only
in free-text columns. Invisible characters (zero-width spaces, bidi marks, soft
hyphens) in a code or a name make two equal-looking values differ, so they are
refused too, naming the character and where it sits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from models.limits import MAX_CELL_CHARS

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_LINE_BREAKS = "\t\n\r"
_INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\ufff9-\ufffb"
_IN_FREE_TEXT = re.compile(f"[{_CONTROLS}{_INVISIBLE}]")
_IN_CODES_AND_NAMES = re.compile(f"[{_CONTROLS}{_LINE_BREAKS}{_INVISIBLE}]")
_INVISIBLE_ONLY = re.compile(f"[{_INVISIBLE}]")

_NAMES = {"\t": "制表符", "\n": "换行符", "\r": "回车符", "\x00": "NUL 空字符", "\u200b": "零宽空格",
          "\ufeff": "零宽不换行空格（BOM）", "\u00ad": "软连字符", "\u200c": "零宽不连字", "\u200d": "零宽连字"}


def strip_invisible(text: str) -> str:
    return _INVISIBLE_ONLY.sub("", text)


def describe(character: str) -> str:
    name = _NAMES.get(character) or unicodedata.name(character, "控制字符")
    return f"U+{ord(character):04X}（{name}）"


def character_problems(cells: Sequence[object], strict: bool) -> list[tuple[int, str]]:
    """(index, message) for each cell holding a refused character; ``strict`` for codes and names."""
    pattern = _IN_CODES_AND_NAMES if strict else _IN_FREE_TEXT
    try:
        joined = "".join(cells)  # type: ignore[arg-type]  # fast path: a non-text cell raises TypeError, handled below
    except TypeError:  # numbers or dates from XLSX/JSON
        joined = "".join(cell for cell in cells if type(cell) is str)
    if not pattern.search(joined):
        return []
    problems = []
    for index, cell in enumerate(cells):
        if type(cell) is str and (found := pattern.search(cell)):
            kind = "不可见字符" if _INVISIBLE_ONLY.match(found.group()) else "控制字符"
            problems.append((index, f"含{kind} {describe(found.group())}（第{found.start() + 1}个字符），请删除后再导入"))
    return problems


def length_problems(cells: Sequence[object], limit: int = MAX_CELL_CHARS) -> list[tuple[int, str]]:
    """(index, message) for each text cell longer than ``limit`` characters."""
    try:
        longest = max(map(len, cells), default=0)  # type: ignore[arg-type]  # fast path: a non-text cell raises TypeError, handled below
    except TypeError:  # numbers or dates from XLSX/JSON
        longest = max((len(cell) for cell in cells if type(cell) is str), default=0)
    if longest <= limit:
        return []
    return [(index, f"有 {len(cell):,} 个字符，超过 {limit:,} 个字符上限")
            for index, cell in enumerate(cells) if type(cell) is str and len(cell) > limit]
