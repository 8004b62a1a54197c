"""Reading CSV, XLSX and JSON intake files into raw cells, column by column.

Nothing is interpreted here beyond what each format forces: text stays text
("NA" and "null" included), XLSX numbers and dates keep their Python types,
JSON numbers become exact Decimals. Fully blank rows are dropped; every kept
row remembers its spreadsheet row number (header = row 1).
"""

from __future__ import annotations

import codecs
import io
import json
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from models.errors import Problem, UnreadableFile
from models.values import Cell, cell_text

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".json")
HEADER_ROW = 1


@dataclass(slots=True)
class RawTable:
    """A file's header row and its non-blank data rows, stored column by column."""

    headers: list[str]
    columns: list[list[Cell]]  # one list per header, each as long as row_numbers
    row_numbers: list[int]
    formula_cells: frozenset[tuple[int, int]] = frozenset()  # (row number, column index)
    problems: list[Problem] = field(default_factory=list)  # structural problems found while reading

    def without_rows(self, indexes: set[int]) -> RawTable:
        if not indexes:
            return self
        keep = [index for index in range(len(self.row_numbers)) if index not in indexes]
        return RawTable(
            headers=self.headers,
            columns=[[column[index] for index in keep] for column in self.columns],
            row_numbers=[self.row_numbers[index] for index in keep],
            formula_cells=self.formula_cells,
            problems=self.problems,
        )

    def rows(self, limit: int | None = None) -> list[list[Cell]]:
        count = len(self.row_numbers) if limit is None else min(limit, len(self.row_numbers))
        return [[column[index] for column in self.columns] for index in range(count)]


def read_table(path: str | Path, max_rows: int | None = None) -> RawTable:
    """The raw table of a CSV, XLSX or JSON file; raises ``UnreadableFile``."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFile(path, "找不到该文件")
    if not path.is_file():
        raise UnreadableFile(path, "不是文件")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(path, "只能导入 CSV、XLSX 或 JSON 文件")
    try:
        if suffix == ".csv":
            return _read_csv(path, max_rows)
        if suffix == ".json":
            return _read_json(path, max_rows)
        return _read_xlsx(path, max_rows)
    except OSError as exc:
        raise UnreadableFile(path, f"读取失败（{exc.strerror or exc}）") from exc


def read_raw_rows(path: str | Path, limit: int | None = 20) -> tuple[list[str], list[list[Cell]]]:
    """The file's own headers and its first ``limit`` non-blank rows, for a preview."""
    table = read_table(path, max_rows=limit)
    return table.headers, table.rows(limit)


# --- CSV ---------------------------------------------------------------------


def detect_csv_encoding(raw: bytes) -> str:
    """UTF-8 (BOM or not) when the bytes decode strictly, else GB18030 (Excel on Chinese Windows)."""
    if _prefix_is_utf8(raw):
        try:
            raw.decode("utf-8")
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    return "gb18030"


def _prefix_is_utf8(raw: bytes) -> bool:
    # A failing decode copies all of its input into the exception: try a prefix first.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw[:_PREFIX_BYTES], final=False)
    except UnicodeDecodeError:
        return False
    return True


_PREFIX_BYTES = 1 << 16


def _read_csv(path: Path, max_rows: int | None) -> RawTable:
    import pandas as pd

    with path.open("rb") as file:
        prefix = file.read(_PREFIX_BYTES)
    if not prefix or prefix.isspace():
        raise UnreadableFile(path, "文件是空的，没有表头行")
    source: Path | io.BytesIO = path
    encoding = "gb18030"
    if _prefix_is_utf8(prefix):
        raw = path.read_bytes()
        encoding = detect_csv_encoding(raw)
        source = io.BytesIO(raw)
    try:
        frame = pd.read_csv(
            source,
            encoding=encoding,
            header=None,
            # Every cell stays the text it is ("007", "NA", "1.50"): object columns of str,
            # which pandas 3 builds faster than its dtype=str string arrays. pandas also
            # shares one str object between equal cells, which the column parsers profit from.
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # keeps data index + 2 equal to the spreadsheet row number
            nrows=None if max_rows is None else max_rows + 1,
        )
    except UnicodeDecodeError as exc:
        raise UnreadableFile(path, "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV") from exc
    except pd.errors.ParserError as exc:
        raise UnreadableFile(path, _csv_parser_reason(str(exc))) from exc
    except pd.errors.EmptyDataError as exc:
        raise UnreadableFile(path, "文件是空的，没有表头行") from exc

    columns: list[list[Cell]] = [frame[label].tolist() for label in frame.columns]
    headers = [str(column.pop(0)).strip().removeprefix("\ufeff") for column in columns]
    return _without_blank_rows(headers, columns, first_row=HEADER_ROW + 1)


def _csv_parser_reason(message: str) -> str:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, seen = fields.groups()
        return f"第{line}行有 {seen} 个字段，多于表头的 {expected} 列（是否有未加引号的逗号？）"
    return f"CSV 格式有误（{message.strip()}）"


# --- XLSX --------------------------------------------------------------------


def _read_xlsx(path: Path, max_rows: int | None) -> RawTable:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            sheet = workbook.get_sheet_by_index(0)
            limit = None if max_rows is None else max_rows + 1
            # Keep empty leading rows/columns so list positions are spreadsheet positions.
            grid = sheet.to_python(skip_empty_area=False, nrows=limit)
        finally:
            workbook.close()
        formulas = first_sheet_formula_cells(path)
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(path, "不是有效的 XLSX 文件（或已损坏、已加密）") from exc
    if not grid:
        raise UnreadableFile(path, "第一个工作表是空的，没有表头行")

    width = max(len(row) for row in grid)
    if any(len(row) != width for row in grid):
        grid = [list(row) + [""] * (width - len(row)) for row in grid]
    headers = [cell_text(_xlsx_cell(cell)) for cell in grid[0]]
    if len(grid) > 1:
        columns = [_xlsx_column(list(column)) for column in zip(*grid[1:])]
    else:
        columns = [[] for _ in headers]
    table = _without_blank_rows(headers, columns, first_row=HEADER_ROW + 1)
    table.formula_cells = frozenset(cell for cell in formulas if cell[0] > HEADER_ROW)
    return table


def _xlsx_column(cells: list[object]) -> list[Cell]:
    if all(type(cell) in _PLAIN_XLSX_TYPES for cell in cells):
        return cells  # type: ignore[return-value]
    return [_xlsx_cell(cell) for cell in cells]


_PLAIN_XLSX_TYPES = frozenset({str, float, int, date, datetime})  # None, bool, time need _xlsx_cell


def _xlsx_cell(cell: object) -> Cell:
    """Booleans, times and durations become text; the column parsers report them if out of place."""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, time):
        return cell.isoformat()
    if isinstance(cell, timedelta):
        return str(cell)
    if cell is None:
        return ""
    if isinstance(cell, (str, int, float, date)):
        return cell
    return str(cell)


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# A cell element with content (self-closing <c .../> cells hold no formula).
_CELL_WITH_CONTENT = re.compile(rb"<(?:\w+:)?c\b([^>/]*)>(.*?)</(?:\w+:)?c>", re.S)
_CELL_REFERENCE = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_SHEET_ELEMENT = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def first_sheet_formula_cells(path: Path) -> set[tuple[int, int]]:
    """(row number, column index) of every formula cell on the first worksheet.

    calamine gives only cached values, so the sheet XML is scanned for ``<f>``.
    """
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read(_first_sheet_part(archive))
    if not _FORMULA.search(sheet_xml):
        return set()
    cells: set[tuple[int, int]] = set()
    for match in _CELL_WITH_CONTENT.finditer(sheet_xml):
        attributes, content = match.groups()
        reference = _CELL_REFERENCE.search(attributes)
        if reference and _FORMULA.search(content):
            letters, row = reference.groups()
            cells.add((int(row), column_index(letters.decode())))
    return cells


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    workbook_xml = archive.read("xl/workbook.xml")
    sheet = _SHEET_ELEMENT.search(workbook_xml)
    if sheet:
        rels = archive.read("xl/_rels/workbook.xml.rels")
        for relationship in _RELATIONSHIP.finditer(rels):
            element = relationship.group(0)
            if re.search(rb'\bId="' + re.escape(sheet.group(1)) + rb'"', element):
                target = re.search(rb'\bTarget="([^"]+)"', element)
                if target:
                    name = target.group(1).decode()
                    return name.lstrip("/") if name.startswith("/") else posixpath.normpath(
                        posixpath.join("xl", name)
                    )
    return "xl/worksheets/sheet1.xml"


def column_index(letters: str) -> int:
    """0 for A, 25 for Z, 26 for AA."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# --- JSON --------------------------------------------------------------------


def _read_json(path: Path, max_rows: int | None) -> RawTable:
    raw = path.read_bytes()
    try:
        text = raw.decode(detect_csv_encoding(raw))
        # Decimal keeps a JSON number's literal exactly; NaN/Infinity stay text and are reported.
        document = json.loads(text, parse_float=Decimal, parse_constant=str)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(path, f"不是有效的 JSON（{_json_reason(exc)}）") from exc
    if not isinstance(document, list):
        raise UnreadableFile(path, "JSON 顶层应为数组，每个元素是一条申报（键为列名）")
    if max_rows is not None:
        document = document[:max_rows]

    headers: list[str] = []
    known: set[str] = set()
    for element in document:
        if isinstance(element, dict):
            for key in element:
                if key not in known:
                    known.add(key)
                    headers.append(key)
    problems: list[Problem] = []
    columns: list[list[Cell]] = [[] for _ in headers]
    row_numbers: list[int] = []
    for index, element in enumerate(document):
        row = index + HEADER_ROW + 1
        if not isinstance(element, dict):
            problems.append(Problem(row, "（整行）", "应为对象，键为列名"))
            continue
        row_numbers.append(row)
        for header, column in zip(headers, columns):
            value = element.get(header, "")
            cell, problem = _json_cell(value)
            if problem:
                problems.append(Problem(row, header, problem))
            column.append(cell)
    table = _without_blank_rows([h.strip() for h in headers], columns, row_numbers=row_numbers)
    table.problems = problems
    return table


def _json_cell(value: object) -> tuple[Cell, str | None]:
    if value is None:
        return "", None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, (str, int, Decimal)):
        return value, None
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "；".join(value), None  # e.g. 附件 given as a list of file names
    return "", "不支持嵌套的对象或数组"


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"第{exc.lineno}行第{exc.colno}列：{exc.msg}"
    return "编码无法识别"


# --- shared ------------------------------------------------------------------


def _blank_indexes(cells: list[Cell]) -> list[int]:
    try:
        stripped = list(map(str.strip, cells))  # type: ignore[arg-type]
    except TypeError:  # numbers, dates or None from XLSX/JSON
        return [index for index, cell in enumerate(cells) if _is_blank(cell)]
    if "" not in stripped:
        return []
    return [index for index, text in enumerate(stripped) if not text]


def _is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and (not cell or cell.isspace()))


def blank_row_indexes(columns: Sequence[list[Cell]]) -> set[int]:
    """Indexes of rows whose cells are blank in every one of ``columns``."""
    if not columns:
        return set()
    candidates = _blank_indexes(columns[0])  # a row blank throughout is blank in the first column too
    return {index for index in candidates if all(_is_blank(column[index]) for column in columns[1:])}


def _without_blank_rows(
    headers: list[str],
    columns: list[list[Cell]],
    first_row: int = HEADER_ROW + 1,
    row_numbers: list[int] | None = None,
) -> RawTable:
    count = len(columns[0]) if columns else len(row_numbers or ())
    if row_numbers is None:
        row_numbers = list(range(first_row, first_row + count))
    return RawTable(headers, columns, row_numbers).without_rows(blank_row_indexes(columns))
