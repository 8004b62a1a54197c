"""Reading CSV, XLS(X) and JSON intake files into raw cells, column by column.

Nothing is interpreted here beyond what each format forces: text stays text
("NA" and "null" included), XLSX numbers and dates keep their Python types,
JSON numbers become exact Decimals. Fully blank rows are dropped; every kept
row remembers its spreadsheet row number. The header may sit below a title row
or span two rows (merged cells, see ``models.intake.header_rows``).
Every limit of ``models.limits`` is checked before the work it guards.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from models.intake.problems import Problem, UnreadableFile
from models.intake.header_rows import SHEET_HEADER_FIELDS, HeaderRows, header_score, locate_header
from models.intake.json_depth import deepest_record
from models.limits import MAX_COLUMNS, MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_ROWS, HEADER_SEARCH_ROWS, megabytes
from models.intake.values import Cell, cell_text
from models.intake.xlsx_scan import column_index, column_letters, scan_workbook

if TYPE_CHECKING:
    import pandas as pd
    from python_calamine import CalamineWorkbook

__all__ = ["RawTable", "read_table", "TablePieces", "read_table_in_pieces", "read_raw_rows", "column_index", "column_letters", "blank_row_indexes",
           "detect_csv_encoding", "first_sheet_formula_cells", "SUPPORTED_SUFFIXES"]

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".json")
HEADER_ROW = 1


@dataclass(slots=True)
class RawTable:
    """A file's header row and its non-blank data rows, stored column by column."""

    headers: list[str]
    columns: list[list[Cell]]  # one list per header, each as long as row_numbers
    row_numbers: list[int]
    formula_cells: frozenset[tuple[int, int]] = frozenset()  # (row number, column index)
    problems: list[Problem] = field(default_factory=list)  # structural problems found while reading
    header_row: int = HEADER_ROW  # the (last) header row's spreadsheet row number

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
            header_row=self.header_row,
        )

    def sliced(self, start: int, stop: int) -> RawTable:
        """Rows ``start:stop`` (indexes), with the file's header, formula cells and problems."""
        return RawTable(self.headers, [column[start:stop] for column in self.columns], self.row_numbers[start:stop],
                        self.formula_cells, self.problems, self.header_row)

    def joined(self, later: RawTable) -> RawTable:
        """These rows, then ``later``'s (the next rows of the same file)."""
        return RawTable(self.headers, [column + more for column, more in zip(self.columns, later.columns)],
                        self.row_numbers + later.row_numbers, self.formula_cells, self.problems, self.header_row)

    def rows(self, limit: int | None = None) -> list[list[Cell]]:
        count = len(self.row_numbers) if limit is None else min(limit, len(self.row_numbers))
        return [[column[index] for column in self.columns] for index in range(count)]


def read_table(path: str | Path, max_rows: int | None = None) -> RawTable:
    """The raw table of a CSV, XLS(X) or JSON file; raises ``UnreadableFile``."""
    path = Path(path)
    with _reading(path):
        kind = _checked_kind(path)
        if kind == ".csv":
            return _read_csv(path, max_rows)
        if kind == ".json":
            return _read_json(path, max_rows)
        return _read_workbook(path, max_rows, kind)


@dataclass(frozen=True, slots=True)
class TablePieces:
    """A file's header (``head``: its headers, header row, formula cells and the problems found reading it, no
    rows) and its rows a piece at a time (``pieces``, in file order): a CSV's as they are read, any other file's
    all in one piece, read whole first. The pieces put together are :func:`read_table`'s rows; the read's
    errors are raised as it meets them, the same ones."""

    head: RawTable
    pieces: Iterator[RawTable]


def read_table_in_pieces(path: str | Path, piece_lines: int) -> TablePieces:
    """:func:`read_table`'s table, a CSV's rows read ``piece_lines`` lines at a time; raises ``UnreadableFile``
    (here when the file, its encoding or its header is unreadable, later from ``pieces``)."""
    path = Path(path)
    with _reading(path):
        kind = _checked_kind(path)
        if kind == ".csv":
            head, pieces = _csv_pieces(path, piece_lines)
            return TablePieces(head, _read_as_pieces(path, pieces))
        table = _read_json(path, None) if kind == ".json" else _read_workbook(path, None, kind)
    return TablePieces(table.sliced(0, 0), iter([table]))


def _read_as_pieces(path: Path, pieces: Iterator[RawTable]) -> Iterator[RawTable]:
    with _reading(path):
        yield from pieces


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise UnreadableFile(path, f"读取失败（{exc.strerror or exc}）") from exc
    except MemoryError as exc:
        raise UnreadableFile(path, "文件过大，内存不足以读取；请拆分后分别导入") from exc


def _checked_kind(path: Path) -> str:
    """How to read ``path`` (see :func:`_content_kind`), once it is a supported file within the size limit."""
    if not path.exists():
        raise UnreadableFile(path, "找不到该文件")
    if not path.is_file():
        raise UnreadableFile(path, "不是文件")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(path, "只能导入 XLS、CSV、XLSX 或 JSON 文件")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(path, f"文件大小 {megabytes(size)}，超过 {megabytes(MAX_FILE_BYTES)} 上限；"
                                   "请按县区或批次拆分后分别导入")
    return _content_kind(path, suffix)


_ZIP, _OLE2 = b"PK\x03\x04", bytes.fromhex("d0cf11e0a1b11ae1")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _content_kind(path: Path, suffix: str) -> str:
    """How to read the file: by its content where that is certain (a workbook renamed .xls, .xlsx or .csv is
    still the workbook it is), else by its suffix; a web page or text named as a workbook is refused."""
    with path.open("rb") as file:
        head = file.read(1 << 16)
    if head.startswith(_ZIP):
        return ".xlsx"
    if head.startswith(_OLE2):
        return ".xls"
    if suffix not in _WORKBOOK_SUFFIXES:
        return suffix
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<table" in text or b"<html" in text):
        raise UnreadableFile(path, "实际是网页（HTML）表格，并非 Excel 工作簿（网上系统导出的 .xls 常是这样）："
                                   "请用 Excel 打开后另存为 .xlsx 再导入")
    if b"\x00" not in head and _decodes(head):
        raise UnreadableFile(path, f"扩展名是 {suffix}，内容却是文本而不是 Excel 工作簿；若是 CSV，请把扩展名改为 .csv")
    return suffix


def _decodes(head: bytes) -> bool:
    """Whether the start of a file reads as text (a multi-byte character cut at the end aside)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def read_raw_rows(path: str | Path, limit: int | None = 20) -> tuple[list[str], list[list[Cell]]]:
    """The file's own headers and its first ``limit`` non-blank rows, for a preview."""
    table = read_table(path, max_rows=limit)
    return table.headers, table.rows(limit)


def _too_many_rows(path: Path) -> UnreadableFile:
    return UnreadableFile(path, f"超过 {MAX_ROWS:,} 行上限（含表头）；请拆分后分别导入")


def _too_many_columns(path: Path, row: int, count: int) -> UnreadableFile:
    return UnreadableFile(path, f"第{row}行（表头）有 {count} 列，超过 {MAX_COLUMNS} 列上限；请删除多余的列")


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
_HEADER_BYTES = 1 << 20  # the rows searched for the header must fit in this much of the file


@dataclass(frozen=True, slots=True)
class _CsvLayout:
    """What is decided about a CSV before its rows are parsed: its encoding, where its header is, and
    whether any cell is written as Excel's ``="…"`` text."""

    encoding: str
    header: HeaderRows
    text_formulas: bool

    def options(self) -> dict[str, object]:
        """``pandas.read_csv``'s options for the file, the same whether it is read whole or a piece at a time."""
        return {
            "encoding": self.encoding,
            "header": None,
            # The last header line is read too: its field count is the table's width, as before.
            "skiprows": self.header.row - 1,
            # Every cell stays the text it is ("007", "NA", "1.50"): object columns of str,
            # which pandas 3 builds faster than its dtype=str string arrays. pandas also
            # shares one str object between equal cells, which the column parsers profit from.
            "dtype": object,
            "keep_default_na": False,
            "na_filter": False,
            "skip_blank_lines": False,  # keeps data index + first row equal to the spreadsheet row number
        }


def _csv_layout(path: Path) -> _CsvLayout:
    """The file's encoding (UTF-8 only when every byte of it decodes so: the file is read once for that, a few
    MB at a time), its header, and whether it holds ``="…"``; raises ``UnreadableFile`` for an empty, UTF-16 or
    mixed-encoding file and for a header wider than ``MAX_COLUMNS``."""
    with path.open("rb") as file:
        head = file.read(_HEADER_BYTES)
    if not head or head.isspace():
        raise UnreadableFile(path, "文件是空的，没有表头行")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:4096].count(0) * 4 > len(head[:4096]):
        raise UnreadableFile(path, "文件是 UTF-16 编码，请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”")
    encoding = "gb18030"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        not_utf8 = _first_non_utf8(path)
    except UnicodeDecodeError as exc:
        before = head[:exc.start]
        not_utf8 = before.count(b"\n") + 1, before.isascii()
    if not_utf8 is None:
        encoding = "utf-8-sig"
    elif not not_utf8[1]:  # UTF-8 text earlier, something else later: a mixed file
        raise _undecodable(path, not_utf8[0], "UTF-8") from None
    header = _csv_header(path, head, encoding)
    if len(header.headers) > MAX_COLUMNS:
        raise _too_many_columns(path, header.row, len(header.headers))
    return _CsvLayout(encoding, header, _has_text_formulas(path, head if len(head) < _HEADER_BYTES else None))


def _first_non_utf8(path: Path) -> tuple[int, bool] | None:
    """The line of the first byte where ``path`` stops being UTF-8, and whether every byte before it is ASCII;
    None when all of it decodes (as one strict ``decode`` of the whole file would say, without holding it)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, ascii_before = 1, True
    with path.open("rb") as file:
        while True:
            chunk = file.read(_HEADER_BYTES)
            seen = decoder.getstate()[0] + chunk  # what the decoder decodes: the cut character before, then this
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                before = seen[:exc.start]
                return line + before.count(b"\n"), ascii_before and before.isascii()
            if not chunk:
                return None
            decoded = seen[:len(seen) - len(decoder.getstate()[0])]
            line += decoded.count(b"\n")
            ascii_before = ascii_before and decoded.isascii()


def _read_csv(path: Path, max_rows: int | None) -> RawTable:
    import pandas as pd

    layout = _csv_layout(path)
    header = layout.header
    allowed = MAX_ROWS - header.row
    nrows = allowed + 1 if max_rows is None else min(max_rows, allowed) + 1
    with _csv_errors(path, layout):
        frame = pd.read_csv(path, **layout.options(), nrows=nrows)
    if max_rows is None and len(frame) > allowed:
        raise _too_many_rows(path)
    if len(frame.columns) > MAX_COLUMNS:
        raise _too_many_columns(path, header.row, len(frame.columns))
    return _csv_rows(frame, layout, first_line=True)


def _csv_pieces(path: Path, piece_lines: int) -> tuple[RawTable, Iterator[RawTable]]:
    """A CSV's header, read with its first piece, and its rows ``piece_lines`` lines at a time, with every
    limit and error of :func:`_read_csv`: rows past ``MAX_ROWS`` are refused as soon as they are read."""
    import pandas as pd

    layout = _csv_layout(path)
    allowed = MAX_ROWS - layout.header.row
    with _csv_errors(path, layout):
        frames = pd.read_csv(path, **layout.options(), nrows=allowed + 1, chunksize=piece_lines)
        first = next(frames, None)
    if first is None:  # nothing below the header's rows: as read whole, a table without rows
        first = pd.DataFrame()
    if len(first) > allowed:
        raise _too_many_rows(path)
    if len(first.columns) > MAX_COLUMNS:
        with _csv_errors(path, layout):
            lines = len(first) + sum(len(frame) for frame in frames)  # a later error is the one reported whole
        if lines > allowed:
            raise _too_many_rows(path)
        raise _too_many_columns(path, layout.header.row, len(first.columns))
    head = _csv_rows(first, layout, first_line=True)
    return head.sliced(0, 0), _later_pieces(path, layout, head, len(first), frames, allowed)


def _later_pieces(path: Path, layout: _CsvLayout, head: RawTable, lines: int, frames: Iterator[pd.DataFrame],
                  allowed: int) -> Iterator[RawTable]:
    """``head``'s rows (its ``lines`` lines read), then those of the lines ``frames`` read."""
    yield head
    with _csv_errors(path, layout):
        for frame in frames:
            lines += len(frame)
            if lines > allowed:
                raise _too_many_rows(path)
            yield _csv_rows(frame, layout, first_line=False)


def _csv_rows(frame: pd.DataFrame, layout: _CsvLayout, *, first_line: bool) -> RawTable:
    """The data rows of lines of the file as pandas read them (the first: the last header line, then rows)."""
    columns: list[list[Cell]] = [frame[label].tolist() for label in frame.columns]
    if first_line:
        for column in columns:
            column.pop(0)
    if layout.text_formulas:
        columns = [[_excel_text(cell) for cell in column] for column in columns]
    headers = (layout.header.headers + [""] * len(columns))[:len(columns)]
    first_row = layout.header.row + int(frame.index[0]) + int(first_line) if len(frame) else layout.header.row + 1
    table = _without_blank_rows(headers, columns, first_row=first_row)
    table.header_row = layout.header.row
    return table


@contextmanager
def _csv_errors(path: Path, layout: _CsvLayout) -> Iterator[None]:
    """pandas' errors reading the file, as the messages that name its line."""
    import pandas as pd

    try:
        yield
    except UnicodeDecodeError as exc:
        raise _undecodable(path, _first_undecodable_line(path, layout.encoding), "GBK/GB18030") from exc
    except pd.errors.ParserError as exc:
        raise UnreadableFile(path, _csv_parser_reason(str(exc), layout.header.row - 1)) from exc
    except pd.errors.EmptyDataError as exc:
        raise UnreadableFile(path, "文件是空的，没有表头行") from exc


_TEXT_FORMULA = b'="'


def _has_text_formulas(path: Path, raw: bytes | None) -> bool:
    """Whether the file holds ``="…"`` anywhere (in UTF-8 and GB18030 alike only ASCII has these bytes)."""
    if raw is not None:
        return _TEXT_FORMULA in raw
    with path.open("rb") as file:
        carry = b""
        while chunk := file.read(1 << 22):
            if _TEXT_FORMULA in carry + chunk:
                return True
            carry = chunk[-1:]
    return False


def _excel_text(cell: Cell) -> Cell:
    """``="007"``, as systems write a CSV cell Excel must keep as text, is the text ``007``."""
    if isinstance(cell, str) and cell.startswith('="') and cell.endswith('"') and len(cell) > 2 and \
            '"' not in cell[2:-1]:
        return cell[2:-1]
    return cell


def _csv_header(path: Path, head: bytes, encoding: str) -> HeaderRows:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        text = decoder.decode(head, final=len(head) < _HEADER_BYTES)
    except UnicodeDecodeError as exc:
        raise _undecodable(path, head[:exc.start].count(b"\n") + 1, "GBK/GB18030") from None
    complete = len(head) < _HEADER_BYTES
    if not complete:
        if "\n" not in text:
            raise UnreadableFile(path, f"第1行超过 {megabytes(_HEADER_BYTES)} 仍未结束，不是有效的申报表")
        text = text[: text.rindex("\n") + 1]
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # pandas reports a malformed line with its number
    return locate_header(rows or [[]])


def _undecodable(path: Path, line: int, encoding: str) -> UnreadableFile:
    return UnreadableFile(path, f"第{line}行无法按 {encoding} 解码（文件混用了不同编码？），"
                                "请在 Excel 中另存为“CSV UTF-8”")


def _first_undecodable_line(path: Path, encoding: str) -> int:
    """The line of the first byte ``encoding`` cannot decode, reading the file in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as file:
        while chunk := file.read(_HEADER_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk[:max(exc.start, 0)].count(b"\n")
            line += chunk.count(b"\n")
    return line


def _csv_parser_reason(message: str, skipped_lines: int) -> str:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, seen = fields.groups()
        return (f"第{int(line) + skipped_lines}行有 {seen} 个字段，多于表头的 {expected} 列"
                "（是否有未加引号的逗号？）")
    return f"CSV 格式有误（{message.strip()}）"


# --- XLSX and XLS ------------------------------------------------------------


def _read_workbook(path: Path, max_rows: int | None, kind: str) -> RawTable:
    from python_calamine import CalamineError, CalamineWorkbook

    is_xls = kind == ".xls"
    try:
        # An .xls sheet is at most 65,536 × 256 cells by its format; an .xlsx one is checked first.
        scan = None if is_xls else scan_workbook(path)
        if kind == path.suffix.lower() or kind == ".xlsx" and path.suffix.lower() == ".xlsm":
            workbook = CalamineWorkbook.from_path(str(path))
        else:  # renamed: calamine then tells the format by the content
            with path.open("rb") as file:
                workbook = CalamineWorkbook.from_filelike(file)
        try:
            limit = MAX_ROWS if max_rows is None else max_rows + HEADER_SEARCH_ROWS + 2
            # Keep empty leading rows/columns so list positions are spreadsheet positions.
            grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False, nrows=limit)
            index = _data_sheet(path, workbook, _has_header(grid))
            if index:
                grid = workbook.get_sheet_by_index(index).to_python(skip_empty_area=False, nrows=limit)
        finally:
            workbook.close()
        formulas = scan.sheets[index].formula_cells if scan and index < len(scan.sheets) else set()
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        if is_xls and path.suffix.lower() in (".xlsx", ".xlsm"):
            raise UnreadableFile(path, "读不出工作簿：它设有打开密码（加密的工作簿另存在旧格式的容器里），"
                                       "或是改了扩展名的损坏的 .xls；请去掉密码后另存为 .xlsx") from exc
        label = "XLS" if is_xls else "XLSX"
        raise UnreadableFile(path, f"不是有效的 {label} 文件（或已损坏、已加密）") from exc
    if not grid:
        raise UnreadableFile(path, "第一个工作表是空的，没有表头行")

    width = max(len(row) for row in grid)
    if width > MAX_COLUMNS:
        raise UnreadableFile(path, f"第一个工作表有 {width} 列（到 {column_letters(width - 1)} 列），"
                                   f"超过 {MAX_COLUMNS} 列上限；请删除多余的列")
    if any(len(row) != width for row in grid):
        grid = [list(row) + [""] * (width - len(row)) for row in grid]
    header = locate_header([[cell_text(_xlsx_cell(cell)) for cell in row] for row in grid[:HEADER_SEARCH_ROWS]])
    data = grid[header.row:]
    if max_rows is not None:
        data = data[:max_rows]
    headers = (header.headers + [""] * width)[:width]
    if data:
        columns = [_xlsx_column(list(column)) for column in zip(*data)]
    else:
        columns = [[] for _ in headers]
    table = _without_blank_rows(headers, columns, first_row=header.row + 1)
    table.formula_cells = frozenset(cell for cell in formulas if cell[0] > header.row)
    table.header_row = header.row
    return table


def _data_sheet(path: Path, workbook: CalamineWorkbook, first_has_header: bool) -> int:
    """The index of the one worksheet whose first rows hold an application header (the first when none does).

    A workbook often carries a 填表说明 sheet before the data, or keeps the data on its second sheet; reading
    the one sheet with a header is no guess. Two sheets with headers (one per county, say) would leave one
    of them unread, so the file is refused, naming them. The first sheet is already read; the others are
    read only as far as their first rows.
    """
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    sheets = workbook.sheets_metadata
    found = [0] if first_has_header else []
    for index, sheet in enumerate(sheets[1:], start=1):
        if sheet.typ == SheetTypeEnum.WorkSheet and _has_header(
                workbook.get_sheet_by_index(index).to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)):
            found.append(index)
    if len(found) > 1:
        names = "、".join(f"“{sheets[index].name}”" + ("（隐藏）" if sheets[index].visible != SheetVisibleEnum.Visible
                                                      else "") for index in found)
        raise UnreadableFile(path, f"有 {len(found)} 个工作表含申报表头（{names}），一次只能导入一个工作表："
                                   "请把申报合并到一个工作表，或分别另存为单独的文件后逐个导入")
    return found[0] if found else 0


def _has_header(grid: Sequence[Sequence[object]]) -> bool:
    """Whether a sheet's first rows hold a header naming enough of the template's columns."""
    head = [[cell_text(_xlsx_cell(cell)) for cell in row] for row in grid[:HEADER_SEARCH_ROWS]]
    return header_score(locate_header(head).headers) >= SHEET_HEADER_FIELDS


def _xlsx_column(cells: list[object]) -> list[Cell]:
    if all(type(cell) in _PLAIN_XLSX_TYPES for cell in cells):
        return cells  # type: ignore[return-value]  # all of _PLAIN_XLSX_TYPES are Cell types (checked above)
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


def first_sheet_formula_cells(path: Path) -> set[tuple[int, int]]:
    """(row number, column index) of every formula cell on the first worksheet.

    calamine gives only cached values, so the sheet XML is scanned for ``<f>``.
    """
    return scan_workbook(path).formula_cells


# --- JSON --------------------------------------------------------------------


def _read_json(path: Path, max_rows: int | None) -> RawTable:
    raw = path.read_bytes()
    try:
        text = raw.decode(detect_csv_encoding(raw))
    except UnicodeDecodeError as exc:
        raise _undecodable(path, raw[:exc.start].count(b"\n") + 1, "UTF-8 或 GB18030") from None
    too_deep = deepest_record(text, MAX_JSON_DEPTH)
    if too_deep is not None:
        raise UnreadableFile(path, f"第{too_deep}条记录（第{too_deep + HEADER_ROW}行）嵌套超过 {MAX_JSON_DEPTH} 层上限；"
                                   "应为数组，每个元素是一个对象，值为文字或数字")
    try:
        # Decimal keeps a JSON number's literal exactly; NaN/Infinity stay text and are reported.
        document = json.loads(text, parse_float=Decimal, parse_int=_json_int, parse_constant=str,
                              object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(path, f"不是有效的 JSON（{_json_reason(exc)}）") from exc
    except RecursionError as exc:  # cannot happen after deepest_record; kept as a last guard
        raise UnreadableFile(path, f"嵌套超过 {MAX_JSON_DEPTH} 层上限") from exc
    if not isinstance(document, list):
        raise UnreadableFile(path, "JSON 顶层应为数组，每个元素是一条申报（键为列名）")
    if len(document) >= MAX_ROWS:
        raise _too_many_rows(path)
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
    if len(headers) > MAX_COLUMNS:
        raise UnreadableFile(path, f"记录中共有 {len(headers)} 个不同的键，超过 {MAX_COLUMNS} 列上限")
    problems: list[Problem] = []
    columns: list[list[Cell]] = [[] for _ in headers]
    row_numbers: list[int] = []
    for index, element in enumerate(document):
        row = index + HEADER_ROW + 1
        if not isinstance(element, dict):
            problems.append(Problem(row, "（整行）", "应为对象，键为列名"))
            continue
        if isinstance(element, _DuplicateKeys):
            problems += [Problem(row, key, "该键在同一条记录中出现了不止一次") for key in element.duplicates]
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


class _DuplicateKeys(dict):  # type: ignore[type-arg]  # json's object_pairs_hook result: any JSON value
    """A JSON object that named some key more than once (the first value is kept)."""

    duplicates: list[str]


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    record = dict(pairs)
    if len(record) == len(pairs):
        return record
    marked = _DuplicateKeys()
    seen: list[str] = []
    for key, value in pairs:
        if key in marked:
            if key not in seen:
                seen.append(key)
        else:
            marked[key] = value
    marked.duplicates = seen
    return marked


def _json_int(literal: str) -> int | Decimal:
    # Python refuses to convert ints of more than 4,300 digits; a Decimal is reported as too large.
    return int(literal) if len(literal) <= 18 else Decimal(literal)


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
        stripped = list(map(str.strip, cells))  # type: ignore[arg-type]  # fast path: a non-text cell raises TypeError, handled below
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
