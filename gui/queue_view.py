"""The 待审队列 page: filters, the search box and the table."""

from __future__ import annotations

from policy.assessment import STATUS_LABELS

from models.review.queue import STAGES
from models.review.queue_index import QueueIndex, QueueQuery

from gui.qt import (
    QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QKeyEvent, QLabel, QLineEdit, QModelIndex, Qt,
    QTableView, QVBoxLayout, QWidget, Signal,
)
from gui.queue_model import COLUMNS, QueueModel
from gui.settings_store import app_settings

SEARCH_HINT = "搜索申报编号、企业名称或统一社会信用代码（Ctrl+F 或 /）"
# Each column is as wide as a typical value; longer ones are elided, with the full text as tooltip.
COLUMN_SAMPLES = {"application_id": "LC2023-00000", "enterprise": "聊城华信旭升医疗器械有限公司",
                  "uscc": "91371526809836697BX", "county": "经济技术开发区", "industry": "纺织服装",
                  "item": "国家级中小企业公共服务", "status": "需人工审核", "stage": "待复核·回避",
                  "requested": "1000.00万元", "cap": "1000.00万元", "approved": "1000.00万元",
                  "first_reviewer": "审核员甲", "second_reviewer": "审核员甲", "lead_reviewer": "审核员甲"}
MINE_ONLY_KEY = "queue/mine_only"
MINE_ONLY = "只看待我办理"


class QueueTable(QTableView):
    """Enter opens the selected application, as a double click does."""

    open_requested = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            current = self.currentIndex()
            if current.isValid():
                self.open_requested.emit(self.model().data(current, Qt.ItemDataRole.UserRole))
                return
        super().keyPressEvent(event)


class QueueView(QWidget):
    open_requested = Signal(str)
    query_changed = Signal()

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        self.industry = self._combo("全部产业")
        self.county = self._combo("全部县区")
        self.item = self._combo("全部申报事项", chars=14)
        self.status = self._combo("全部评估结论")
        self.stage = self._combo("全部审核阶段")
        for combo in (self.industry, self.county, self.item, self.status, self.stage):
            filters.addWidget(combo)
        self.mine_only = QCheckBox(MINE_ONLY, self)
        self.mine_only.setToolTip("只列出当前审核人下一步可以办理的申报（其审核阶段、未回避）；取消勾选可查看全部")
        self.mine_only.setChecked(app_settings().value(MINE_ONLY_KEY, "true") in (True, "true"))
        self.mine_only.setEnabled(False)
        self._acting_as: tuple[str, str] | None = None
        filters.addWidget(self.mine_only)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("搜索")
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)

        self.table = QueueTable(self)
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        self.table.setSortingEnabled(True)
        self._size_columns()
        layout.addWidget(self.table, 1)

        self.count_label = QLabel(self)
        layout.addWidget(self.count_label)

        self.table.doubleClicked.connect(self._open_index)
        self.table.open_requested.connect(self.open_requested)
        self.search.textChanged.connect(self._apply_query)
        self.search.returnPressed.connect(self.open_first_hit)
        for combo in (self.industry, self.county, self.item, self.status, self.stage):
            combo.currentIndexChanged.connect(self._apply_query)
        self.mine_only.toggled.connect(self._mine_only_toggled)
        model.modelReset.connect(self._update_count)
        self._update_count()

    def _combo(self, everything: str, chars: int = 8) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(everything, "")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(chars)
        combo.setAccessibleName(everything)
        return combo

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        for number, column in enumerate(COLUMNS):
            sample = max(COLUMN_SAMPLES.get(column.key, column.header), column.header, key=metrics.horizontalAdvance)
            self.table.setColumnWidth(number, metrics.horizontalAdvance(sample) + 14)

    def populate_filters(self, index: QueueIndex, item_names: dict[str, str]) -> None:
        """Fill the filter lists from what the workspace holds, keeping the current choices."""
        self._fill(self.industry, [(v, v) for v in index.distinct("industries")])
        self._fill(self.county, [(v, v) for v in index.distinct("counties")])
        items = sorted(index.distinct("item_ids"), key=lambda i: item_names.get(i, i))
        self._fill(self.item, [(item_names.get(i, i), i) for i in items])
        self._fill(self.status, [(label, code) for code, label in STATUS_LABELS.items()])
        self._fill(self.stage, [(stage, stage) for stage in STAGES])

    @staticmethod
    def _fill(combo: QComboBox, entries: list[tuple[str, str]]) -> None:
        chosen = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for text, value in entries:
            combo.addItem(text, value)
        found = combo.findData(chosen)
        combo.setCurrentIndex(max(found, 0))
        combo.blockSignals(False)

    def current_query(self) -> QueueQuery:
        return QueueQuery(
            text=self.search.text(), industry=self.industry.currentData() or "",
            county=self.county.currentData() or "", item_id=self.item.currentData() or "",
            status=self.status.currentData() or "", stage=self.stage.currentData() or "",
            acting_as=self._acting_as if self.mine_only.isChecked() else None,
        )

    def set_acting_as(self, reviewer: str | None, role: str | None) -> None:
        """The reviewer chosen in the toolbar: with 只看待我办理 the queue lists what they may act on next."""
        self._acting_as = (reviewer, role) if reviewer and role else None
        self.mine_only.setEnabled(self._acting_as is not None)
        self._apply_query()
        if self.model.rowCount() and self.selected_application() is None:  # Enter opens their first to-do
            self.select_application(self.model.application_id(0))

    def _mine_only_toggled(self, checked: bool) -> None:
        app_settings().setValue(MINE_ONLY_KEY, "true" if checked else "false")
        self._apply_query()

    def _apply_query(self) -> None:
        self.model.set_query(self.current_query())
        self.query_changed.emit()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), len(self.model.index_data)
        text = f"共 {total} 件申报" if shown == total else f"显示 {shown} 件（共 {total} 件）"
        hint = getattr(self, "empty_hint", "")  # what to do next, from models.signing.staff.next_step
        self.count_label.setText(hint if hint and not total else text + "　·　Enter 或双击打开审核")

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.application_id(index.row()))

    def open_first_hit(self) -> None:
        """Enter in the search box opens the first application found."""
        if self.model.rowCount():
            first = self.model.application_id(0)
            self.select_application(first)
            self.open_requested.emit(first)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def select_application(self, application_id: str) -> None:
        row = self.model.row_of(application_id)
        if row is None:
            return
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def selected_application(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.application_id(index.row()) if index.isValid() else None
