"""First start with no workspace: set one up for the bureau, open the demo, or start an empty one."""

from __future__ import annotations

from pathlib import Path

from gui.qt import QMessageBox, QWidget


def choose_first_workspace(default: Path, parent: QWidget | None = None) -> Path | None:
    """The folder to open: the bureau's new workspace (set up now), the demo (created now), or None when cancelled."""
    box = QMessageBox(parent)
    box.setWindowTitle("欢迎使用审核台")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText("还没有工作区。要为本局新建工作区，还是先打开演示工作区看看？")
    box.setInformativeText(
        f"为本局新建：建立本局的 CA、系统管理员和第一位负责人，位于 {default}。\n"
        f"演示工作区含约 200 件生成的申报（标记为演示数据）；其 CA 和全部人员使用公开的演示口令 "
        f"reviewdesk-demo，任何人都能以他们的名义签名，仅供演示。")
    bureau = box.addButton("为本局新建工作区…", QMessageBox.ButtonRole.AcceptRole)
    demo = box.addButton("打开演示工作区", QMessageBox.ButtonRole.ActionRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is bureau:
        from gui.setup_dialog import BureauSetupDialog

        return default if BureauSetupDialog.ask(default, parent) else None
    if box.clickedButton() is demo:
        from demo.workspace import create_demo

        folder = default.parent / "demo"
        create_demo(folder)
        return folder
    return None
