"""The clause an award item rests on, verbatim, with the sentence that sets its number highlighted."""

from __future__ import annotations

from html import escape

from policy.catalog import AwardItem, Policy

from gui.qt import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget, Signal

HIGHLIGHT = "#ffe38a"


def clause_html(item: AwardItem) -> str:
    """The clause text as HTML, the number-setting sentence marked."""
    text = item.clause.text
    at = text.find(item.sentence) if item.sentence else -1
    if at < 0:
        body = escape(text)
    else:
        end = at + len(item.sentence)
        body = (escape(text[:at]) + f'<span style="background-color:{HIGHLIGHT};">'
                + escape(text[at:end]) + "</span>" + escape(text[end:]))
    return body.replace("\n", "<br>")


class ClausePane(QWidget):
    open_source = Signal(str)  # clause id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clause_id = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        self.where = QLabel(self)
        self.where.setWordWrap(True)
        self.where.setObjectName("clauseWhere")
        layout.addWidget(self.where)
        self.text = QTextBrowser(self)
        self.text.setOpenLinks(False)
        self.text.setAccessibleName("条款原文")
        layout.addWidget(self.text, 1)
        self.units = QLabel(self)
        self.units.setWordWrap(True)
        layout.addWidget(self.units)
        row = QHBoxLayout()
        self.source_button = QPushButton("在政策原文中查看", self)
        self.source_button.setToolTip("打开聊政办发〔2023〕10号全文，定位到本条款")
        self.source_button.clicked.connect(lambda: self.open_source.emit(self._clause_id))
        row.addWidget(self.source_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.show_item(None)

    def show_item(self, item: AwardItem | None, policy: Policy | None = None) -> None:
        """Show ``item``'s clause as ``policy`` (the version it was assessed under) words it."""
        self.source_button.setEnabled(item is not None)
        if item is None:
            self._clause_id = ""
            self.where.setText("")
            self.text.setHtml("")
            self.units.setText("")
            return
        self._clause_id = item.clause.id
        titles = policy.measure_titles if policy is not None else {}
        title = titles.get(item.clause.measure, item.clause.measure)
        self.where.setText(f"<b>{escape(item.clause.ref)}</b>　{escape(item.clause.heading)}"
                           f"<br><span style='color:#666'>{escape(title)}</span>")
        conditions = "".join(f"<li>{escape(c)}</li>" for c in item.conditions)
        self.text.setHtml(
            f"<p style='line-height:150%'>{clause_html(item)}</p>"
            f"<p style='color:#555'><b>申报事项：</b>{escape(item.name)}"
            + (f"（{escape(item.level)}）" if item.level else "") + "</p>"
            + (f"<p style='color:#555; margin-bottom:0'><b>适用条件：</b></p><ul style='color:#555'>{conditions}</ul>"
               if conditions else "")
        )
        units = "、".join(item.clause.units) or "（原文未列明）"
        self.units.setText(f"<b>责任单位：</b>{escape(units)}")
