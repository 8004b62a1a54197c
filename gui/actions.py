"""Every command of the main window as a QAction with its shortcuts; the F1 legend is built from the same list."""

from __future__ import annotations

from dataclasses import dataclass

from gui.qt import (
    QAction, QDialog, QDialogButtonBox, QKeySequence, QLabel, QObject, Qt, QTextBrowser, QVBoxLayout, QWidget,
)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    text: str
    keys: tuple[str, ...] = ()
    group: str = ""


TICK_COUNT = 9
COMMANDS: tuple[Command, ...] = (
    Command("import_file", "导入申报文件…", ("Ctrl+O",), "文件"),
    Command("print_sheet", "打印审核表…", ("Ctrl+P",), "文件"),
    Command("print_blank_form", "打印空白审核表…", (), "文件"),
    Command("export_sheet", "导出审核表…", ("Ctrl+E",), "文件"),
    Command("settings", "设置…", ("Ctrl+,",), "文件"),
    Command("quit", "退出", ("Ctrl+Q",), "文件"),
    Command("show_queue", "待审队列", ("Alt+1",), "视图"),
    Command("show_review", "审核", ("Alt+2",), "视图"),
    Command("show_policy", "政策原文", ("Alt+3",), "视图"),
    Command("show_stats", "统计", ("Alt+4",), "视图"),
    Command("reset_layout", "恢复默认窗格布局", (), "视图"),
    Command("focus_search", "搜索", ("Ctrl+F", "/"), "审核"),
    Command("next", "下一件", ("J", "Ctrl+Down"), "审核"),
    Command("previous", "上一件", ("K", "Ctrl+Up"), "审核"),
    Command("back_to_queue", "返回队列", ("Esc",), "审核"),
    Command("declare_none", "声明无利益冲突", ("Ctrl+D",), "审核"),
    Command("declare_conflict", "声明存在利益冲突…", (), "审核"),
    Command("save", "保存决定", ("Ctrl+S",), "审核"),
    Command("save_next", "保存并下一件", ("Ctrl+Return", "Ctrl+Enter"), "审核"),
    *(Command(f"tick_{n}", f"勾选第 {n} 项材料", (f"Ctrl+{n}",), "材料清单") for n in range(1, TICK_COUNT + 1)),
    Command("calculator", "奖补计算器…", (), "工具"),
    Command("verify_code", "核对校验码…", (), "工具"),
    Command("verify_workspace", "校验工作区…", (), "工具"),
    Command("people", "人员管理…", (), "工具"),
    Command("export_session", "导出会评包…", (), "会评"),
    Command("open_session", "打开会评包…", (), "会评"),
    Command("export_results", "导出会评结果…", (), "会评"),
    Command("merge_results", "合并会评结果…", (), "会评"),
    Command("help_keys", "快捷键一览", ("F1",), "帮助"),
    Command("about", "关于审核台", (), "帮助"),
)
MENUS = ("文件", "审核", "视图", "工具", "会评", "帮助")


def build_actions(parent: QObject) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    for command in COMMANDS:
        action = QAction(command.text, parent)
        action.setObjectName(command.name)
        if command.keys:
            action.setShortcuts([QKeySequence(key) for key in command.keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{command.text}（{command.keys[0]}）")
        actions[command.name] = action
    return actions


def legend_html() -> str:
    rows = []
    shown_ticks = False
    for command in COMMANDS:
        if not command.keys:
            continue
        if command.name.startswith("tick_"):
            if shown_ticks:
                continue
            shown_ticks = True
            keys, text = f"Ctrl+1 … Ctrl+{TICK_COUNT}", "勾选（或取消）材料清单第 1…9 项，并打开对应附件"
        else:
            native = [QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) for key in command.keys]
            keys, text = " 或 ".join(native), command.text
        rows.append(f"<tr><td style='padding:2px 16px 2px 0'><b>{keys}</b></td><td>{text}</td></tr>")
    from gui.evidence_viewers import VIEWER_KEYS

    rows += [f"<tr><td style='padding:2px 16px 2px 0'><b>{keys}</b></td><td>{text}</td></tr>" for keys, text in VIEWER_KEYS]
    return ("<p>输入框中打字时，单键快捷键（J、K、/）照常输入文字。</p>"
            f"<table>{''.join(rows)}</table>")


class ShortcutLegend(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("快捷键一览")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>键盘操作</b>", self))
        text = QTextBrowser(self)
        text.setHtml(legend_html())
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(480, 520)
