"""人员管理: a 系统管理员 adds 初审 and 复核 reviewers, 负责人 and the 审计员, and disables, re-keys or revokes.

Every change goes through ``models.signing.people`` with the 系统管理员's own passphrase
and the CA passphrase, typed here each time and never kept; a re-key, or a 负责人 added beside one, with the
confirming person's too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.review.terms import ADMIN, AUDITOR, FIRST_REVIEWER, LEAD_ROLE, SECOND_REVIEWER

from gui import errors
from gui.ops import Op, worker_workspace
from gui.passphrase_dialog import NewPassphraseFields
from gui.qt import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

ROLE_CHOICES = (FIRST_REVIEWER, SECOND_REVIEWER, LEAD_ROLE, AUDITOR, ADMIN)
NO_CONFIRMER = "（无需确认）"
OK_COLOUR, ERROR_COLOUR = "#1E7B34", "#B00020"


def _password_edit(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(name)
    edit.setAccessibleName(name)
    return edit


class PeopleDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.changed = False
        self.busy = False
        self.setWindowTitle("人员管理")
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["姓名", "角色", "状态", "证书指纹"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(150)  # five people in view
        layout.addWidget(self.table)

        by = QGroupBox("办理人（每次变更都须系统管理员本人口令和 CA 口令）", self)
        by_form = QFormLayout(by)
        self.admin = QComboBox(by)
        self.admin.setAccessibleName("系统管理员")
        self.admin_passphrase = _password_edit(by, "系统管理员口令")
        self.ca_passphrase = _password_edit(by, "CA 口令")
        by_form.addRow("系统管理员：", self.admin)
        by_form.addRow("其口令：", self.admin_passphrase)
        by_form.addRow("CA 口令：", self.ca_passphrase)
        layout.addWidget(by)

        second = QGroupBox("第二人确认（更换密钥须经本人或负责人；已有负责人时新增负责人须经负责人）", self)
        second_form = QFormLayout(second)
        self.confirmer = QComboBox(second)
        self.confirmer.setAccessibleName("确认人")
        self.confirmer_passphrase = _password_edit(second, "确认人本人口令")
        second_form.addRow("确认人：", self.confirmer)
        second_form.addRow("其口令：", self.confirmer_passphrase)
        layout.addWidget(second)

        add = QGroupBox("新增人员", self)
        add_form = QFormLayout(add)
        self.name = QLineEdit(add)
        self.name.setAccessibleName("新人员姓名")
        self.role = QComboBox(add)
        self.role.addItems(ROLE_CHOICES)
        self.new_passphrase = NewPassphraseFields(add, "新人员口令")
        self.add_button = QPushButton("添加", add)
        add_form.addRow("姓名：", self.name)
        add_form.addRow("角色：", self.role)
        add_form.addRow("口令：", self.new_passphrase)
        add_form.addRow("", self.add_button)
        layout.addWidget(add)

        chosen = QGroupBox("所选人员", self)
        chosen_form = QFormLayout(chosen)
        self.reason = QLineEdit(chosen)
        self.reason.setPlaceholderText("停用、启用或吊销的原因")
        self.rekey_passphrase = NewPassphraseFields(chosen, "新口令")
        row = QHBoxLayout()
        self.disable_button = QPushButton("停用", chosen)
        self.enable_button = QPushButton("启用", chosen)
        self.revoke_button = QPushButton("吊销证书", chosen)
        self.rekey_button = QPushButton("更换密钥", chosen)
        for button in (self.disable_button, self.enable_button, self.revoke_button, self.rekey_button):
            row.addWidget(button)
        chosen_form.addRow("原因：", self.reason)
        chosen_form.addRow("更换密钥的新口令：", self.rekey_passphrase)
        chosen_form.addRow("", row)
        layout.addWidget(chosen)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.add_button.clicked.connect(self.add_person)
        self.disable_button.clicked.connect(lambda: self._on_selected("停用", self._disable))
        self.enable_button.clicked.connect(lambda: self._on_selected("启用", self._enable))
        self.revoke_button.clicked.connect(lambda: self._on_selected("吊销", self._revoke))
        self.rekey_button.clicked.connect(lambda: self._on_selected("更换密钥", self._rekey))
        self.setMinimumWidth(640)
        self.refresh()

    @classmethod
    def ask(cls, folder: Path, parent: QWidget | None = None) -> bool:
        """Show the dialog; True when anyone was added or changed."""
        dialog = cls(folder, parent)
        try:
            dialog.exec()
            return dialog.changed
        finally:
            dialog.deleteLater()

    # --- showing ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        from models.signing.reviewers import list_reviewers

        with worker_workspace(self.folder) as ws:
            people = list_reviewers(ws)
        self.table.setRowCount(len(people))
        for row, person in enumerate(people):
            status = person.status + (f"（{person.revoked_at[:19]}）" if person.revoked_at else "")
            for column, text in enumerate((person.name, person.role, status, person.fingerprint[:16] + "…")):
                self.table.setItem(row, column, QTableWidgetItem(text))
        current = self.admin.currentText()
        self.admin.clear()
        self.admin.addItems([p.name for p in people if p.role == ADMIN and p.active])
        self.admin.setCurrentIndex(max(self.admin.findText(current), 0))
        confirmer = self.confirmer.currentText()
        self.confirmer.clear()
        self.confirmer.addItems([NO_CONFIRMER, *(p.name for p in people if p.role != ADMIN and p.active)])
        self.confirmer.setCurrentIndex(max(self.confirmer.findText(confirmer), 0))

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None  # type: ignore[union-attr]  # every row has a name

    def select(self, name: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == name:  # type: ignore[union-attr]  # every row has a name
                self.table.selectRow(row)

    def say(self, text: str, ok: bool = True) -> None:
        self.status.setText(f"<span style='color:{OK_COLOUR if ok else ERROR_COLOUR}'>{text}</span>")

    # --- acting -----------------------------------------------------------------------------------

    def _auth(self):  # noqa: ANN202 - models.signing.people.AdminAuth
        from models.signing.people import AdminAuth

        return AdminAuth(self.ca_passphrase.text(), self.admin.currentText() or None, self.admin_passphrase.text())

    def _confirmation(self):  # noqa: ANN202 - models.signing.people.Confirmation or None
        from models.signing.people import Confirmation

        by = self.confirmer.currentText()
        return None if by in ("", NO_CONFIRMER) else Confirmation(by, self.confirmer_passphrase.text())

    def _run(self, work: Callable[..., str], label: str) -> None:
        auth = self._auth()
        folder = self.folder

        def run(progress: object) -> str:
            with worker_workspace(folder) as ws:
                return work(ws, auth)

        def done(message: str) -> None:
            self.busy = False
            self.changed = True
            self.new_passphrase.clear()
            self.rekey_passphrase.clear()
            self.confirmer_passphrase.clear()
            self.refresh()
            self.say(message)

        def failed(error: BaseException) -> None:
            from models.failures import ReviewDeskError

            self.busy = False
            if isinstance(error, ReviewDeskError):
                self.say(str(error), ok=False)
            else:
                errors.report(error, self, "人员管理")

        self.busy = True
        Op(self, run).success(done).failure(failed).with_progress(label).run()

    def add_person(self) -> None:
        from models.signing.people import add_reviewer

        if self.new_passphrase.problem():
            self.say(self.new_passphrase.problem() or "", ok=False)
            return
        name, role, passphrase = self.name.text(), self.role.currentText(), self.new_passphrase.text()
        confirmation = self._confirmation()

        def work(ws, auth) -> str:  # noqa: ANN001 - ws, auth: a Workspace and an AdminAuth, from _run
            fingerprint = add_reviewer(ws, name, role, passphrase, auth=auth, confirmation=confirmation)
            return f"已添加 {name.strip()}（{role}），证书指纹 {fingerprint[:16]}…"

        self._run(work, f"正在为 {name} 签发证书…")

    def _on_selected(self, verb: str, act: Callable[[str], None]) -> None:
        name = self.selected_name()
        if name is None:
            self.say(f"请先在表中选择要{verb}的人员", ok=False)
            return
        act(name)

    def _disable(self, name: str) -> None:
        from models.signing.people import disable_reviewer

        reason = self.reason.text()
        def disable(ws: Any, auth: Any) -> str:
            disable_reviewer(ws, name, auth=auth, reason=reason)
            return f"已停用 {name}：此后不能签名，此前的签名仍然有效"

        self._run(disable, f"正在停用 {name}…")

    def _enable(self, name: str) -> None:
        from models.signing.people import enable_reviewer

        reason = self.reason.text()
        def enable(ws: Any, auth: Any) -> str:
            enable_reviewer(ws, name, auth=auth, reason=reason)
            return f"已启用 {name}"

        self._run(enable, f"正在启用 {name}…")

    def _revoke(self, name: str) -> None:
        from models.signing.people import revoke_reviewer

        reason = self.reason.text()
        self._run(lambda ws, auth: f"已吊销 {name} 的证书（{revoke_reviewer(ws, name, auth=auth, reason=reason)[:19]}）："
                                   "此后的签名无效，此前的签名仍然有效", f"正在吊销 {name} 的证书…")

    def _rekey(self, name: str) -> None:
        from models.signing.people import rekey_reviewer

        if self.rekey_passphrase.problem():
            self.say(self.rekey_passphrase.problem() or "", ok=False)
            return
        passphrase, confirmation = self.rekey_passphrase.text(), self._confirmation()
        self._run(lambda ws, auth: f"已为 {name} 更换密钥，新证书指纹 "
                                   f"{rekey_reviewer(ws, name, passphrase, auth=auth, confirmation=confirmation)[:16]}"
                                   "…；旧密钥此前的签名仍然有效",
                  f"正在为 {name} 更换密钥…")
