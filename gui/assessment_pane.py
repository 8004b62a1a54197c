"""The assessment pane: the application, status and cap with its trace, flags, the checklist, the decisions."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from policy.assessment import STATUS_LABELS

from models.review.casefile import Case
from models.review.evidence_match import match_requirements
from models.review.terms import LEAD_ROLE, STAGES, STAGES_BY_NAME, WITH_AMOUNT, stage_is_open

from gui.money import wan_text
from gui.correction_panel import CorrectionPanel
from gui.decision_form import DecisionForm
from gui.qt import (
    QColor, QFrame, QGroupBox, QLabel, QListWidget, QListWidgetItem, QScrollArea, Qt, QVBoxLayout, QWidget, Signal,
)

STATUS_STYLE = {
    "eligible": ("#1b7f3b", "#e6f4ea"), "ineligible": ("#b3261e", "#fce8e6"),
    "needs_review": ("#8a5a00", "#fff4d6"), "referral": ("#3f3f8f", "#ebebf7"),
}
MAX_TICK_SHORTCUTS = 9
KIND_LABELS = {"pdf": "PDF", "image": "图片", "other": "其他文件"}


def _wan(value: Decimal | None) -> str:
    return "—" if value is None else wan_text(value)


def application_html(case: Case) -> str:
    """The facts not already in the title line (申报编号 and 企业名称 are there)."""
    app = case.application
    recognised = app.recognised_on.isoformat() if app.recognised_on else "—"
    rows = [
        ("统一社会信用代码", app.uscc), ("所属县区 · 产业", f"{app.county} · {app.industry}"),
        ("申报事项", case.item.name), ("认定日期 · 申请金额", f"{recognised} · {_wan(app.requested_yuan)}"),
    ]
    cells = "".join(f"<tr><td style='color:#666; padding-right:8px; white-space:nowrap'>{escape(k)}</td>"
                    f"<td>{escape(v)}</td></tr>" for k, v in rows)
    warnings = "".join(f"<div style='color:#8a5a00'>⚠ {escape(w)}</div>" for w in app.warnings)
    return f"<table cellspacing='0' cellpadding='1'>{cells}</table>{warnings}"


def assessment_html(case: Case) -> str:
    cap = case.cap
    colour, background = STATUS_STYLE.get(cap.status, ("#333", "#eee"))
    label = STATUS_LABELS.get(cap.status, cap.status or "未评估")
    badge = (f"<span style='color:{colour}; background-color:{background}; font-weight:bold'>"
             f"&nbsp;{escape(label)}&nbsp;</span>")
    if cap.uncapped_yuan is None and cap.cap_yuan is None and cap.recommended_yuan is None:
        chain = "本措施不核定金额"
    else:
        chain = (f"按条款计算 <b>{_wan(cap.uncapped_yuan)}</b> → 上限 <b>{_wan(cap.cap_yuan)}</b>"
                 f" → 建议 <b>{_wan(cap.recommended_yuan)}</b>")
    trace = "".join(f"<li>{escape(line)}</li>" for line in cap.trace)
    flags = "".join(f"<div style='color:#8a5a00'>⚑ {escape(flag)}</div>" for flag in cap.flags)
    version = f"<div style='color:#666'>{escape(case.policy_note)}</div>" if case.policy_note else ""
    return (f"<p style='margin:0'>{badge}　{chain}</p>{flags}"
            f"<ol style='margin-top:4px; margin-left:-16px; color:#333'>{trace}</ol>{version}")


def decisions_html(case: Case) -> str:
    lines = []
    for stage in STAGES:
        decision = case.current(stage)
        if decision is None:
            if stage_is_open(stage, case.current_outcomes) or STAGES_BY_NAME[stage].queue_role != LEAD_ROLE:
                lines.append(f"<div><b>{stage}</b>：<span style='color:#888'>尚未作出</span></div>")
            continue
        with_amount = decision.amount_yuan is not None and decision.outcome in WITH_AMOUNT
        amount = f" {wan_text(decision.amount_yuan)}" if with_amount and decision.amount_yuan is not None else ""
        opinion = f"<br><span style='color:#555'>{escape(decision.opinion)}</span>" if decision.opinion else ""
        lines.append(f"<div><b>{stage}</b>：{escape(decision.outcome)}{amount}"
                     f"<span style='color:#666'>（{escape(decision.reviewer)}，{escape(decision.decided_at[:16].replace('T', ' '))}）"
                     f"</span>{opinion}</div>")
    return "".join(lines)


def _rich_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class AssessmentPane(QWidget):
    """Facts scroll; the decision form stays in view below them."""

    open_file = Signal(int)  # evidence position
    ticks_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        body = QWidget(self.scroll_area)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(8)
        self.application = _rich_label(body)
        layout.addWidget(self.application)
        self.correction_panel = CorrectionPanel(body)
        layout.addWidget(self.correction_panel)
        self.assessment = _rich_label(body)
        layout.addWidget(self._group("评估结果", self.assessment))
        self.checklist = QListWidget(body)
        self.checklist.setAccessibleName("材料清单")
        self.checklist.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.checklist.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.checklist.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.checklist_group = self._group("材料清单（Ctrl+1…9 勾选，双击打开对应附件）", self.checklist)
        layout.addWidget(self.checklist_group)
        self.decisions = _rich_label(body)
        layout.addWidget(self._group("审核记录", self.decisions))
        layout.addStretch(1)
        self.scroll_area.setWidget(body)
        outer.addWidget(self.scroll_area, 1)
        self.form = DecisionForm(self)
        outer.addWidget(self.form)
        self._matches: list[int | None] = []
        self._ticks: set[int] = set()
        self.checklist.itemChanged.connect(self._tick_changed)
        self.checklist.itemActivated.connect(self._activated)
        self.checklist.itemDoubleClicked.connect(self._activated)

    def _group(self, title: str, content: QWidget) -> QGroupBox:
        group = QGroupBox(title, content.parentWidget())
        box = QVBoxLayout(group)
        box.setContentsMargins(8, 4, 8, 6)
        box.addWidget(content)
        return group

    def show_case(self, case: Case, ticks: set[int], role: str | None, reviewer: str | None = None) -> None:
        """Show ``case``; ``ticks`` is the live set of ticked checklist positions, updated in place."""
        self.application.setText(application_html(case))
        self.assessment.setText(assessment_html(case))
        self.decisions.setText(decisions_html(case))
        self._ticks = ticks
        self._matches = match_requirements(case.item.evidence, [f.name for f in case.evidence],
                                           case.application.application_id)
        self.checklist.blockSignals(True)
        self.checklist.clear()
        for n, entry in enumerate(case.item.evidence):
            target = self._matches[n]
            points_to = (f"　→ {case.evidence[target].name}（{KIND_LABELS.get(case.evidence[target].kind, '其他文件')}）"
                         if target is not None else "　⚠ 未找到对应附件")
            key = f"Ctrl+{n + 1}  " if n < MAX_TICK_SHORTCUTS else ""
            item = QListWidgetItem(f"{key}{entry}{points_to}")
            item.setToolTip(f"{entry}{points_to}")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if n in ticks else Qt.CheckState.Unchecked)
            if target is None:
                item.setForeground(QColor("#b3261e"))
            self.checklist.addItem(item)
        self.checklist.blockSignals(False)
        rows = max(self.checklist.count(), 1)
        self.checklist.setFixedHeight(rows * self.checklist.sizeHintForRow(0) + 2 * self.checklist.frameWidth() + 2
                                      if self.checklist.count() else 8)
        self.form.load(case, role, reviewer)

    def toggle_tick(self, position: int) -> None:
        item = self.checklist.item(position)
        if item is None:
            return
        ticked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked)
        if not ticked:
            self._open_matched(position)

    def ticked(self) -> set[int]:
        return set(self._ticks)

    def set_ticks(self, ticks: set[int]) -> None:
        """Tick exactly ``ticks`` (a draft's), updating the live set in place."""
        self._ticks.clear()
        self._ticks.update(t for t in ticks if 0 <= t < self.checklist.count())
        self.checklist.blockSignals(True)
        for n in range(self.checklist.count()):
            self.checklist.item(n).setCheckState(Qt.CheckState.Checked if n in self._ticks else Qt.CheckState.Unchecked)
        self.checklist.blockSignals(False)

    def set_deciding_enabled(self, enabled: bool) -> None:
        self.form.setEnabled(enabled)
        self.checklist.setEnabled(enabled)

    def _tick_changed(self, item: QListWidgetItem) -> None:
        position = self.checklist.row(item)
        if item.checkState() == Qt.CheckState.Checked:
            self._ticks.add(position)
        else:
            self._ticks.discard(position)
        self.ticks_changed.emit()

    def _activated(self, item: QListWidgetItem) -> None:
        self._open_matched(self.checklist.row(item))

    def _open_matched(self, position: int) -> None:
        if 0 <= position < len(self._matches) and self._matches[position] is not None:
            self.open_file.emit(self._matches[position])
