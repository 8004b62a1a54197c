"""Intake files as county desks really send them: each shape is read as meant, or refused saying what to change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from models.intake.columns import HEADERS
from models.intake.problems import ImportRejected
from models.intake.validate import read_applications

TITLE = "2024年纺织服装产业技术改造奖补申报汇总表"


def _rows(intake, count: int = 2) -> list[list[object]]:
    return [[intake.row(n)[header] for header in HEADERS] for n in range(1, count + 1)]


def test_an_xls_workbook(intake, policy, tmp_path: Path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("申报")
    for c, header in enumerate(HEADERS):
        sheet.write(0, c, header)
    for r, row in enumerate(_rows(intake), start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "申报.xls"
    book.save(str(path))
    apps = read_applications(path, policy)
    assert [app.application_id for app in apps] == ["LC2024-001", "LC2024-002"]
    assert apps[0].total_investment_yuan == Decimal("8000000.00")
    assert apps[1].row == 3


def _workbook(path: Path, write) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    write(book, sheet)
    book.close()
    return path


def test_a_title_row_above_the_header(intake, policy, tmp_path: Path):
    def write(book, sheet):
        sheet.merge_range(0, 0, 0, len(HEADERS) - 1, TITLE)
        sheet.write_row(1, 0, HEADERS)
        for r, row in enumerate(_rows(intake), start=2):
            sheet.write_row(r, 0, row)

    apps = read_applications(_workbook(tmp_path / "标题.xlsx", write), policy)
    assert [(app.application_id, app.row) for app in apps] == [("LC2024-001", 3), ("LC2024-002", 4)]


def test_a_title_row_in_a_csv(intake, policy):
    path = intake.csv("标题.csv", [intake.row(1)])
    path.write_text(TITLE + "\n" + path.read_text(encoding="utf-8-sig"), encoding="utf-8")
    apps = read_applications(path, policy)
    assert [(app.application_id, app.row) for app in apps] == [("LC2024-001", 3)]


def test_a_total_row_at_the_bottom_is_not_an_application(intake, policy, tmp_path: Path):
    def write(book, sheet):
        sheet.write_row(0, 0, HEADERS)
        rows = _rows(intake)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
        sheet.write(3, 0, "合  计")
        sheet.write(3, HEADERS.index("总投资额(万元)"), 1600)

    apps = read_applications(_workbook(tmp_path / "合计.xlsx", write), policy)
    assert [app.application_id for app in apps] == ["LC2024-001", "LC2024-002"]


def test_footer_lines_below_the_total_row_are_not_applications(intake, policy):
    path = intake.csv("表尾.csv", [intake.row(1), intake.row(2)])
    width = len(HEADERS) - 1
    footer = ["合计" + "," * width, "," * width, "填表人：王五,联系电话：0635-8241234" + "," * (width - 1),
              "注：金额单位为万元" + "," * width]
    path.write_text(path.read_text(encoding="utf-8-sig") + "\n".join(footer) + "\n", encoding="utf-8")
    apps = read_applications(path, policy)
    assert [(app.application_id, app.row) for app in apps] == [("LC2024-001", 2), ("LC2024-002", 3)]


def test_a_footer_like_line_above_an_application_is_still_checked(intake, policy):
    path = intake.csv("表中.csv", [intake.row(1), intake.row(2, 申报编号="填表人：王五", 统一社会信用代码=""),
                                  intake.row(3)])
    with pytest.raises(ImportRejected) as refused:
        read_applications(path, policy)
    assert "第3行 统一社会信用代码" in str(refused.value)


def test_a_total_row_with_a_code_is_still_checked(intake, policy):
    path = intake.csv("合计.csv", [intake.row(1), intake.row(2, 申报编号="合计")])
    assert [app.application_id for app in read_applications(path, policy)] == ["LC2024-001", "合计"]


def test_merged_header_cells_over_two_rows(intake, policy, tmp_path: Path):
    amounts = [h for h in HEADERS if h.endswith("(万元)")]

    def write(book, sheet):
        merge = book.add_format({"align": "center"})
        for c, header in enumerate(HEADERS):
            if header in amounts:
                sheet.write(1, c, header.removesuffix("(万元)"))
            else:
                sheet.merge_range(0, c, 1, c, header, merge)
        first = HEADERS.index(amounts[0])
        sheet.merge_range(0, first, 0, first + 1, "投资（万元）", merge)
        for header in amounts[2:]:
            sheet.write(0, HEADERS.index(header), "金额（万元）")
        for r, row in enumerate(_rows(intake), start=2):
            sheet.write_row(r, 0, row)

    apps = read_applications(_workbook(tmp_path / "合并.xlsx", write), policy)
    assert [(app.application_id, app.row) for app in apps] == [("LC2024-001", 3), ("LC2024-002", 4)]
    assert apps[0].total_investment_yuan == Decimal("8000000.00")


def test_wan_inside_a_number_and_full_width_digits(intake, policy):
    path = intake.csv("万元.csv", [
        intake.row(1, **{"总投资额(万元)": "800万元", "设备购置额(万元)": "３００．５"}),
        intake.row(2, **{"总投资额(万元)": "１，２００万", "申报年度": "２０２４年"}),
    ])
    first, second = read_applications(path, policy)
    assert first.total_investment_yuan == Decimal("8000000.00")
    assert first.equipment_yuan == Decimal("3005000.00")
    assert second.total_investment_yuan == Decimal("12000000.00")
    assert second.application_year == 2024


def test_an_amount_in_yuan_is_refused_saying_to_convert(intake, policy):
    path = intake.csv("元.csv", [intake.row(1, **{"总投资额(万元)": "8000000元"})])
    with pytest.raises(ImportRejected) as caught:
        read_applications(path, policy)
    assert caught.value.lines()[1].startswith("第2行 总投资额(万元): 金额“8000000元”以元计，本列应以万元计")


@pytest.mark.parametrize("written", ["2023.9.1", "2023年9月1日", "2023 年 9 月 1 日", "２０２３－０９－０１"])
def test_dates_as_forms_write_them(intake, policy, written: str):
    path = intake.csv("日期.csv", [intake.row(1, 认定日期=written)])
    assert read_applications(path, policy)[0].recognised_on == date(2023, 9, 1)


def test_a_date_after_today_is_flagged_and_one_before_1990_refused(intake, policy):
    soon = date.today().replace(day=1)
    soon = soon.replace(year=soon.year + 1) if soon.month == 1 else soon.replace(month=soon.month - 1, year=soon.year + 1)
    path = intake.csv("将来.csv", [intake.row(1, 认定日期=soon.isoformat())])
    assert f"认定日期 {soon.isoformat()} 晚于今天，请核实" in read_applications(path, policy)[0].warnings
    path = intake.csv("过去.csv", [intake.row(1, 认定日期="1989-12-31")])
    with pytest.raises(ImportRejected) as caught:
        read_applications(path, policy)
    assert caught.value.lines()[1] == "第2行 认定日期: 日期 1989-12-31 早于下限 1990-01-01"


def test_a_near_miss_header_is_named_with_why(intake, policy):
    headers = [("企业名" if h == "企业名称" else "总投资额(元)" if h == "总投资额(万元)" else h) for h in HEADERS]
    rows = [{("企业名" if k == "企业名称" else "总投资额(元)" if k == "总投资额(万元)" else k): v
             for k, v in intake.row(1).items()}]
    with pytest.raises(ImportRejected) as caught:
        read_applications(intake.csv("表头.csv", rows, headers=headers), policy)
    lines = caught.value.lines()[1:]
    assert "第1行 企业名称: B列的表头“企业名”未能识别，是否应为“企业名称”？请改为模板中的列名" in lines
    assert "第1行 总投资额(万元): J列的表头“总投资额(元)”未能识别：金额须以万元计，表头应为“总投资额(万元)”" in lines


@pytest.mark.parametrize(("written", "template"), [("申报单位", "企业名称"), ("单位名称", "企业名称"),
                                                 ("县（市、区）", "所属县区"), ("申报类别", "申报事项")])
def test_a_header_desks_write_for_a_column_is_named_not_read(intake, policy, written: str, template: str):
    headers = [written if h == template else h for h in HEADERS]
    rows = [{(written if k == template else k): v for k, v in intake.row(1).items()}]
    with pytest.raises(ImportRejected) as caught:
        read_applications(intake.csv("别称.csv", rows, headers=headers), policy)
    letter = "ABCDEFGHIJKLMNOPQ"[HEADERS.index(template)]
    assert caught.value.lines()[1:] == [
        f"第1行 {template}: {letter}列的表头“{written}”未能识别，是否应为“{template}”？请改为模板中的列名"]


def test_header_problems_name_the_header_row_below_a_title(intake, policy):
    headers = [h for h in HEADERS if h != "企业名称"]
    path = intake.csv("缺列.csv", [intake.row(1)], headers=headers)
    path.write_text(TITLE + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        read_applications(path, policy)
    assert caught.value.lines()[1:] == ["第2行 企业名称: 缺少必填列"]


def _sheets(path: Path, *sheets: tuple[str, list[list[object]], bool]) -> Path:
    """A workbook of named sheets (name, rows, hidden), in that order."""
    book = xlsxwriter.Workbook(str(path))
    for name, rows, hidden in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
        if hidden:
            sheet.hide()
    book.close()
    return path


INSTRUCTIONS = [["填表说明"], ["1. 金额单位为万元"], ["2. 申报编号、企业名称、统一社会信用代码为必填"]]


def test_the_one_sheet_with_a_header_is_read_after_an_instructions_sheet(intake, policy, tmp_path: Path):
    path = _sheets(tmp_path / "两页.xlsx", ("填表说明", INSTRUCTIONS, False),
                   ("申报汇总", [[TITLE], list(HEADERS), *_rows(intake)], False))
    apps = read_applications(path, policy)
    assert [(app.application_id, app.row) for app in apps] == [("LC2024-001", 3), ("LC2024-002", 4)]


def test_two_sheets_with_headers_are_refused_naming_both(intake, policy, tmp_path: Path):
    rows = _rows(intake, 3)
    path = _sheets(tmp_path / "分县.xlsx", ("东昌府区", [list(HEADERS), rows[0]], False),
                   ("临清市", [list(HEADERS), rows[1]], False), ("备用", [list(HEADERS), rows[2]], True))
    with pytest.raises(ImportRejected) as refused:
        read_applications(path, policy)
    message = str(refused.value)
    for part in ("分县.xlsx", "3 个工作表含申报表头", "“东昌府区”", "“临清市”", "“备用”（隐藏）", "合并到一个工作表"):
        assert part in message, (part, message)


def test_a_sheet_listing_column_names_one_per_row_is_not_taken_for_data(intake, policy, tmp_path: Path):
    listing = [["列名", "说明"], *[[header, "见模板"] for header in HEADERS]]
    path = _sheets(tmp_path / "附说明.xlsx", ("申报", [list(HEADERS), *_rows(intake)], False),
                   ("列说明", listing, False))
    assert [app.application_id for app in read_applications(path, policy)] == ["LC2024-001", "LC2024-002"]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_text_kept_for_excel_as_a_formula_is_read_as_the_text(intake, policy, encoding: str):
    code = intake.row(1)["统一社会信用代码"]
    path = intake.csv("系统导出.csv", [intake.row(1, 申报编号='="007"', 统一社会信用代码=f'="{code}"'),
                                      intake.row(2, 企业名称='=SUM(A1:A2)')], encoding=encoding)
    apps = read_applications(path, policy)
    assert [(app.application_id, app.uscc) for app in apps][0] == ("007", code)
    assert apps[1].enterprise == "=SUM(A1:A2)"


def test_an_id_excel_turned_into_scientific_notation_is_refused(intake, policy):
    path = intake.csv("科学计数.csv", [intake.row(1, 申报编号="2.02E+07"), intake.row(2, 申报编号="LC2024-E+1")])
    with pytest.raises(ImportRejected) as refused:
        read_applications(path, policy)
    assert refused.value.lines()[1:] == ["第2行 申报编号: “2.02E+07”是 Excel 的科学计数法，原编号已丢失："
                                         "请在 Excel 中把该列设为“文本”，填回原编号后重新导出"]


def test_a_workbook_renamed_is_read_by_its_content(intake, policy, tmp_path: Path):
    workbook = intake.xlsx("申报.xlsx", [intake.row(1), intake.row(2)])
    for name in ("申报.xls", "申报.csv"):
        renamed = tmp_path / name
        renamed.write_bytes(workbook.read_bytes())
        assert [app.application_id for app in read_applications(renamed, policy)] == ["LC2024-001", "LC2024-002"]


def test_a_web_page_or_text_named_as_a_workbook_is_refused_saying_what_it_is(intake, policy, tmp_path: Path):
    page = tmp_path / "系统导出.xls"
    page.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>申报编号</td></tr></table>",
                    encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        read_applications(page, policy)
    assert "网页（HTML）表格" in str(refused.value) and "另存为 .xlsx" in str(refused.value)
    text = tmp_path / "申报.xlsx"
    text.write_bytes(intake.csv("申报.csv", [intake.row(1)]).read_bytes())
    with pytest.raises(ImportRejected) as refused:
        read_applications(text, policy)
    assert "扩展名改为 .csv" in str(refused.value)
