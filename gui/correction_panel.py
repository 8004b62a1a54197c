"""The 补正 box of the review form: what is missing and by when, the 补正告知书, and what a resubmission changed."""

from __future__ import annotations

from datetime import date
from html import escape

from models.review.corrections import CorrectionState, local_today

from gui.qt import QGroupBox, QHBoxLayout, QLabel, QPushButton, Qt, QVBoxLayout, QWidget, Signal

CHANGED_STYLE = "background-color:#fff4c2; color:#5c4300"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _days_left(deadline: date | None) -> str:
    if deadline is None:
        return ""
    days = (deadline - local_today()).days
    if days < 0:
        return f"<span style='color:#b3261e; font-weight:bold'>已逾期 {-days} 天</span>"
    return f"剩 {days} 天" if days else "今天到期"


def state_html(state: CorrectionState) -> str:
    parts = []
    if state.pending is not None:
        p = state.pending
        deadline = chinese_date(p.deadline) if p.deadline else "—"
        items = "".join(f"<li>{escape(item)}</li>" for item in p.items)
        parts.append(f"<div><b>待补正</b>：期限 {deadline}（{_days_left(p.deadline)}），"
                     f"由{escape(p.reviewer)}（{escape(p.stage)}）退回</div>"
                     f"<ol style='margin-top:2px; margin-left:-16px'>{items}</ol>")
    if state.resubmission is not None:
        r = state.resubmission
        late = "，<span style='color:#b3261e'>逾期提交</span>" if r.late else ""
        changes = "".join(f"<li style='{CHANGED_STYLE}'>{escape(line)}</li>" for line in r.lines())
        parts.append(f"<div><b>已补正，请重新审核</b>：{escape(r.resubmitted_at[:16].replace('T', ' '))} "
                     f"{escape(r.source)}{late}</div>"
                     f"<ul style='margin-top:2px; margin-left:-16px'>{changes}</ul>")
    return "".join(parts)


class CorrectionPanel(QGroupBox):
    notice_requested = Signal()
    evidence_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("补正", parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        self.issued = QLabel(self)
        self.issued.setWordWrap(True)
        row.addWidget(self.issued, 1)
        self.notice_button = QPushButton("生成补正告知书…", self)
        self.notice_button.setToolTip("A4 公文格式，由当前审核人数字签名；加盖单位印章后送达申报单位")
        self.notice_button.clicked.connect(self.notice_requested)
        row.addWidget(self.notice_button)
        self.evidence_button = QPushButton("补充附件…", self)
        self.evidence_button.setToolTip("申报单位补交的文件：加入本申报的附件，记为补正提交，申报退回重新审核")
        self.evidence_button.clicked.connect(self.evidence_requested)
        row.addWidget(self.evidence_button)
        layout.addLayout(row)
        self.show_state(CorrectionState(None, None))

    def show_state(self, state: CorrectionState) -> None:
        self.setVisible(state.shown)
        self.text.setText(state_html(state))
        self.notice_button.setVisible(state.pending is not None)
        self.evidence_button.setVisible(state.pending is not None)
        self.issued.clear()

    def show_issued(self, path: str) -> None:
        self.issued.setText(f"已生成：{path}")
