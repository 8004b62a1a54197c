"""工具 → 核对校验码: type the code printed on a paper 审核表 and see which sheet of this workspace it is."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from gui.qt import (
    QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, Qt, QVBoxLayout, QWidget,
)

if TYPE_CHECKING:
    from models.workspace import Workspace
    from sheets.verify import CodeLookup

GOOD, BAD, UNKNOWN = "#1b5e20", "#b3261e", "#8a5a00"


def local_time(iso: str) -> str:
    """The audit's UTC time as the reviewer's clock shows it."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


class VerifyCodeDialog(QDialog):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.lookup: CodeLookup | None = None
        self.setWindowTitle("核对校验码")
        layout = QVBoxLayout(self)
        intro = QLabel("输入纸质审核表页脚的 16 位校验码（不区分大小写，可省略短横线），核对它是否为本工作区导出的审核表。",
                       self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.code = QLineEdit(self)
        self.code.setPlaceholderText("如 7K3M-9QXP-2HD4-WA1C")
        self.code.setAccessibleName("校验码")
        self.code.setClearButtonEnabled(True)
        self.check_button = QPushButton("核对", self)
        self.check_button.setDefault(True)
        row.addWidget(self.code, 1)
        row.addWidget(self.check_button)
        layout.addLayout(row)
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.verdict)
        details = QWidget(self)
        self.form = QFormLayout(details)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("application_id", "申报编号"), ("serial", "表号"), ("signer", "签名人"),
                           ("exported_at", "导出时间"), ("state", "状态")):
            value = QLabel(details)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            self.form.addRow(f"{label}：", value)
        self.details = details
        details.hide()
        layout.addWidget(details)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.check_button.clicked.connect(self.check)
        self.code.returnPressed.connect(self.check)
        self.setMinimumWidth(460)

    def check(self) -> None:
        from sheets.codes import BadCode
        from sheets.verify import lookup_code

        typed = self.code.text()
        self.lookup = None
        self.details.hide()
        if not typed.strip():
            self._say("请输入校验码", UNKNOWN)
            return
        try:
            found = lookup_code(self.ws, typed)
        except BadCode as error:
            self._say(str(error), BAD)
            return
        self.lookup = found
        self.code.setText(found.code)
        row = found.row
        if row is None:
            self._say(f"校验码 {found.code} 与本工作区的任何审核表都不符：不是本工作区导出的审核表，或校验码抄错。", BAD)
            return
        if not row.sha256:
            state, color = "已登记，但审核表未成功生成：不是有效的审核表", BAD
        elif found.decisions_current:
            state, color = "有效：导出后决定未变更", GOOD
        else:
            state, color = "已过时：导出后决定已被更新", UNKNOWN
        values = {"application_id": row.application_id, "serial": row.serial, "signer": row.signer,
                  "exported_at": local_time(row.exported_at), "state": state}
        for key, value in values.items():
            self.fields[key].setText(value)
        self.details.show()
        self._say(found.message, GOOD if found.ok else color)

    def _say(self, text: str, color: str) -> None:
        self.verdict.setText(f"<span style='color:{color}'><b>{escape(text)}</b></span>")
