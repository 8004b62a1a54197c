"""The import dialog's tables: the file preview and the list of problems, and saving that list."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from models.intake.columns import column_for_header
from models.intake.problems import ImportRejected, Problem, UnreadableFile
from models.intake.readers import RawTable
from models.exports.copy_out import neutralise, tsv_cell
from models.intake.values import cell_text

from gui.qt import QAbstractTableModel, QGuiApplication, QModelIndex, QObject, QPersistentModelIndex, QPalette, Qt

PREVIEW_ROWS = 20
_Index = QModelIndex | QPersistentModelIndex


class PreviewModel(QAbstractTableModel):
    """The file's own headers and first rows; unknown columns greyed (they are ignored)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table: RawTable | None = None
        self._rows: list[list[str]] = []

    def set_table(self, table: RawTable | None) -> None:
        self.beginResetModel()
        self._table = table
        self._rows = [[cell_text(cell) for cell in row] for row in table.rows(PREVIEW_ROWS)] if table else []
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or self._table is None else len(self._table.headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= self.columnCount():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        table = self._table
        if table is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
                return str(table.row_numbers[section])
            return None
        if not 0 <= section < len(table.headers):
            return None
        header = table.headers[section]
        column = column_for_header(header)
        if role == Qt.ItemDataRole.DisplayRole:
            return header
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{header}：{column.rule}" if column else f"{header}：不是模板中的列，导入时忽略"
        if role == Qt.ItemDataRole.ForegroundRole and column is None:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None


class ProblemModel(QAbstractTableModel):
    """Every problem of a rejected file: 行, 列, 问题."""

    HEADERS = ("行", "列", "问题")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = []

    def set_problems(self, problems: list[Problem]) -> None:
        self.beginResetModel()
        self._problems = list(problems)
        self.endResetModel()

    def problem(self, row: int) -> Problem:
        return self._problems[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._problems):
            return None
        problem = self._problems[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _cells(problem)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._problems):
            return str(section + 1)
        return None


def _cells(problem: Problem) -> tuple[str, str, str]:
    return (str(problem.row) if problem.row else "—", problem.column, problem.message)


def problems_of(rejected: ImportRejected) -> list[Problem]:
    """The rows to list; an unreadable file becomes one row giving the reason."""
    if isinstance(rejected, UnreadableFile):
        return [Problem(0, "（整个文件）", rejected.reason)]
    return rejected.problems


def problems_tsv(problems: list[Problem]) -> str:
    """Tab-separated with a header line: pastes into Excel/WPS as a table."""
    lines = ["\t".join(ProblemModel.HEADERS)]
    lines += ["\t".join(map(tsv_cell, _cells(problem))) for problem in problems]
    return "\n".join(lines) + "\n"


def save_problems(path: Path, rejected: ImportRejected) -> None:
    """.csv (UTF-8 with BOM for Excel, formula-like text neutralised) or, otherwise, the plain lines."""
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(ProblemModel.HEADERS)
            writer.writerows([neutralise(text) for text in _cells(problem)] for problem in problems_of(rejected))
    else:
        path.write_text("\n".join(rejected.lines()) + "\n", encoding="utf-8")
