"""A look at an XLSX workbook before calamine reads it, streaming and bounded.

calamine allocates a sheet's whole grid from its largest cell reference, and
inflates every part it reads in full. So every part is inflated here first,
chunk by chunk, counting the bytes it really inflates to (a lying ZIP header is
caught by zipfile's own length and CRC checks), and every worksheet is scanned
for its ``<dimension>``, its largest cell reference and its formula cells, since
the reader may open any of them to find the one holding the applications.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from models.intake.problems import UnreadableFile
from models.limits import MAX_COLUMNS, MAX_ROWS, MAX_XLSX_INFLATED_BYTES, megabytes

_CHUNK = 1 << 20
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>/]")
# A cell element with content (self-closing <c .../> cells hold no formula).
_CELL_WITH_CONTENT = re.compile(rb"<(?:\w+:)?c\b([^>/]*)>(.*?)</(?:\w+:)?c>", re.S)
_CELL_REFERENCE = re.compile(rb'\br="\$?([A-Za-z]{1,10})\$?([0-9]{1,12})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]*)"')
_RANGE_END = re.compile(r"(?:.*:)?\$?([A-Za-z]{1,10})\$?([0-9]{1,12})")
_SHEET_ELEMENT = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_SHEET_ID = re.compile(rb'\b(?:\w+:)?id="([^"]+)"')
_SHEET_NAME = re.compile(rb'\bname="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
# Past this much XML without a cell boundary the cell itself is far over any cell limit.
_MAX_CARRY = 16 * _CHUNK


@dataclass(slots=True)
class SheetScan:
    last_row: int = 0  # 1-based, 0 for an empty sheet
    last_column: int = -1  # 0-based
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (row number, column index)


@dataclass(slots=True)
class WorkbookScan:
    sheets: list[SheetScan]  # worksheets in the workbook's order, as calamine indexes them

    @property
    def formula_cells(self) -> set[tuple[int, int]]:
        """The first sheet's formula cells."""
        return self.sheets[0].formula_cells if self.sheets else set()


def scan_workbook(path: Path) -> WorkbookScan:
    """Every worksheet's extent and formula cells; raises ``UnreadableFile`` past a limit."""
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive)
        scans = {part: SheetScan() for _, part in parts if part}
        names = {part: name for name, part in parts}
        inflated = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            scan = scans.get(info.filename)
            what = _sheet_label(names.get(info.filename, ""), info.filename == parts[0][1])
            with archive.open(info) as member:
                carry = b""
                while chunk := member.read(_CHUNK):
                    inflated += len(chunk)
                    if inflated > MAX_XLSX_INFLATED_BYTES:
                        raise UnreadableFile(path, f"解压后超过 {megabytes(MAX_XLSX_INFLATED_BYTES)} 上限"
                                                   f"（{info.filename} 解压后过大），请检查是否为正常的申报表")
                    if scan is not None:
                        carry = _scan_part(path, carry + chunk, scan, final=False, what=what)
                if scan is not None:
                    _scan_part(path, carry, scan, final=True, what=what)
    return WorkbookScan([scans.get(part, SheetScan()) for _, part in parts])


def _sheet_label(name: str, first: bool) -> str:
    return "" if first or not name else f"工作表“{name}”的"


def _scan_part(path: Path, buffer: bytes, scan: SheetScan, final: bool, what: str = "") -> bytes:
    """Scan the complete cells of ``buffer``; return the unfinished tail to prepend to the next chunk."""
    cut = len(buffer)
    if not final:
        starts = [match.start() for match in _CELL_START.finditer(buffer, max(0, len(buffer) - _CHUNK))]
        cut = starts[-1] if starts else len(buffer)
        if cut == 0 and len(buffer) > _MAX_CARRY:
            raise UnreadableFile(path, f"{what or '工作表中'}有一个超过 16 MB 的单元格，超过单元格上限")
    part = buffer[:cut]
    dimension = _DIMENSION.search(part)
    if dimension:
        _check_extent(path, dimension.group(1).decode("ascii", "replace"), f"{what}工作表范围（dimension）")
    for letters, digits in _CELL_REFERENCE.findall(part):
        row, column = int(digits), column_index(letters.decode().upper())
        if row > scan.last_row:
            scan.last_row = row
        if column > scan.last_column:
            scan.last_column = column
    if scan.last_row > MAX_ROWS or scan.last_column >= MAX_COLUMNS:
        _check_extent(path, f"{column_letters(scan.last_column)}{scan.last_row}", f"{what}最远的单元格")
    if _FORMULA.search(part):
        for match in _CELL_WITH_CONTENT.finditer(part):
            attributes, content = match.groups()
            reference = _CELL_REFERENCE.search(attributes)
            if reference and _FORMULA.search(content):
                letters, digits = reference.groups()
                scan.formula_cells.add((int(digits), column_index(letters.decode().upper())))
    return buffer[cut:]


def _check_extent(path: Path, reference: str, what: str) -> None:
    match = _RANGE_END.fullmatch(reference.strip())
    if not match:
        return  # calamine ignores a malformed dimension too; the cells themselves are checked
    letters, digits = match.groups()
    row, column = int(digits), column_index(letters.upper())
    if column >= MAX_COLUMNS:
        raise UnreadableFile(path, f"{what} {reference} 到第 {column + 1} 列（{letters.upper()} 列），"
                                   f"超过 {MAX_COLUMNS} 列上限；请删除多余的列后另存")
    if row > MAX_ROWS:
        raise UnreadableFile(path, f"{what} {reference} 到第 {row} 行，超过 {MAX_ROWS:,} 行上限")


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, part) of every sheet in the workbook's order; the usual first part when the workbook names none."""
    workbook_xml = _read_small(archive, "xl/workbook.xml")
    rels = _read_small(archive, "xl/_rels/workbook.xml.rels")
    targets: dict[bytes, str] = {}
    for relationship in _RELATIONSHIP.finditer(rels):
        element = relationship.group(0)
        key = re.search(rb'\bId="([^"]+)"', element)
        target = re.search(rb'\bTarget="([^"]+)"', element)
        if key and target:
            name = target.group(1).decode()
            targets[key.group(1)] = name.lstrip("/") if name.startswith("/") else posixpath.normpath(
                posixpath.join("xl", name))
    found = []
    for sheet in _SHEET_ELEMENT.finditer(workbook_xml):
        label, key = _SHEET_NAME.search(sheet.group(0)), _SHEET_ID.search(sheet.group(0))
        part = targets.get(key.group(1), "") if key else ""
        found.append((_xml_text(label.group(1)) if label else "", part))
    return found or [("", "xl/worksheets/sheet1.xml")]


def _xml_text(raw: bytes) -> str:
    from html import unescape
    return unescape(raw.decode("utf-8", "replace"))


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 16 * _CHUNK) -> bytes:
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise zipfile.BadZipFile(f"{name} is too large")
    return data


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
