"""The blank intake template: an XLSX the desk fills in and imports back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from models.intake.columns import COLUMNS, Column, Kind
from models.intake.values import registered_industries

TEMPLATE_SHEET = "申报"
RULES_SHEET = "说明"
_TEXT_KINDS = frozenset({Kind.ID, Kind.TEXT, Kind.USCC, Kind.INDUSTRY, Kind.ITEM, Kind.GRADE,
                         Kind.PERFORMANCE, Kind.ATTACHMENTS})
_PREFORMATTED_ROWS = 2000


def write_template(path: str | Path, rows: Iterable[Mapping[str, object]] = ()) -> Path:
    """Write the template; returns its path. Text columns are formatted as text so Excel
    keeps leading zeros and never turns a 统一社会信用代码 into a number.

    ``rows`` (header → value, amounts in 万元) pre-fills it, e.g. to hand back a file.
    """
    import xlsxwriter

    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path))
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                      "text_wrap": True, "valign": "vcenter"})
        required_header = workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1,
                                               "text_wrap": True, "valign": "vcenter"})
        text = workbook.add_format({"num_format": 49})  # Excel's built-in "@": text
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        whole = workbook.add_format({"num_format": "0"})
        amount = workbook.add_format({"num_format": "0.00####"})

        sheet = workbook.add_worksheet(TEMPLATE_SHEET)
        sheet.freeze_panes(1, 0)
        sheet.set_row(0, 32)
        for index, column in enumerate(COLUMNS):
            if column.kind in _TEXT_KINDS:
                cell_format, width = text, 20
            elif column.kind is Kind.DATE:
                cell_format, width = day, 12
            elif column.kind is Kind.AMOUNT:
                cell_format, width = amount, 14
            else:
                cell_format, width = whole, 10
            if column.kind in (Kind.USCC, Kind.ITEM, Kind.ATTACHMENTS):
                width = 26
            sheet.set_column(index, index, width, cell_format)
            sheet.write_string(0, index, column.header, required_header if column.required else header)
            sheet.write_comment(0, index, column_rule(column), {"x_scale": 2})
        _add_choices(sheet, _PREFORMATTED_ROWS)
        for row_index, row in enumerate(rows, start=1):
            for index, column in enumerate(COLUMNS):
                _write_value(sheet, row_index, index, row.get(column.header), day)

        rules = workbook.add_worksheet(RULES_SHEET)
        rules.set_column(0, 0, 22)
        rules.set_column(1, 1, 80)
        rules.write_row(0, 0, ["列名", "填写要求"], header)
        for rule_row, column in enumerate(COLUMNS, start=1):
            rules.write_row(rule_row, 0, [column.header, column_rule(column)])
        notes = [
            "每行一条申报；表头必须保留在第1行，可以增加“序号”“备注”等其他列，导入时忽略。",
            "金额一律以万元填写，导入后按元精确换算（1万元 = 10000元）。",
            "请勿使用公式：含公式的单元格会被拒绝，请“选择性粘贴 → 数值”。",
            "文件中任何一处有误，整个文件都不会导入，并列出全部问题的行号与列名。",
        ]
        for offset, note in enumerate(notes, start=len(COLUMNS) + 2):
            rules.write_string(offset, 0, "注意" if offset == len(COLUMNS) + 2 else "")
            rules.write_string(offset, 1, note)
    finally:
        workbook.close()
    return path


def column_rule(column: Column) -> str:
    """The 说明 line for a column; 产业 lists the measures of every registered policy version."""
    if column.kind is Kind.INDUSTRY:
        return f"{column.rule}：{' 或 '.join(registered_industries())}"
    return column.rule


def _add_choices(sheet: Any, rows: int) -> None:  # an xlsxwriter Worksheet (untyped)
    """Drop-down lists where a column takes one of a few values."""
    choices = {Kind.INDUSTRY: list(registered_industries()), Kind.GRADE: ["A", "B", "C", "D"],
               Kind.PERFORMANCE: ["合格", "不合格"]}
    for index, column in enumerate(COLUMNS):
        if column.kind in choices:
            sheet.data_validation(1, index, rows, index, {
                "validate": "list", "source": choices[column.kind], "ignore_blank": True,
                "error_type": "warning",
            })


def _write_value(sheet: Any, row: int, column: int, value: object, day_format: Any) -> None:  # xlsxwriter types (untyped)
    if value is None or value == "":
        return
    if isinstance(value, (datetime, date)):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        sheet.write_datetime(row, column, moment, day_format)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        sheet.write_number(row, column, float(value))
    else:
        sheet.write_string(row, column, str(value))
