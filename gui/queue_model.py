"""The queue as a table model: positions into a :class:`QueueIndex` plus a row cache filled a page at a time.

As in Anki's browser table, the model never holds every row: it knows the
visible positions, and asks its source for the rows of a page when the view
first paints one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from policy.assessment import STATUS_LABELS
from models.workspace.database import Database

from models.review.queue import OVERDUE, QueueRow, queue_rows
from models.review.queue_index import QueueFilter, QueueIndex, QueueQuery, is_recused, refresh_rows, sort_order

from gui.money import wan_text
from gui.qt import QAbstractTableModel, QColor, QModelIndex, QObject, QPersistentModelIndex, Qt

PAGE_SIZE = 200
CACHE_LIMIT = 20_000
BLANK = "—"
ModelIndex = QModelIndex | QPersistentModelIndex


def _money(value: Decimal | None) -> str:
    return BLANK if value is None else wan_text(value)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    text: Callable[[QueueRow], str]
    money: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("application_id", "申报编号", lambda r: r.application_id),
    Column("enterprise", "企业名称", lambda r: r.enterprise),
    Column("uscc", "统一社会信用代码", lambda r: r.uscc),
    Column("county", "所属县区", lambda r: r.county),
    Column("industry", "产业", lambda r: r.industry),
    Column("item", "申报事项", lambda r: r.item_name),
    Column("status", "评估结论", lambda r: STATUS_LABELS.get(r.status, r.status or BLANK)),
    Column("stage", "审核阶段", lambda r: r.stage),
    Column("requested", "申请金额", lambda r: _money(r.requested_yuan), money=True),
    Column("cap", "核定上限", lambda r: _money(r.cap_yuan), money=True),
    Column("approved", "核定金额", lambda r: _money(r.approved_yuan), money=True),
    Column("first_reviewer", "初审人", lambda r: r.first_reviewer or BLANK),
    Column("second_reviewer", "复核人", lambda r: r.second_reviewer or BLANK),
    Column("lead_reviewer", "负责人", lambda r: r.lead_reviewer or BLANK),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
STATUS_COLUMN = COLUMN_KEYS.index("status")
STAGE_COLUMN = COLUMN_KEYS.index("stage")
RECUSED_MARK = "·回避"
DRAFT_MARK = "·草稿"
RECUSED_COLOUR = QColor("#8a8a8a")
OVERDUE_COLOUR = QColor("#b3261e")  # 待补正·逾期: the deadline passed with nothing resubmitted
DISPLAY, TOOLTIP = int(Qt.ItemDataRole.DisplayRole.value), int(Qt.ItemDataRole.ToolTipRole.value)
ALIGNMENT, FOREGROUND = int(Qt.ItemDataRole.TextAlignmentRole.value), int(Qt.ItemDataRole.ForegroundRole.value)
USER = int(Qt.ItemDataRole.UserRole.value)
_ROLES_ANSWERED = frozenset({DISPLAY, TOOLTIP, ALIGNMENT, FOREGROUND, USER})
RIGHT_ALIGNED = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
STATUS_COLOURS = {"ineligible": QColor("#b3261e"), "needs_review": QColor("#9a6700"), "referral": QColor("#5b5b9a")}


class QueueSource(Protocol):
    """Where the model gets rows and orders; the workspace, or a synthetic one in benchmarks."""

    def fetch_rows(self, ids: list[str]) -> list[QueueRow]: ...

    def sort_order(self, index: QueueIndex, column: str, descending: bool) -> list[int]: ...

    def refresh(self, index: QueueIndex, ids: list[str]) -> None: ...


class WorkspaceQueueSource:
    def __init__(self, db: Database, item_names: dict[str, str]) -> None:
        self.db = db
        self.item_names = item_names

    def fetch_rows(self, ids: list[str]) -> list[QueueRow]:
        return queue_rows(self.db, self.item_names, ids)

    def sort_order(self, index: QueueIndex, column: str, descending: bool) -> list[int]:
        return sort_order(index, column, descending, db=self.db, item_names=self.item_names)

    def refresh(self, index: QueueIndex, ids: list[str]) -> None:
        refresh_rows(self.db, index, ids)


class QueueModel(QAbstractTableModel):
    def __init__(self, source: QueueSource, index: QueueIndex | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.index_data = index or QueueIndex()
        self.query = QueueQuery()
        self._filter = QueueFilter(self.index_data)
        self._visible: list[int] = self._filter.matching(self.query)
        self._row_of: dict[str, int] | None = None
        self._cache: dict[str, tuple[str, ...]] = {}
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None
        self.reviewer: str | None = None
        self.drafted: frozenset[str] = frozenset()  # the reviewer's unsaved decisions

    # --- what the rest of the GUI uses ------------------------------------------------

    def set_index(self, index: QueueIndex) -> None:
        """Show a freshly loaded index, keeping the query and sort order."""
        self.beginResetModel()
        self.index_data = index
        self._cache.clear()
        order = self._order_for(self._sorted_by)
        self._filter = QueueFilter(index, order)
        self._visible = self._filter.matching(self.query)
        self._row_of = None
        self.endResetModel()

    def set_query(self, query: QueueQuery) -> None:
        if query == self.query:
            return
        self.beginResetModel()
        self.query = query
        self._visible = self._filter.matching(query)
        self._row_of = None
        self.endResetModel()

    def application_id(self, row: int) -> str:
        return self.index_data.ids[self._visible[row]]

    def row_of(self, application_id: str) -> int | None:
        if self._row_of is None:
            ids = self.index_data.ids
            self._row_of = {ids[p]: row for row, p in enumerate(self._visible)}
        return self._row_of.get(application_id)

    def visible_ids(self) -> list[str]:
        ids = self.index_data.ids
        return [ids[p] for p in self._visible]

    def set_reviewer(self, reviewer: str | None) -> None:
        """Mark the applications ``reviewer`` is recused from."""
        self.reviewer = reviewer
        if self._visible:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._visible) - 1, len(COLUMNS) - 1))

    def set_drafted(self, application_ids: set[str]) -> None:
        """Mark the applications with an unsaved decision (草稿) of the current reviewer."""
        changed = self.drafted.symmetric_difference(application_ids)
        self.drafted = frozenset(application_ids)
        for application_id in changed:
            row = self.row_of(application_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, STAGE_COLUMN), self.index(row, STAGE_COLUMN))

    def recused(self, row: int) -> bool:
        return is_recused(self.index_data, self._visible[row], self.reviewer)

    def refresh_applications(self, ids: list[str]) -> None:
        """Re-read ``ids`` after a decision; rows stay where they are until the next search or filter."""
        self.source.refresh(self.index_data, ids)
        self._filter.invalidate()
        for application_id in ids:
            self._cache.pop(application_id, None)
            row = self.row_of(application_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # --- QAbstractTableModel ----------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].header
            if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[section].money:
                return RIGHT_ALIGNED
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: ModelIndex, role: int = DISPLAY) -> Any:
        # Called for every role of every painted cell: answer the common "nothing" fast.
        if role not in _ROLES_ANSWERED or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if row >= len(self._visible):
            return None
        if role in (DISPLAY, TOOLTIP):
            text = self._row_texts(row)[column]
            if column == STAGE_COLUMN and self.reviewer:
                if self.recused(row):
                    return text + RECUSED_MARK
                if self.application_id(row) in self.drafted:
                    return text + DRAFT_MARK
            return text
        if role == ALIGNMENT:
            return RIGHT_ALIGNED if COLUMNS[column].money else None
        if role == FOREGROUND:
            if self.reviewer and self.recused(row):
                return RECUSED_COLOUR
            if column == STAGE_COLUMN and self.index_data.stages[self._visible[row]] == OVERDUE:
                return OVERDUE_COLOUR
            return STATUS_COLOURS.get(self.index_data.statuses[self._visible[row]]) if column == STATUS_COLUMN else None
        return self.application_id(row)  # USER

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or self._sorted_by == (column, order):
            return
        self.beginResetModel()
        self._sorted_by = (column, order)
        self._filter.set_order(self._order_for(self._sorted_by))
        self._visible = self._filter.matching(self.query)
        self._row_of = None
        self.endResetModel()

    # --- internals ----------------------------------------------------------------------

    def _order_for(self, sorted_by: tuple[int, Qt.SortOrder] | None) -> list[int] | range:
        if sorted_by is None:
            return range(len(self.index_data))
        column, order = sorted_by
        return self.source.sort_order(self.index_data, COLUMNS[column].key, order == Qt.SortOrder.DescendingOrder)

    def _row_texts(self, row: int) -> tuple[str, ...]:
        application_id = self.application_id(row)
        texts = self._cache.get(application_id)
        if texts is None:
            self._fetch_page(row)
            texts = self._cache.get(application_id) or tuple(BLANK for _ in COLUMNS)
        return texts

    def _fetch_page(self, row: int) -> None:
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        start = row - row % PAGE_SIZE
        ids = self.index_data.ids
        wanted = [ids[p] for p in self._visible[start:start + PAGE_SIZE] if ids[p] not in self._cache]
        for queue_row in self.source.fetch_rows(wanted):
            self._cache[queue_row.application_id] = tuple(column.text(queue_row) for column in COLUMNS)
