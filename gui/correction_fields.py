"""The 退回补正 part of the decision form: the missing materials (ticked from the checklist or typed) and the deadline.

It only collects; :func:`models.review.corrections.correction_problem` (through
``decide_with_key``) says in Chinese what is missing.
"""

from __future__ import annotations

import re
from datetime import date

from models.review.casefile import Case
from models.review.corrections import correction_of_record
from models.review.evidence_match import match_requirements

from gui.qt import (
    QColor, QDate, QDateEdit, QFormLayout, QLineEdit, QListWidget, QListWidgetItem, Qt, QWidget, Signal,
)

PICK_DEADLINE = "（请选择补正期限）"
_SEPARATORS = re.compile(r"[；;\n]+")


class CorrectionFields(QWidget):
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.checklist = QListWidget(self)
        self.checklist.setAccessibleName("需补正的材料")
        self.checklist.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.other = QLineEdit(self)
        self.other.setPlaceholderText("清单外的材料，多项用 ； 分隔")
        self.deadline = QDateEdit(self)
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy年M月d日")
        self.deadline.setSpecialValueText(PICK_DEADLINE)
        self.deadline.setAccessibleName("补正期限")
        layout.addRow("需补正", self.checklist)
        layout.addRow("其他材料", self.other)
        layout.addRow("补正期限", self.deadline)
        self.checklist.itemChanged.connect(lambda *_: self.edited.emit())
        self.other.textEdited.connect(lambda *_: self.edited.emit())
        self.deadline.dateChanged.connect(lambda *_: self.edited.emit())
        self.clear()

    def load(self, case: Case, record: str | None) -> None:
        """The application's checklist, unticked, or the items and deadline of a saved 退回补正 ``record``."""
        items, deadline = correction_of_record(record) if record else ((), None)
        matches = match_requirements(case.item.evidence, [f.name for f in case.evidence],
                                     case.application.application_id)
        self.checklist.blockSignals(True)
        self.checklist.clear()
        for requirement, matched in zip(case.item.evidence, matches):
            entry = QListWidgetItem(requirement if matched is not None else f"{requirement}（未找到对应附件）")
            entry.setData(Qt.ItemDataRole.UserRole, requirement)
            entry.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if requirement in items else Qt.CheckState.Unchecked)
            if matched is None:
                entry.setForeground(QColor("#b3261e"))
            self.checklist.addItem(entry)
        self.checklist.blockSignals(False)
        rows = min(max(self.checklist.count(), 1), 6)
        self.checklist.setFixedHeight(rows * max(self.checklist.sizeHintForRow(0), 16) + 2 * self.checklist.frameWidth())
        self.other.setText("；".join(item for item in items if item not in case.item.evidence))
        self._set_deadline(deadline)

    def clear(self) -> None:
        self.checklist.clear()
        self.other.clear()
        self._set_deadline(None)

    def _set_deadline(self, deadline: date | None) -> None:
        self.deadline.blockSignals(True)
        today = QDate.currentDate()
        self.deadline.setMinimumDate(today)  # the minimum shows as “请选择”: no deadline yet
        self.deadline.setMaximumDate(today.addYears(1))
        self.deadline.setDate(QDate(deadline.year, deadline.month, deadline.day) if deadline else today)
        self.deadline.blockSignals(False)

    def restore(self, items: tuple[str, ...], deadline: str) -> None:
        """Tick and type ``items`` and set ``deadline`` (YYYY-MM-DD) as a draft kept them."""
        listed = set()
        for n in range(self.checklist.count()):
            entry = self.checklist.item(n)
            requirement = entry.data(Qt.ItemDataRole.UserRole)
            entry.setCheckState(Qt.CheckState.Checked if requirement in items else Qt.CheckState.Unchecked)
            listed.add(requirement)
        self.other.setText("；".join(item for item in items if item not in listed))
        try:
            self._set_deadline(date.fromisoformat(deadline) if deadline else None)
        except ValueError:
            self._set_deadline(None)

    def deadline_text(self) -> str:
        chosen = self.chosen_deadline()
        return chosen.isoformat() if chosen else ""

    def items(self) -> tuple[str, ...]:
        ticked = [self.checklist.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.checklist.count())
                  if self.checklist.item(n).checkState() == Qt.CheckState.Checked]
        typed = [part.strip() for part in _SEPARATORS.split(self.other.text()) if part.strip()]
        return tuple(dict.fromkeys([*ticked, *typed]))

    def chosen_deadline(self) -> date | None:
        chosen = self.deadline.date()
        if chosen == self.deadline.minimumDate():
            return None
        return date(chosen.year(), chosen.month(), chosen.day())
