"""First start with no workspace: offer the demo or a new, empty workspace."""

from __future__ import annotations

from pathlib import Path

from gui.qt import QMessageBox, QWidget


def choose_first_workspace(default: Path, parent: QWidget | None = None) -> Path | None:
    """The folder to open: the demo (created now), a new empty workspace, or None when cancelled."""
    box = QMessageBox(parent)
    box.setWindowTitle("欢迎使用审核台")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText("还没有工作区。要先打开演示工作区看看，还是新建一个空的工作区？")
    box.setInformativeText(
        f"演示工作区含约 200 件生成的申报（标记为演示数据），审核人员口令为 reviewdesk-demo。\n"
        f"新工作区位于：{default}")
    demo = box.addButton("打开演示工作区", QMessageBox.ButtonRole.AcceptRole)
    empty = box.addButton("新建空工作区", QMessageBox.ButtonRole.ActionRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is empty:
        return default
    if box.clickedButton() is demo:
        from models.demo import create_demo

        folder = default.parent / "demo"
        create_demo(folder)
        return folder
    return None
