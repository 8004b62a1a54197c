"""From an intake file to validated ``Application``s, all or nothing.

Each column is parsed in bulk (see ``models.intake.values``), problems are gathered
for the whole file, and only a file without any problem yields applications.
"""

from __future__ import annotations

import difflib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import repeat
from pathlib import Path

from policy.application import Application
from policy.catalog import Policy, load_policy
from policy.versions import current_version

from models.intake.columns import COLUMNS, Column, Kind, column_for_header, normalise_header, other_name_of
from models.intake.problems import ImportRejected, Problem
from models.intake.hygiene import character_problems, length_problems
from models.limits import MAX_CELL_CHARS, MAX_NAME_CHARS
from models.intake.readers import RawTable, blank_row_indexes, column_letters, read_raw_rows, read_table
from models.intake.values import (
    FUTURE_DATE_WARNING,
    Cell,
    ParsedColumn,
    cell_text,
    item_parser,
    parse_amount,
    parse_amounts,
    parse_attachments,
    parse_cached_column,
    parse_grade,
    parse_id_column,
    parse_industry,
    parse_many_attachments,
    parse_performance,
    parse_quantity,
    parse_recognition_date,
    parse_text_column,
    parse_uscc_column,
    parse_year,
)

__all__ = ["read_applications", "applications_from_table", "read_raw_rows", "TableRows", "sorted_problems"]

FORMULA_MESSAGE = "单元格含公式，请粘贴为数值后再导入"
REQUIRED_MESSAGE = "必填，不能为空"
_COLUMN_ORDER = {column.header: position for position, column in enumerate(COLUMNS)}


def read_applications(path: str | Path, policy: Policy | None = None) -> list[Application]:
    """Every application of a CSV, XLSX or JSON intake file, in file order.

    Raises ``ImportRejected`` listing every problem when any row is invalid
    (``UnreadableFile`` when the file cannot be read at all).
    """
    policy = policy if policy is not None else load_policy(current_version().id)
    with collector_paused():
        table = read_table(path)
        return applications_from_table(table, policy, Path(path).name)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Creating 100 000s of tuples and objects that all stay alive makes the cyclic
    collector rescan them again and again; nothing here creates cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def applications_from_table(table: RawTable, policy: Policy, file_name: str) -> list[Application]:
    """Validate a raw table; raises ``ImportRejected`` with every problem found."""
    rows = TableRows(table, policy)
    problems, apps = rows.validate(0, rows.count)
    problems = rows.problems + problems
    if problems:
        raise ImportRejected(file_name, sorted_problems(problems))
    return apps


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """In file order, and within a row in the template's column order (unknown columns last)."""
    return sorted(problems, key=lambda p: (p.row, _COLUMN_ORDER.get(p.column, len(_COLUMN_ORDER))))


class TableRows:
    """A raw table's applications, validated a slice of rows at a time (in order, each row once).

    ``problems`` holds what concerns the whole file (reading, the header); :meth:`validate` the problems of
    its rows. A 申报编号 repeated anywhere in the file is found in whichever slice repeats it. The same
    messages come out whether the rows are validated in one slice or in many.
    """

    def __init__(self, table: RawTable, policy: Policy) -> None:
        self.problems = list(table.problems)
        self._positions = _match_headers(table.headers, self.problems, table.header_row)
        # A 合计 row at the bottom is not an application.
        table = self.candidates(table)
        self._table = table.without_rows(_total_rows(table, self._positions))
        self._start = 0  # the index of self._table's first row among the file's applications
        self.count = len(self._table.row_numbers)
        self._parsers = _cell_parsers(policy)
        self._policy = policy
        self._first_row: dict[object, int] = {}
        self._formula_rows = {position: {row for row, column in table.formula_cells if column == position}
                              for position in {column for _, column in table.formula_cells}}

    def candidates(self, rows: RawTable) -> RawTable:
        """``rows`` less those with nothing in the known columns (say only a pre-filled 序号): not applications."""
        return rows.without_rows(blank_row_indexes(_known_columns_first_id(rows, self._positions)))

    def trailing_totals(self, rows: RawTable) -> int:
        """How many of the last of ``rows`` (:meth:`candidates`) are 合计 rows or footer lines: not applications
        when nothing but such rows follows them to the end of the file."""
        return len(_total_rows(rows, self._positions))

    def hold(self, applications: RawTable, start: int) -> None:
        """Validate ``applications`` next, the file's applications from index ``start`` on (a file read a piece at
        a time: its :meth:`candidates`, without the 合计 rows and footer lines at its bottom)."""
        self._table = applications
        self._start = start
        self.count = start + len(applications.row_numbers)

    def validate(self, start: int, stop: int) -> tuple[list[Problem], list[Application]]:
        """The problems of rows ``start:stop`` (indexes of applications), and their applications when the
        rows have none."""
        start, stop = start - self._start, stop - self._start
        table = self._table
        positions = self._positions
        row_of = table.row_numbers[start:stop]
        count = len(row_of)
        problems: list[Problem] = []
        known = set(positions.values())
        for unknown, header in enumerate(table.headers):
            if unknown not in known:
                problems += [Problem(row_of[i], header or column_letters(unknown) + "列", message)
                             for i, message in length_problems(table.columns[unknown][start:stop])]

        values: dict[str, Iterable[object]] = {}
        warnings: dict[int, list[str]] = {}
        for column in COLUMNS:
            position = positions.get(column.field)
            if position is None:
                values[column.field] = repeat(_blank_value(column), count)
                continue
            cells = table.columns[position][start:stop]
            refused = _refused_cells(column, cells)
            parsed = _parse_column(column, cells, self._parsers)
            cell_problems = [(i, m) for i, m in parsed.problems if i not in refused] + list(refused.items())
            if column.kind is Kind.DATE:
                _warn_future_dates(parsed.values, warnings)
            if column.required and parsed.has_blank:
                cell_problems += [(i, REQUIRED_MESSAGE) for i, v in enumerate(parsed.values) if v is None]
            if column.kind is Kind.ID:
                cell_problems += _duplicate_ids(parsed.values, row_of, self._first_row)
            formula_rows = self._formula_rows.get(position)
            if formula_rows:
                formula_indexes = {index for index, row in enumerate(row_of) if row in formula_rows}
                cell_problems = [(i, m) for i, m in cell_problems if i not in formula_indexes]
                cell_problems += [(i, FORMULA_MESSAGE) for i in sorted(formula_indexes)]
            problems += [Problem(row_of[i], column.header, message) for i, message in cell_problems]
            for index, warning in parsed.warnings.items():
                warnings.setdefault(index, []).append(warning)
            column_values = parsed.values
            if column.field == "county" and parsed.has_blank:
                column_values = ["" if v is None else v for v in column_values]
            values[column.field] = column_values
        if problems:
            return problems, []

        item_texts: dict[int, str] = {}
        item_position = positions.get("item_id")
        if item_position is not None:  # the engine flags a 申报事项 typed as a broader alias
            broader: dict[str, bool] = {}
            for index, cell in enumerate(table.columns[item_position][start:stop]):
                if not isinstance(cell, str):
                    continue
                if cell not in broader:
                    broader[cell] = self._policy.is_broader_alias(cell)
                if broader[cell]:
                    item_texts[index] = cell.strip()
        return [], build_applications(values, row_of, warnings, item_texts)


_STRICT_KINDS = frozenset({Kind.ID, Kind.USCC, Kind.INDUSTRY, Kind.ITEM})


def _refused_cells(column: Column, cells: list[Cell]) -> dict[int, str]:
    """Cells refused before parsing: too long, or holding control or invisible characters."""
    strict = column.kind in _STRICT_KINDS or column.field == "enterprise"
    limit = MAX_NAME_CHARS if column.field == "enterprise" else MAX_CELL_CHARS
    refused = dict(character_problems(cells, strict))
    refused.update(length_problems(cells, limit))
    return refused


def _warn_future_dates(values: list[object], warnings: dict[int, list[str]]) -> None:
    today = date.today()
    for index, value in enumerate(values):
        if isinstance(value, date) and value > today:
            warnings.setdefault(index, []).append(FUTURE_DATE_WARNING.format(day=value.isoformat()))


_TOTAL_WORDS = frozenset({"合计", "总计", "小计", "共计"})
# A form's footer lines below the table: 填表人：…, 联系电话：…, 注：… (cells as normalise_header folds them).
_FOOTER_PREFIXES = ("填表人", "填报人", "制表人", "审核人", "复核人", "联系人", "联系电话", "负责人",
                    "填表日期", "填报日期", "制表日期", "注:", "备注:")


def _total_rows(table: RawTable, positions: dict[str, int]) -> set[int]:
    """The 合计 rows and the form's footer lines at the bottom, none with a 统一社会信用代码.

    A 合计 row has a word such as 合计 in some cell (its other cells are sums); a footer line has only
    cells that start like 填表人：. A row with a 统一社会信用代码 is an application, and ends the search.
    """
    uscc = positions.get("uscc")
    totals: set[int] = set()
    for index in range(len(table.row_numbers) - 1, -1, -1):
        if uscc is not None and cell_text(table.columns[uscc][index]):
            break
        words = [word for column in table.columns if (word := normalise_header(cell_text(column[index])))]
        if not set(words) & _TOTAL_WORDS and not all(word.startswith(_FOOTER_PREFIXES) for word in words):
            break
        totals.add(index)
    return totals


def _match_headers(headers: Sequence[str], problems: list[Problem], header_row: int = 1) -> dict[str, int]:
    """Column field → position in the file; extra columns such as 序号 or 备注 are ignored.

    A header close to a known column that is missing (总投资额(元), 企业名) is a problem: its data
    would otherwise be ignored without a word.
    """
    positions: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for position, header in enumerate(headers):
        column = column_for_header(header)
        if column is None:
            if normalise_header(header):
                unknown[normalise_header(header)] = position
            continue
        if column.field in positions:
            first = column_letters(positions[column.field])
            problems.append(Problem(header_row, column.header,
                                    f"该列在表头中出现了不止一次（{first}列和{column_letters(position)}列）"))
            continue
        positions[column.field] = position
    for column in COLUMNS:
        if column.field in positions:
            continue
        close = difflib.get_close_matches(normalise_header(column.header), list(unknown), n=1, cutoff=0.6)
        close = close or [header for header in unknown if other_name_of(header, column)][:1]
        if close:
            position = unknown.pop(close[0])
            problems.append(Problem(header_row, column.header, _unrecognised(headers[position], position, column)))
        elif column.required:
            problems.append(Problem(header_row, column.header, "缺少必填列"))
    return positions


def _unrecognised(header: str, position: int, column: Column) -> str:
    where = f"{column_letters(position)}列的表头“{header}”"
    if "万元" in column.header and "元" in header and "万元" not in normalise_header(header):
        return f"{where}未能识别：金额须以万元计，表头应为“{column.header}”"
    return f"{where}未能识别，是否应为“{column.header}”？请改为模板中的列名"


def _known_columns_first_id(table: RawTable, positions: dict[str, int]) -> list[list[Cell]]:
    """The known columns, 申报编号 first: it is rarely blank, so few rows need a closer look."""
    ordered = sorted(positions.values(), key=lambda p: p != positions.get("application_id"))
    return [table.columns[position] for position in ordered]


def _blank_value(column: Column) -> object:
    if column.field == "county":
        return ""
    if column.kind is Kind.ATTACHMENTS:
        return ()
    return None


def _cell_parsers(policy: Policy) -> dict[Kind, Callable[[Cell], object]]:
    return {
        Kind.INDUSTRY: parse_industry,
        Kind.ITEM: item_parser(policy),
        Kind.DATE: parse_recognition_date,
        Kind.YEAR: parse_year,
        Kind.QUANTITY: parse_quantity,
        Kind.GRADE: parse_grade,
        Kind.PERFORMANCE: parse_performance,
    }


def _parse_column(
    column: Column, cells: list[Cell], parsers: dict[Kind, Callable[[Cell], object]]
) -> ParsedColumn:
    if column.kind is Kind.ID:
        return parse_id_column(cells)
    if column.kind is Kind.USCC:
        return parse_uscc_column(cells)
    if column.kind is Kind.AMOUNT:
        return parse_cached_column(cells, parse_amount, parse_amounts)
    if column.kind is Kind.ATTACHMENTS:
        return parse_cached_column(cells, parse_attachments, parse_many_attachments)
    if column.kind is Kind.TEXT:
        return parse_text_column(cells)
    return parse_cached_column(cells, parsers[column.kind])


def _duplicate_ids(ids: list[object], row_of: list[int], first_row: dict[object, int]) -> list[tuple[int, str]]:
    """A 申报编号 seen before, here or in an earlier slice (``first_row``: each one's first row, kept up to date)."""
    problems: list[tuple[int, str]] = []
    for index, application_id in enumerate(ids):
        if application_id is None:
            continue
        first = first_row.setdefault(application_id, row_of[index])
        if first != row_of[index]:
            problems.append((index, f"申报编号“{application_id}”与第{first}行重复"))
    return problems


BUILT_FIELDS = (
    "application_id", "enterprise", "uscc", "industry", "item_id", "county", "recognised_on",
    "application_year", "quantity", "total_investment_yuan", "equipment_yuan", "land_efficiency",
    "superior_funding_yuan", "enclave_region", "performance", "requested_yuan", "attachments",
)


def build_applications(values: dict[str, Iterable[object]], row_numbers: list[int],
                       warnings: Mapping[int, Sequence[str]] | None = None,
                       item_texts: Mapping[int, str] | None = None) -> list[Application]:
    """Applications from per-field value columns (``BUILT_FIELDS``), with ``warnings`` and the
    申报事项 as typed (``item_texts``) by row index."""
    found = warnings or {}
    typed = item_texts or {}
    return [
        Application(application_id, enterprise, uscc, industry, item_id, county, recognised_on, application_year,
                    quantity, total_investment_yuan, equipment_yuan, land_efficiency, superior_funding_yuan,
                    enclave_region, performance, requested_yuan, attachments,
                    tuple(found[index]) if index in found else (), row, typed.get(index, ""))
        for index, (application_id, enterprise, uscc, industry, item_id, county, recognised_on, application_year,
                    quantity, total_investment_yuan, equipment_yuan, land_efficiency, superior_funding_yuan,
                    enclave_region, performance, requested_yuan, attachments, row)
        in enumerate(zip(*(values[name] for name in BUILT_FIELDS), row_numbers))
    ]
