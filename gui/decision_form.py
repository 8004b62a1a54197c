"""The decision form: stage, outcome, amount in 万元, opinion and internal note.

The form only collects; :func:`models.review.decisions.decide_with_key` checks every
rule (cap, roles, order of stages) and says in Chinese what is wrong.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from policy.money import wan_text, wan_to_yuan

from models.review.casefile import Case
from models.review.decisions import DecisionInput
from models.review.drafts import Draft
from models.review.terms import (REFER, RETURN_FOR_MATERIALS, STAGE_TABLE, STAGES, STAGES_BY_NAME, WITH_AMOUNT, latest_stage, waiting_stage,
                                 why_none_open)
from models.failures import ReviewDeskError
from models.review.queue_index import default_stage, open_stages

from gui.correction_fields import CorrectionFields
from gui.money import wan_text as screen_wan
from gui.qt import (
    QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, Qt,
    QVBoxLayout, QWidget, Signal,
)

_AMOUNT = re.compile(r"\d{1,9}(\.\d{1,6})?")
PICK_OUTCOME = "（请选择）"


class FormIncomplete(ReviewDeskError):
    """The form cannot be read as a decision yet (nothing was saved)."""


def wan_field_text(yuan: Decimal | None) -> str:
    """An amount in 元 as typed in the 万元 field: ``50``, ``12.5``, ``0.0123``."""
    if yuan is None:
        return ""
    return wan_text(yuan).removesuffix("万元")


class DecisionForm(QGroupBox):
    save_requested = Signal(bool)  # True: then go to the next application
    edited = Signal()  # the reviewer changed a field (not emitted while the form is being filled in)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("审核决定", parent)
        self._case: Case | None = None
        self._filling = False
        self._saved_text = ""
        self._blocked = ""  # why this reviewer may decide no stage of the case
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.stage = QComboBox(self)
        self.stage.setAccessibleName("审核阶段")
        self.stage.addItems(list(STAGES))
        self.outcome = QComboBox(self)
        self.outcome.setAccessibleName("审核结论")
        self.outcome.addItem(PICK_OUTCOME, "")
        top = QHBoxLayout()
        top.addWidget(self.stage)
        top.addWidget(QLabel("结论", self))
        top.addWidget(self.outcome, 1)
        form.addRow("阶段", top)

        amount_row = QHBoxLayout()
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText("万元")
        self.amount.setAccessibleName("核定金额（万元）")
        self.amount.setMaximumWidth(self.fontMetrics().horizontalAdvance("0000000.000000") + 16)
        self.cap_hint = QLabel(self)
        self.cap_hint.setObjectName("capHint")
        amount_row.addWidget(self.amount)
        self.unit = QLabel("万元", self)
        amount_row.addWidget(self.unit)
        amount_row.addWidget(self.cap_hint, 1)
        form.addRow("核定金额", amount_row)
        self.override = QLineEdit(self)
        self.override.setPlaceholderText("金额超过上限时必填")
        form.addRow("超限理由", self.override)
        self.correction = CorrectionFields(self)  # shown for 退回补正 only
        self.correction.setVisible(False)
        form.addRow(self.correction)
        self.opinion = QPlainTextEdit(self)
        self.opinion.setPlaceholderText("打印在审核表上")
        self.note = QPlainTextEdit(self)
        self.note.setPlaceholderText("仅内部可见，不打印")
        lines = self.fontMetrics().lineSpacing()
        for box in (self.opinion, self.note):
            box.setTabChangesFocus(True)
            box.setFixedHeight(lines * 2 + 14)
        form.addRow("审核意见", self.opinion)
        form.addRow("内部备注", self.note)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.saved_label = QLabel(self)
        self.saved_label.setWordWrap(True)
        buttons.addWidget(self.saved_label, 1)
        self.save_button = QPushButton("保存 (Ctrl+S)", self)
        self.save_next_button = QPushButton("保存并下一件 (Ctrl+Enter)", self)
        self.save_next_button.setDefault(True)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.save_next_button)
        layout.addLayout(buttons)

        self.save_button.clicked.connect(lambda: self.save_requested.emit(False))
        self.save_next_button.clicked.connect(lambda: self.save_requested.emit(True))
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self.stage.currentIndexChanged.connect(self._stage_changed)
        for signal in (self.stage.currentIndexChanged, self.outcome.currentIndexChanged, self.amount.textEdited,
                       self.override.textEdited, self.opinion.textChanged, self.note.textChanged,
                       self.correction.edited):
            signal.connect(self._maybe_edited)

    def _maybe_edited(self, *args: object) -> None:
        if not self._filling:
            self.edited.emit()

    def load(self, case: Case, role: str | None, reviewer: str | None = None) -> None:
        """Offer the stages the stage table lets ``reviewer`` (of ``role``) decide on ``case``, open at the one
        the case waits at, with the current decision there, if any."""
        self._case = case
        outcomes, deciders = case.current_outcomes, case.deciders
        if role and reviewer:
            allowed = open_stages(role, reviewer, outcomes, deciders)
            stage = default_stage(role, reviewer, outcomes, deciders)
            self._blocked = "" if allowed else why_none_open(role, reviewer, outcomes, deciders)
        else:  # nobody chosen: the form is shown, disabled, at the stage the case waits at
            allowed, self._blocked = list(STAGES), ""
            stage = waiting_stage(outcomes) or latest_stage(outcomes)
        own = [s.name for s in STAGE_TABLE if s.queue_role == role]
        shown = allowed or own[:1] or [STAGES[0]]  # blocked: the reviewer's own stage, with the reason
        self._filling = True
        try:
            self.stage.blockSignals(True)
            self.stage.clear()
            self.stage.addItems(shown)
            self.stage.setCurrentText(stage or shown[0])
            self.stage.setEnabled(len(allowed) > 1)
            self.stage.blockSignals(False)
            for widget in (self.outcome, self.amount, self.override, self.opinion, self.note, self.save_button,
                           self.save_next_button):
                widget.setEnabled(not self._blocked)
            self._stage_changed()
        finally:
            self._filling = False

    @property
    def blocked(self) -> str:
        """Why the reviewer may decide no stage of this case ('' when they may)."""
        return self._blocked

    def _cap_hint(self) -> str:
        case = self._case
        if case is None:
            return ""
        if self.outcome.currentData() == REFER:
            policy = case.item.referral_policy
            return f"转主管部门{'按' + policy + '办理' if policy else ''}，不核定金额"
        cap = case.cap.cap_yuan
        return f"上限 {screen_wan(cap)}" if cap is not None else "本事项不核定金额"

    def snapshot(self, ticks: set[int]) -> Draft:
        """Every field as it stands, with the checklist ``ticks``."""
        return Draft(stage=self.stage.currentText(), outcome=self.outcome.currentData() or "",
                     amount=self.amount.text(), override_reason=self.override.text(),
                     opinion=self.opinion.toPlainText(), note=self.note.toPlainText(), ticks=tuple(sorted(ticks)),
                     missing_items=self.correction.items(), deadline=self.correction.deadline_text())

    def apply_draft(self, draft: Draft) -> None:
        """Fill the form from an unsaved ``draft`` and say so."""
        self._filling = True
        try:
            if self.stage.findText(draft.stage) >= 0:
                self.stage.setCurrentText(draft.stage)
            self.outcome.setCurrentIndex(max(self.outcome.findData(draft.outcome), 0) if draft.outcome else 0)
            self.amount.setText(draft.amount)
            self.override.setText(draft.override_reason)
            self.opinion.setPlainText(draft.opinion)
            self.note.setPlainText(draft.note)
            self.correction.restore(draft.missing_items, draft.deadline)
        finally:
            self._filling = False
        self.show_draft_state(draft)

    def show_draft_state(self, draft: Draft | None) -> None:
        """草稿 with its time while unsaved changes are kept, else what was saved."""
        if self._blocked:
            self.saved_label.setText(self._blocked)
            self.saved_label.setStyleSheet("color:#666")
            return
        if draft is None:
            self.saved_label.setText(self._saved_text)
            self.saved_label.setStyleSheet("")
            return
        when = draft.saved_at[11:16] if len(draft.saved_at) >= 16 else ""
        self.saved_label.setText(f"草稿（未保存{'，' + when if when else ''}）· {self._saved_text}")
        self.saved_label.setStyleSheet("color:#8a5a00; font-weight:bold")

    def _stage_changed(self) -> None:
        case = self._case
        if case is None:
            return
        stage = STAGES_BY_NAME[self.stage.currentText()]
        self.outcome.blockSignals(True)
        while self.outcome.count() > 1:
            self.outcome.removeItem(1)
        for outcome in stage.outcomes:
            self.outcome.addItem(outcome, outcome)
        self.outcome.blockSignals(False)
        current = case.current(stage.name)
        if current is not None:
            self.outcome.setCurrentIndex(max(self.outcome.findData(current.outcome), 0))
            self.amount.setText(wan_field_text(current.amount_yuan))
            self.override.setText(current.override_reason)
            self.opinion.setPlainText(current.opinion)
            self.note.setPlainText(current.note)
            self.correction.load(case, current.record if current.outcome == RETURN_FOR_MATERIALS else None)
            self._saved_text = f"已保存：{current.reviewer} {current.decided_at[:16].replace('T', ' ')}"
        else:
            self.outcome.setCurrentIndex(0)
            self.amount.setText(wan_field_text(case.cap.recommended_yuan))
            self.override.clear()
            self.opinion.clear()
            self.note.clear()
            self.correction.load(case, None)
            self._saved_text = "尚未保存"
        self.show_draft_state(None)
        self._outcome_changed()

    def _outcome_changed(self) -> None:
        outcome = self.outcome.currentData()
        with_amount = not outcome or outcome in WITH_AMOUNT
        self.amount.setEnabled(with_amount and not self._blocked)
        self.amount.setPlaceholderText("万元" if with_amount else "不核定金额")
        self.unit.setVisible(with_amount)
        if not with_amount:
            self.amount.clear()
        elif not self.amount.text() and self._case is not None:
            self.amount.setText(wan_field_text(self._case.cap.recommended_yuan))
        self.cap_hint.setText(self._cap_hint())
        if outcome == REFER and not self.opinion.toPlainText().strip() and self._case is not None:
            policy = self._case.item.referral_policy
            self.opinion.setPlainText(f"本事项按{policy}办理，转主管部门审核。" if policy else "转主管部门审核。")
        self.correction.setVisible(outcome == RETURN_FOR_MATERIALS)

    def read(self, application_id: str, reviewer: str) -> DecisionInput:
        """The form as a decision; :class:`FormIncomplete` when it cannot be read."""
        outcome = self.outcome.currentData()
        if not outcome:
            raise FormIncomplete("请选择审核结论")
        amount = None
        if outcome in WITH_AMOUNT:
            amount = parse_wan(self.amount.text())
        return DecisionInput(
            application_id=application_id, stage=self.stage.currentText(), outcome=outcome, reviewer=reviewer,
            amount_yuan=amount, opinion=self.opinion.toPlainText().strip(), note=self.note.toPlainText().strip(),
            override_reason=self.override.text().strip(),
            missing_items=self.correction.items() if outcome == RETURN_FOR_MATERIALS else (),
            deadline=self.correction.chosen_deadline() if outcome == RETURN_FOR_MATERIALS else None,
        )

    def choose_outcome(self, outcome: str) -> None:
        self.outcome.setCurrentIndex(self.outcome.findData(outcome))


def parse_wan(text: str) -> Decimal:
    """``"50"`` → 500000.00 元; :class:`FormIncomplete` for anything but a plain non-negative number."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned:
        raise FormIncomplete("请填写核定金额（万元）")
    if not _AMOUNT.fullmatch(cleaned):
        raise FormIncomplete(f"核定金额“{text.strip()}”不是有效的万元数（例如 50 或 12.5）")
    try:
        return wan_to_yuan(Decimal(cleaned))
    except InvalidOperation:
        raise FormIncomplete(f"核定金额“{text.strip()}”不是有效的万元数") from None

