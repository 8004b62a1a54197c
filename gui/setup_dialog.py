"""为本局新建工作区: the CA, the 系统管理员 and the first 负责人, through ``models.signing.people.set_up_bureau``."""

from __future__ import annotations

from pathlib import Path

from gui.passphrase_dialog import NewPassphraseFields
from gui.qt import QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget

ERROR_COLOUR = "#B00020"


class BureauSetupDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.created = False
        self.setWindowTitle("为本局新建工作区")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"将在 {folder} 新建工作区，并建立本局自己的 CA（签发每位人员的签名证书）。<br>"
            "<b>三员分立</b>：系统管理员管理人员和密钥，不作审核决定；负责人导出会评包并可作各阶段决定。"
            "初审、复核人员和审计员由系统管理员随后在 工具 → 人员管理… 中添加。", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        ca_box = QGroupBox("CA", self)
        self.ca_passphrase = NewPassphraseFields(ca_box, "CA 口令")
        QFormLayout(ca_box).addRow("CA 口令：", self.ca_passphrase)
        admin_box = QGroupBox("系统管理员", self)
        admin_form = QFormLayout(admin_box)
        self.admin_name = QLineEdit(admin_box)
        self.admin_name.setAccessibleName("系统管理员姓名")
        self.admin_passphrase = NewPassphraseFields(admin_box, "系统管理员口令")
        admin_form.addRow("姓名：", self.admin_name)
        admin_form.addRow("口令：", self.admin_passphrase)
        lead_box = QGroupBox("负责人", self)
        lead_form = QFormLayout(lead_box)
        self.lead_name = QLineEdit(lead_box)
        self.lead_name.setAccessibleName("负责人姓名")
        self.lead_passphrase = NewPassphraseFields(lead_box, "负责人口令")
        lead_form.addRow("姓名：", self.lead_name)
        lead_form.addRow("口令：", self.lead_passphrase)
        for box in (ca_box, admin_box, lead_box):
            layout.addWidget(box)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("建立工作区")
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    @classmethod
    def ask(cls, folder: Path, parent: QWidget | None = None) -> bool:
        """True when the workspace was created."""
        dialog = cls(folder, parent)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted and dialog.created
        finally:
            dialog.deleteLater()

    def show_problem(self, text: str) -> None:
        self.problem.setText(f"<span style='color:{ERROR_COLOUR}'>{text}</span>")

    def create(self) -> None:  # type: ignore[override]  # hides QWidget.create, which nothing here calls
        from models.failures import ReviewDeskError
        from models.signing.people import set_up_bureau
        from models.workspace.workspace import Workspace

        for fields in (self.ca_passphrase, self.admin_passphrase, self.lead_passphrase):
            if fields.problem():
                self.show_problem(fields.problem() or "")
                return
        self.problem.setText("正在建立 CA 和人员密钥…")
        self.repaint()
        try:
            with Workspace.open(self.folder) as ws:
                set_up_bureau(ws, ca_passphrase=self.ca_passphrase.text(), admin=self.admin_name.text(),
                              admin_passphrase=self.admin_passphrase.text(), lead=self.lead_name.text(),
                              lead_passphrase=self.lead_passphrase.text())
        except ReviewDeskError as error:  # nothing of the CA or the people was written
            self.show_problem(str(error))
            return
        self.created = True
        self.accept()
