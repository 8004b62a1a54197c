"""The bureau's summary workbook: per application, per award item, county and industry, and the public list.

Amounts are numeric cells in 元 with two decimals; every text cell is written
with ``write_string`` and neutralised against formula injection; no cell holds
a formula (totals are computed here, exactly, in Decimal).
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from models.exports.copy_out import neutralise
from models.failures import ReviewDeskError
from models.review.counties import in_official_order

MONEY_FORMAT = "#,##0.00"
MAX_AMOUNT = Decimal("1e13")
DEMO_MARK = "【演示数据，非真实申报，不得对外使用】"
UNFILLED = "（未填写）"

SHEET_APPLICATIONS = "汇总表-申报"
SHEET_ITEMS = "汇总表-事项"
SHEET_COUNTIES = "汇总表-县区"
SHEET_INDUSTRIES = "汇总表-产业"
SHEET_PUBLIC = "公示名单"

AMOUNT_HEADERS = ("申请金额（元）", "核定上限（元）", "核定金额（元）")
GROUP_COUNT_HEADERS = ("申报件数", "核定件数")


@dataclass(frozen=True, slots=True)
class SummaryRow:
    application_id: str | int
    enterprise: str
    uscc: str
    county: str
    industry: str
    item_name: str
    requested_yuan: Decimal | None
    cap_yuan: Decimal | None
    approved_yuan: Decimal | None
    status_label: str

    def amounts(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        return self.requested_yuan, self.cap_yuan, self.approved_yuan

    def is_approved(self) -> bool:
        return self.approved_yuan is not None and self.approved_yuan > 0


class SummaryExportError(ReviewDeskError):
    """The workbook could not be written; the previous file, if any, is untouched."""


def to_number(amount: Decimal) -> float:
    """The cell value for an amount.

    XlsxWriter stores numbers as IEEE doubles; for two-decimal 元 amounts below
    1e13 the nearest double shows exactly the same digits under ``#,##0.00``,
    so this is the one place a float is acceptable.
    """
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"金额 {amount} 超出可导出范围")
    return float(amount)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class _Sheet:
    """One table: title row, header row (frozen), data rows, totals row; tracks column widths."""

    def __init__(self, book: _Book, name: str, title: str, headers: Sequence[str],
                 money_columns: AbstractSet[int], count_columns: AbstractSet[int] = frozenset()) -> None:
        self.book = book
        self.ws: Worksheet = book.wb.add_worksheet(name)
        self.money = money_columns
        self.counts = count_columns
        self.widths = [_display_width(h) for h in headers]
        self.row = 2
        self.ws.write_string(0, 0, book.title(title), book.fmt["title"])
        self.ws.set_row(0, 24)
        for col, header in enumerate(headers):
            self.ws.write_string(1, col, header, book.fmt["header"])
        self.ws.freeze_panes(2, 0)
        if book.demo:
            self.ws.set_header("&C" + DEMO_MARK)

    def add(self, values: Sequence[str | int | Decimal | None], total: bool = False) -> None:
        fmt = self.book.fmt
        for col, value in enumerate(values):
            if col in self.money:
                cell = fmt["money_total" if total else "money"]
                if value is None:
                    self.ws.write_blank(self.row, col, None, cell)
                    continue
                assert isinstance(value, Decimal)
                self.ws.write_number(self.row, col, to_number(value), cell)
                shown = f"{value:,.2f}"
            elif col in self.counts and isinstance(value, int):
                self.ws.write_number(self.row, col, value, fmt["count_total" if total else "count"])
                shown = str(value)
            else:
                shown = neutralise("" if value is None else str(value))
                self.ws.write_string(self.row, col, shown, fmt["text_total" if total else "text"])
            self.widths[col] = max(self.widths[col], _display_width(shown))
        self.row += 1

    def finish(self) -> None:
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, min(max(width + 2, 8), 60))


class _Book:
    def __init__(self, path: Path, demo: bool) -> None:
        self.demo = demo
        self.wb = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        border = {"border": 1, "font_name": "宋体", "font_size": 11}
        self.fmt: dict[str, Format] = {
            "title": self.wb.add_format({"bold": True, "font_size": 14, "font_name": "宋体",
                                         "font_color": "#C00000" if demo else "#000000"}),
            "header": self.wb.add_format({**border, "bold": True, "bg_color": "#D9E1F2",
                                          "align": "center", "valign": "vcenter", "text_wrap": True}),
            "text": self.wb.add_format(border),
            "text_total": self.wb.add_format({**border, "bold": True}),
            "money": self.wb.add_format({**border, "num_format": MONEY_FORMAT}),
            "money_total": self.wb.add_format({**border, "bold": True, "num_format": MONEY_FORMAT}),
            "count": self.wb.add_format({**border, "num_format": "0"}),
            "count_total": self.wb.add_format({**border, "bold": True, "num_format": "0"}),
        }
        if demo:
            self.wb.set_properties({"title": "演示数据", "comments": DEMO_MARK})

    def title(self, text: str) -> str:
        return f"{text}{DEMO_MARK}" if self.demo else text


def _sum(values: Sequence[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal("0.00"))


def _totals(rows: Sequence[SummaryRow]) -> list[Decimal]:
    return [_sum([row.amounts()[i] for row in rows]) for i in range(3)]


def _write_applications(book: _Book, rows: Sequence[SummaryRow]) -> None:
    headers = ("序号", "申报编号", "企业名称", "统一社会信用代码", "县区", "产业", "奖励事项",
               *AMOUNT_HEADERS, "审核状态")
    sheet = _Sheet(book, SHEET_APPLICATIONS, "奖励申报汇总表（逐件）", headers,
                   money_columns={7, 8, 9}, count_columns={0})
    for number, row in enumerate(rows, start=1):
        sheet.add([number, row.application_id, row.enterprise, row.uscc, row.county,
                   row.industry, row.item_name, *row.amounts(), row.status_label])
    sheet.add(["", f"合计（{len(rows)} 件）", "", "", "", "", "", *_totals(rows), ""], total=True)
    sheet.finish()


def _write_grouped(book: _Book, rows: Sequence[SummaryRow], name: str, label: str,
                   key: Callable[[SummaryRow], str], order: Sequence[str] = ()) -> None:
    groups: dict[str, list[SummaryRow]] = {name: [] for name in order}  # then as first met
    for row in rows:
        groups.setdefault(key(row).strip() or UNFILLED, []).append(row)
    groups = {group: members for group, members in groups.items() if members}
    headers = (label, *GROUP_COUNT_HEADERS, *AMOUNT_HEADERS)
    sheet = _Sheet(book, name, f"奖励申报汇总表（按{label}）", headers,
                   money_columns={3, 4, 5}, count_columns={1, 2})
    for group, members in groups.items():
        sheet.add([group, len(members), sum(1 for r in members if r.is_approved()), *_totals(members)])
    sheet.add(["合计", len(rows), sum(1 for r in rows if r.is_approved()), *_totals(rows)], total=True)
    sheet.finish()


def _write_public(book: _Book, rows: Sequence[SummaryRow]) -> None:
    approved = [row for row in rows if row.is_approved()]
    headers = ("序号", "企业名称", "统一社会信用代码", "县区", "奖励事项", "核定金额（元）")
    sheet = _Sheet(book, SHEET_PUBLIC, "拟奖励企业公示名单", headers,
                   money_columns={5}, count_columns={0})
    for number, row in enumerate(approved, start=1):
        sheet.add([number, row.enterprise, row.uscc, row.county, row.item_name, row.approved_yuan])
    sheet.add(["", f"合计（{len(approved)} 家次）", "", "", "", _totals(approved)[2]], total=True)
    sheet.finish()


def write_summary(path: str | Path, rows: Sequence[SummaryRow], *, demo: bool = False) -> None:
    """Write the summary workbook to ``path`` atomically (a temp file, then a rename).

    Raises ``SummaryExportError`` when the file cannot be written (for example
    when it is open in Excel/WPS), ``ValueError`` for an amount out of range.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".", suffix=".xlsx", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        book = _Book(tmp, demo)
        try:
            _write_applications(book, rows)
            _write_grouped(book, rows, SHEET_ITEMS, "奖励事项", lambda r: r.item_name)
            _write_grouped(book, rows, SHEET_COUNTIES, "县区", lambda r: r.county,
                           in_official_order(r.county.strip() for r in rows))
            _write_grouped(book, rows, SHEET_INDUSTRIES, "产业", lambda r: r.industry)
            _write_public(book, rows)
        finally:
            book.wb.close()
        os.replace(tmp, path)
    except (OSError, XlsxWriterException) as error:
        raise SummaryExportError(
            f"无法写入汇总表 {path.name}（{error}）。如该文件正在 Excel/WPS 中打开，请关闭后重试"
        ) from error
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
