"""工具 → 核对校验码: type or scan the code of a paper 审核表 and compare the paper with what the sheet says.

Beside which sheet it is, the dialog shows what the sheet showed when it was signed (enterprise, USCC,
item, each stage's outcome and amount in 小写 and 大写, signers, local times), so a photocopy whose
amount was altered does not pass for the original.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from gui.qt import (
    QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, Qt, QVBoxLayout, QWidget,
)

if TYPE_CHECKING:
    from models.workspace.workspace import Workspace
    from sheets.verify import CodeLookup

GOOD, BAD, UNKNOWN = "#1b5e20", "#b3261e", "#8a5a00"
FIXED_LABELS = ("申报编号", "表号")  # shown in the fixed rows above the sheet's content


class VerifyCodeDialog(QDialog):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.lookup: CodeLookup | None = None
        self.setWindowTitle("核对校验码")
        layout = QVBoxLayout(self)
        intro = QLabel("输入纸质审核表页脚的校验码（不区分大小写和全角半角，可省略短横线），或用扫码枪扫描表上的二维码，"
                       "核对它是否为本工作区导出的现行审核表，并逐项对照下方内容与纸面是否一致。", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.code = QLineEdit(self)
        self.code.setPlaceholderText("如 7K3M-9QXP-2HD4-WA1C-R8TE")
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
        self.content_labels: dict[str, QLabel] = {}  # the sheet's content, by label (企业名称, 初审结论 …)
        self.details = details
        details.hide()
        layout.addWidget(details)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.check_button.clicked.connect(self.check)
        self.code.returnPressed.connect(self.check)
        self.setMinimumWidth(520)

    def check(self) -> None:
        from sheets.codes import BadCode
        from sheets.times import local_time
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
        elif found.currency is not None and found.currency.current:
            state, color = "有效：导出后审核表所示内容均未变更", GOOD
        elif found.currency is not None:
            state, color = found.currency.summary(), UNKNOWN
        else:
            state, color = found.message, BAD
        values = {"application_id": row.application_id, "serial": row.serial, "signer": row.signer,
                  "exported_at": local_time(row.exported_at), "state": state}
        for key, value in values.items():
            self.fields[key].setText(value)
        self.fields["state"].setWordWrap(True)
        self._show_content(found.fields)
        self.details.show()
        self._say(found.message, GOOD if found.ok else color)

    def _show_content(self, fields: tuple[tuple[str, str], ...]) -> None:
        for old in self.content_labels.values():
            self.form.removeRow(old)
        self.content_labels = {}
        for label, value in fields:
            if label in FIXED_LABELS:
                continue
            shown = QLabel(value, self.details)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            self.content_labels[label] = shown
            self.form.addRow(f"{label}：", shown)

    def _say(self, text: str, color: str) -> None:
        self.verdict.setText(f"<span style='color:{color}'><b>{escape(text)}</b></span>")
