"""The evidence pane: hidden behind the conflict-of-interest declaration, then files with their integrity."""

from __future__ import annotations

from enum import Enum
from html import escape

from gui.case_loader import EvidenceContent, LoadedCase
from gui.evidence_viewers import ImageViewer, PdfViewer
from gui.qt import (
    QAbstractItemView, QColor, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
    QStackedWidget, Qt, QVBoxLayout, QWidget, Signal,
)

OK_COLOUR, BAD_COLOUR = QColor("#1b7f3b"), QColor("#b3261e")


class Gate(Enum):
    NO_REVIEWER = "no_reviewer"
    LOADING = "loading"
    UNDECLARED = "undeclared"
    CONFLICT = "conflict"
    OPEN = "open"


class ConflictGate(QWidget):
    """What stands before the evidence: choose a reviewer, declare, or a declared conflict."""

    declare_none = Signal()
    declare_conflict = Signal()
    withdraw_conflict = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.none_button = QPushButton("无利益冲突 (Ctrl+D)", self)
        self.none_button.setDefault(True)
        self.conflict_button = QPushButton("存在利益冲突…", self)
        self.withdraw_button = QPushButton("声明有误，撤回…", self)
        buttons.addWidget(self.none_button)
        buttons.addWidget(self.conflict_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        withdraw_row = QHBoxLayout()
        withdraw_row.addStretch(1)
        withdraw_row.addWidget(self.withdraw_button)
        withdraw_row.addStretch(1)
        layout.addLayout(withdraw_row)
        layout.addStretch(2)
        self.none_button.clicked.connect(self.declare_none)
        self.conflict_button.clicked.connect(self.declare_conflict)
        self.withdraw_button.clicked.connect(self.withdraw_conflict)

    def set_state(self, gate: Gate, reviewer: str = "", reason: str = "") -> None:
        asking = gate is Gate.UNDECLARED
        self.none_button.setVisible(asking)
        self.conflict_button.setVisible(asking)
        self.withdraw_button.setVisible(gate is Gate.CONFLICT)
        who = escape(reviewer)
        self.message.setText({
            Gate.NO_REVIEWER: "<p style='font-size:large'><b>请先选择当前审核人</b></p>"
                              "<p>在工具栏“当前审核人”中选择本人，附件才会显示。</p>",
            Gate.LOADING: "<p>正在加载附件…</p>",
            Gate.UNDECLARED: f"<p style='font-size:large'><b>查看附件前，请先声明利益冲突</b></p>"
                             f"<p>{who}：本人与申报企业及其负责人是否存在亲属、投资、任职等利害关系？"
                             "<br>如存在，须回避本件审核。</p>",
            Gate.CONFLICT: f"<p style='font-size:large; color:#b3261e'><b>{who} 已声明存在利益冲突</b></p>"
                           f"<p>原因：{escape(reason) or '（未写明）'}</p><p>按规定回避：附件不予显示，不能作出决定。</p>",
            Gate.OPEN: "",
        }[gate])


class EvidencePane(QWidget):
    declare_none = Signal()
    declare_conflict = Signal()
    withdraw_conflict = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._contents: tuple[EvidenceContent, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack)

        self.gate = ConflictGate(self.stack)
        self.gate.declare_none.connect(self.declare_none)
        self.gate.declare_conflict.connect(self.declare_conflict)
        self.gate.withdraw_conflict.connect(self.withdraw_conflict)
        self.stack.addWidget(self.gate)

        content = QWidget(self.stack)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.files = QListWidget(content)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.files.setAccessibleName("附件列表")
        self.viewers = QStackedWidget(content)
        self.pdf = PdfViewer(self.viewers)
        self.image = ImageViewer(self.viewers)
        self.notice = QLabel(self.viewers)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        for widget in (self.notice, self.pdf, self.image):
            self.viewers.addWidget(widget)
        column.addWidget(self.files)
        column.addWidget(self.viewers, 1)
        self.content = content
        self.stack.addWidget(content)
        self.files.currentRowChanged.connect(self._show_file)
        self.set_gate(Gate.NO_REVIEWER)

    @property
    def evidence_visible(self) -> bool:
        return self.stack.currentWidget() is self.content

    def set_gate(self, gate: Gate, reviewer: str = "", reason: str = "") -> None:
        if gate is Gate.OPEN:
            self.stack.setCurrentWidget(self.content)
            return
        self.gate.set_state(gate, reviewer, reason)
        self.stack.setCurrentWidget(self.gate)

    def show_case(self, loaded: LoadedCase | None) -> None:
        """List the files (whether or not the gate lets them be seen yet) and open the first."""
        self._contents = loaded.evidence if loaded else ()
        self.files.blockSignals(True)
        self.files.clear()
        for content in self._contents:
            ok = content.integrity.ok
            item = QListWidgetItem(f"{'✓' if ok else '✗'}  {content.file.name}"
                                   + ("" if ok else f"　{content.integrity.message}"))
            item.setForeground(OK_COLOUR if ok else BAD_COLOUR)
            item.setToolTip(f"{content.integrity.message}\nSHA-256：{content.file.sha256}\n"
                            f"大小：{content.file.size:,} 字节")
            self.files.addItem(item)
        self.files.blockSignals(False)
        rows = max(1, min(len(self._contents), 4))
        self.files.setFixedHeight(rows * self.files.sizeHintForRow(0) + 2 * self.files.frameWidth() + 4
                                  if self._contents else self.files.fontMetrics().height() + 12)
        if self._contents:
            self.files.setCurrentRow(0)
            self._show_file(0)
        else:
            self._notice("本件没有附件")

    def open_file(self, position: int) -> None:
        if 0 <= position < len(self._contents):
            self.files.setCurrentRow(position)

    def _show_file(self, position: int) -> None:
        if not 0 <= position < len(self._contents):
            return
        content = self._contents[position]
        if not content.integrity.ok:
            self._notice(f"✗ {content.file.name}\n{content.integrity.message}\n\n为防止误用，不显示此文件。")
        elif content.file.kind == "pdf" and content.data is not None:
            self.pdf.show_pdf(content.data)
            self.viewers.setCurrentWidget(self.pdf)
        elif content.file.kind == "image" and content.image is not None and not content.image.isNull():
            self.image.show_image(content.image)
            self.viewers.setCurrentWidget(self.image)
        else:
            self._notice(f"{content.file.name}\n此类文件不能在此预览（完整性校验通过）。")

    def _notice(self, text: str) -> None:
        self.notice.setText(text)
        self.viewers.setCurrentWidget(self.notice)
