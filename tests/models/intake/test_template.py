"""The XLSX template: headers in order, text columns as text, and it reads back."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from models.intake.columns import COLUMNS, HEADERS
from models.intake.validate import read_applications
from models.intake.readers import read_raw_rows
from models.intake.template import RULES_SHEET, write_template
from models.intake.values import registered_industries


def test_empty_template_reads_back_as_no_applications(tmp_path: Path, policy):
    path = write_template(tmp_path / "申报模板.xlsx")
    headers, rows = read_raw_rows(path)
    assert headers == list(HEADERS)
    assert rows == []
    assert read_applications(path, policy) == []


def test_code_columns_are_formatted_as_text(tmp_path: Path):
    path = write_template(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    cell_formats = re.findall(r'<xf [^>]*?numFmtId="(\d+)"', styles.split("<cellXfs", 1)[1])
    column_style: dict[int, int] = {}
    for low, high, style in re.findall(r'<col min="(\d+)" max="(\d+)"[^>]*style="(\d+)"', sheet):
        for column in range(int(low), int(high) + 1):
            column_style[column] = int(style)
    text_format = "49"  # Excel's built-in "@"
    for header in ("申报编号", "统一社会信用代码", "申报事项", "附件"):
        column = HEADERS.index(header) + 1
        assert cell_formats[column_style[column]] == text_format, header
    assert cell_formats[column_style[HEADERS.index("认定日期") + 1]] != text_format


def test_rules_sheet_lists_every_column(tmp_path: Path):
    path = write_template(tmp_path / "t.xlsx")
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    rules = workbook.get_sheet_by_name(RULES_SHEET).to_python()
    listed = {row[0]: row[1] for row in rules[1: len(COLUMNS) + 1]}
    assert list(listed) == list(HEADERS)
    assert "GB 32100-2015" in listed["统一社会信用代码"]
    for measure in registered_industries():
        assert measure in listed["产业"]


def test_filled_template_round_trips(tmp_path: Path, intake, policy):
    rows = [
        {**intake.row(1), "申报编号": "007", "认定日期": date(2023, 9, 1), "申报年度": 2024,
         "总投资额(万元)": Decimal("1234.56"), "设备购置额(万元)": 1000, "申请金额(万元)": Decimal("60.123456")},
        {**intake.row(2), "申报事项": "人才飞地研发机构", "飞地所在地区": "上海", "绩效评估": "合格",
         "亩产效益评价": "", "总投资额(万元)": "", "设备购置额(万元)": "", "附件": "飞地协议；营业执照"},
    ]
    path = write_template(tmp_path / "filled.xlsx", rows)
    first, second = read_applications(path, policy)
    assert first.application_id == "007"
    assert first.uscc == intake.uscc(1)
    assert first.recognised_on == date(2023, 9, 1)
    assert first.total_investment_yuan == Decimal("12345600.00")
    assert first.equipment_yuan == Decimal("10000000.00")
    assert first.requested_yuan == Decimal("601234.56")
    assert (second.item_id, second.enclave_region, second.performance) == ("tex-enclave-rd", "上海", "合格")
    assert second.total_investment_yuan is None
    assert second.attachments == ("飞地协议", "营业执照")
    assert (first.row, second.row) == (2, 3)
