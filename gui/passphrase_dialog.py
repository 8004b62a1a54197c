"""Asks a person for their passphrase; the fields for choosing a new one."""

from __future__ import annotations

from gui.qt import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class PassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None, reviewer: str) -> None:
        super().__init__(parent)
        self.reviewer = reviewer
        self.setWindowTitle("解锁签名密钥")
        layout = QVBoxLayout(self)
        intro = QLabel(f"请输入 <b>{reviewer}</b> 的口令。<br>切换审核人或闲置超时后须重新输入，口令不会保存。", self)
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


class NewPassphraseFields(QWidget):
    """A new passphrase typed twice, with the strength hint from ``models.signing.keys`` as it is typed."""

    def __init__(self, parent: QWidget | None, whose: str) -> None:
        super().__init__(parent)
        self.whose = whose
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.first = QLineEdit(self)
        self.second = QLineEdit(self)
        for edit, hint in ((self.first, f"{whose}（至少 10 个字符）"), (self.second, f"再输入一次{whose}")):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(hint)
            edit.setAccessibleName(hint)
            layout.addWidget(edit)
        self.strength = QLabel(self)
        layout.addWidget(self.strength)
        self.first.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        from models.signing.keys import passphrase_strength

        text = self.first.text()
        self.strength.setText(f"口令强度：{passphrase_strength(text)}" if text else "")

    def set_text(self, text: str) -> None:
        self.first.setText(text)
        self.second.setText(text)

    def clear(self) -> None:
        self.set_text("")

    def problem(self) -> str | None:
        """Why the two entries cannot be used (the length rule is the model's), or None."""
        if self.first.text() != self.second.text():
            return f"两次输入的{self.whose}不一致"
        return None

    def text(self) -> str:
        return self.first.text()
