"""统计: totals by award item, county or industry, as a drawn bar chart and a table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from models.exports.statistics import GROUPINGS, GroupTotal, Totals, totals
from models.workspace.workspace import Workspace

from gui.money import wan_text
from gui import errors
from gui.charts import LOG_SPREAD, SERIES_COLOURS, BarChart, Series, spread
from gui.ops import Op, OpProgress, worker_workspace
from gui.qt import (
    QAbstractItemView, QAbstractTableModel, QCheckBox, QComboBox, QFont, QHBoxLayout, QHeaderView, QLabel, QModelIndex,
    QPersistentModelIndex, QScrollArea, QSplitter, Qt, QTableView, QVBoxLayout, QWidget, Signal,
)

AMOUNT_SERIES = (("申请金额", "requested_yuan"), ("核定上限", "cap_yuan"), ("核定金额", "approved_yuan"))
COUNT_SERIES = (("申报件数", "count"), ("已决定件数", "decided"), ("获批件数", "approved_count"))
CHARTS = {"amount": "金额（万元）", "count": "件数"}
_Index = QModelIndex | QPersistentModelIndex


class TotalsModel(QAbstractTableModel):
    """One row per group plus a 合计 row that stays last whatever the sort."""

    COLUMNS = ("分组", "申报件数", "已决定", "获批件数", "申请金额", "核定上限", "核定金额")
    _FIELDS = ("key", "count", "decided", "approved_count", "requested_yuan", "cap_yuan", "approved_yuan")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[GroupTotal] = []
        self._overall: GroupTotal | None = None
        self._label = "分组"

    def set_totals(self, label: str, rows: list[GroupTotal], overall: GroupTotal | None) -> None:
        self.beginResetModel()
        self._label, self._rows, self._overall = label, list(rows), overall
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)

    def group(self, row: int) -> GroupTotal:
        return self._all()[row]

    def _all(self) -> list[GroupTotal]:
        return self._rows + ([self._overall] if self._overall is not None else [])

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._all())

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return self._label if section == 0 else self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        group = self._all()[index.row()]
        value = getattr(group, self._FIELDS[index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            if group is self._overall and index.column() == 0:
                return "合计"
            return wan_text(value) if isinstance(value, Decimal) else str(value)
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, Decimal):
            return f"{value:,.2f} 元"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and group is self._overall:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._FIELDS):
            return
        self.layoutAboutToBeChanged.emit()
        field = self._FIELDS[column]
        self._rows.sort(key=lambda group: getattr(group, field),
                        reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


class StatisticsView(QWidget):
    """Call :meth:`refresh` with the open workspace whenever its applications or decisions change."""

    refreshed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._totals: Totals | None = None
        self._demo = False
        self._generation = 0

        self.grouping = QComboBox(self)
        for key, label in GROUPINGS.items():
            self.grouping.addItem(f"按{label}", key)
        self.chart_kind = QComboBox(self)
        for key, label in CHARTS.items():
            self.chart_kind.addItem(label, key)
        self.summary = QLabel("尚未加载统计数据", self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("分组：", self))
        bar.addWidget(self.grouping)
        bar.addSpacing(self.fontMetrics().horizontalAdvance("字") * 2)
        bar.addWidget(QLabel("图表：", self))
        bar.addWidget(self.chart_kind)
        self.log_scale = QCheckBox("对数刻度", self)
        self.log_scale.setToolTip("金额或件数相差百倍以上时自动选用，小的条形也看得清")
        bar.addWidget(self.log_scale)
        bar.addStretch(1)

        self.chart = BarChart()
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # labels elide instead
        self.scroll_area.setWidget(self.chart)

        self.model = TotalsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(round(self.fontMetrics().height() * 1.6))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSortIndicatorShown(True)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.scroll_area)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([600, 400])  # proportions: the chart gets the larger part

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

        self.grouping.currentIndexChanged.connect(self._show)
        self.chart_kind.currentIndexChanged.connect(self._show)
        self.log_scale.toggled.connect(self.chart.set_log_scale)
        self._show()

    def refresh(self, workspace: Workspace) -> None:
        """Recompute every total from the workspace, off the GUI thread; :attr:`refreshed` follows."""
        self._demo = workspace.is_demo
        self._generation += 1
        generation, folder = self._generation, workspace.folder
        self.summary.setText("正在统计…")

        def work(progress: OpProgress) -> Totals:
            with worker_workspace(folder) as ws:
                return totals(ws.db)

        Op(self, work).success(lambda data: self._arrived(generation, data)) \
            .failure(lambda error: self._failed(generation, error)).run()

    def _arrived(self, generation: int, data: Totals) -> None:
        try:
            if generation == self._generation:  # an older refresh finishing late is dropped
                self.set_totals(data)
                self.refreshed.emit()
        except RuntimeError:  # the view was closed meanwhile
            pass

    def _failed(self, generation: int, error: BaseException) -> None:
        errors.log_unexpected(error, "统计失败")
        try:
            if generation == self._generation:
                self.summary.setText(f"无法统计：{errors.error_text(error)}")
                self.refreshed.emit()
        except RuntimeError:
            pass

    def set_totals(self, data: Totals) -> None:
        self._totals = data
        self._show()

    def totals(self) -> Totals | None:
        return self._totals

    def _show(self) -> None:
        grouping = self.grouping.currentData() or "item"
        label = GROUPINGS[grouping]
        data = self._totals
        if data is None:
            self.model.set_totals(label, [], None)
            self.chart.set_data(f"按{label}统计", [], [])
            return
        groups = data.groups(grouping)
        self.model.set_totals(label, groups, data.overall)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        kind = self.chart_kind.currentData() or "amount"
        pairs = AMOUNT_SERIES if kind == "amount" else COUNT_SERIES
        series = [Series(name, [Decimal(getattr(group, field)) for group in groups], colour)
                  for (name, field), colour in zip(pairs, SERIES_COLOURS)]
        title = f"按{label}统计{'金额' if kind == 'amount' else '件数'}"
        self.chart.set_data(title, [group.key for group in groups], series,
                            wan_text if kind == "amount" else _count_text,
                            unit="万元" if kind == "amount" else "件", divisor=10000.0 if kind == "amount" else 1.0)
        self.log_scale.setChecked(spread([float(v) for s in series for v in s.values]) >= LOG_SPREAD)
        self.chart.set_log_scale(self.log_scale.isChecked())
        overall = data.overall
        demo = "【演示数据】" if self._demo else ""
        self.summary.setText(
            f"{demo}共 {overall.count} 件申报，已作最终决定 {overall.decided} 件（获批 {overall.approved_count} 件）；"
            f"申请金额 {wan_text(overall.requested_yuan)}，核定上限 {wan_text(overall.cap_yuan)}，"
            f"核定金额 {wan_text(overall.approved_yuan)}"
        )


def _count_text(value: Decimal) -> str:
    return f"{value} 件"
