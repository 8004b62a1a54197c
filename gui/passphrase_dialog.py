"""Asks a reviewer for their passphrase (once per sitting)."""

from __future__ import annotations

from gui.qt import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class PassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None, reviewer: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("解锁签名密钥")
        layout = QVBoxLayout(self)
        intro = QLabel(f"请输入 <b>{reviewer}</b> 的口令。<br>本次使用期间只需输入一次，口令不会保存。", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("口令")
        layout.addWidget(self.passphrase)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)

    @classmethod
    def ask(cls, parent: QWidget | None, reviewer: str) -> str | None:
        """The passphrase typed, or None when cancelled."""
        dialog = cls(parent, reviewer)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.passphrase.text()
        finally:
            dialog.deleteLater()
