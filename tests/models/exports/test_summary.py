"""The summary workbook: numeric amounts, exact group sums, no formulas, injection neutralised."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from models.exports.workbook import (
    DEMO_MARK,
    SummaryExportError,
    SummaryRow,
    neutralise,
    to_number,
    write_summary,
)

D = Decimal
EVIL = '=HYPERLINK("http://x","点我")'

ROWS = [
    SummaryRow("A001", "聊城市东昌府区甲科技有限公司", "91371500MA3C000001", "东昌府区", "新材料",
               "首次认定高新技术企业", D("300000.00"), D("300000.00"), D("300000.00"), "已核定"),
    SummaryRow("A002", EVIL, "91371500MA3C000002", "临清市", "新材料",
               "首次认定高新技术企业", D("300000.00"), D("300000.00"), D("0.00"), "不予奖励"),
    SummaryRow("A003", "+cmd|' /C calc'!A0", "91371500MA3C000003", "临清市", "高端装备",
               "省级专精特新企业", D("100000.10"), None, None, "待审核"),
    SummaryRow(4, "-2+3", "91371500MA3C000004", "东昌府区", "高端装备",
               "省级专精特新企业", D("123456.78"), D("200000.00"), D("123456.78"), "已核定"),
    SummaryRow("A005", "@SUM(A1)", "91371500MA3C000005", "", "新材料",
               "首次认定高新技术企业", D("0.01"), D("300000.00"), D("0.01"), "已核定"),
]


def _sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "汇总.xlsx"
    write_summary(path, ROWS)
    return path


def test_sheets(book: Path):
    assert CalamineWorkbook.from_path(str(book)).sheet_names == [
        "汇总表-申报", "汇总表-事项", "汇总表-县区", "汇总表-产业", "公示名单",
    ]


def test_application_sheet(book: Path):
    rows = _sheet(book, "汇总表-申报")
    assert rows[0][0] == "奖励申报汇总表（逐件）"
    assert rows[1] == ["序号", "申报编号", "企业名称", "统一社会信用代码", "县区", "产业", "奖励事项",
                       "申请金额（元）", "核定上限（元）", "核定金额（元）", "审核状态"]
    data = rows[2:-1]
    assert [r[0] for r in data] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert [r[1] for r in data] == ["A001", "A002", "A003", "4", "A005"]
    assert data[0][7:10] == [300000.0, 300000.0, 300000.0]
    assert data[2][7:10] == [100000.1, "", ""]  # None stays empty, not 0
    for r in data:
        assert all(isinstance(v, float) or v == "" for v in r[7:10])
    total = rows[-1]
    assert total[1] == "合计（5 件）"
    assert total[7:10] == [
        float(D("300000.00") * 2 + D("100000.10") + D("123456.78") + D("0.01")),
        float(D("300000.00") * 3 + D("200000.00")),
        float(D("300000.00") + D("123456.78") + D("0.01")),
    ]


def test_group_sheets_sum_per_group(book: Path):
    items = _sheet(book, "汇总表-事项")
    assert items[1] == ["奖励事项", "申报件数", "核定件数", "申请金额（元）", "核定上限（元）", "核定金额（元）"]
    assert items[2:] == [
        ["首次认定高新技术企业", 3.0, 2.0, 600000.01, 900000.0, 300000.01],
        ["省级专精特新企业", 2.0, 1.0, 223456.88, 200000.0, 123456.78],
        ["合计", 5.0, 3.0, 823456.89, 1100000.0, 423456.79],
    ]
    counties = _sheet(book, "汇总表-县区")
    assert counties[2:] == [
        ["东昌府区", 2.0, 2.0, 423456.78, 500000.0, 423456.78],
        ["临清市", 2.0, 0.0, 400000.1, 300000.0, 0.0],
        ["（未填写）", 1.0, 1.0, 0.01, 300000.0, 0.01],
        ["合计", 5.0, 3.0, 823456.89, 1100000.0, 423456.79],
    ]
    industries = _sheet(book, "汇总表-产业")
    assert industries[2:] == [
        ["新材料", 3.0, 2.0, 600000.01, 900000.0, 300000.01],
        ["高端装备", 2.0, 1.0, 223456.88, 200000.0, 123456.78],
        ["合计", 5.0, 3.0, 823456.89, 1100000.0, 423456.79],
    ]


def test_public_list_has_only_approved_amounts(book: Path):
    rows = _sheet(book, "公示名单")
    assert rows[1] == ["序号", "企业名称", "统一社会信用代码", "县区", "奖励事项", "核定金额（元）"]
    assert rows[2:] == [
        [1.0, "聊城市东昌府区甲科技有限公司", "91371500MA3C000001", "东昌府区", "首次认定高新技术企业", 300000.0],
        [2.0, "'-2+3", "91371500MA3C000004", "东昌府区", "省级专精特新企业", 123456.78],
        [3.0, "'@SUM(A1)", "91371500MA3C000005", "", "首次认定高新技术企业", 0.01],
        ["", "合计（3 家次）", "", "", "", 423456.79],
    ]


def test_formula_like_text_is_neutralised(book: Path):
    names = [r[2] for r in _sheet(book, "汇总表-申报")[2:-1]]
    assert names[1] == "'" + EVIL
    assert names[2] == "'+cmd|' /C calc'!A0"
    assert names[3] == "'-2+3"
    assert names[4] == "'@SUM(A1)"
    assert names[0] == "聊城市东昌府区甲科技有限公司"


@pytest.mark.parametrize(
    ("text", "shown"),
    [("=1", "'=1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
     ("a=1", "a=1"), ("", ""), ("'=1", "'=1"), ("１", "１")],
)
def test_neutralise(text: str, shown: str):
    assert neutralise(text) == shown


def test_no_formula_anywhere(book: Path):
    with zipfile.ZipFile(book) as archive:
        sheets = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert len(sheets) == 5
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, name
        # text went to the shared strings table, not inline as formulas
        assert "HYPERLINK" in archive.read("xl/sharedStrings.xml").decode("utf-8")


def test_money_format_freeze_and_widths(book: Path):
    with zipfile.ZipFile(book) as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
        sheet1 = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert 'formatCode="#,##0.00"' in styles
    assert 'ySplit="2"' in sheet1 and 'state="frozen"' in sheet1
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([\d.]+)"', sheet1)]
    # 企业名称 column fits 14 CJK characters (28 units) plus padding
    assert widths[2] >= 30


def test_demo_marking(tmp_path: Path):
    path = tmp_path / "demo.xlsx"
    write_summary(path, ROWS, demo=True)
    for name in ("汇总表-申报", "汇总表-事项", "汇总表-县区", "汇总表-产业", "公示名单"):
        assert "演示数据" in _sheet(path, name)[0][0]
    assert DEMO_MARK in _sheet(path, "汇总表-申报")[0][0]
    assert _sheet(path, "公示名单")[2][1] == "聊城市东昌府区甲科技有限公司"  # data unchanged
    plain = tmp_path / "plain.xlsx"
    write_summary(plain, ROWS)
    assert "演示数据" not in _sheet(plain, "汇总表-申报")[0][0]


def test_empty_rows_still_make_a_workbook(tmp_path: Path):
    path = tmp_path / "empty.xlsx"
    write_summary(path, [])
    assert _sheet(path, "汇总表-事项")[2:] == [["合计", 0.0, 0.0, 0.0, 0.0, 0.0]]
    assert _sheet(path, "公示名单")[2:] == [["", "合计（0 家次）", "", "", "", 0.0]]


def test_to_number_is_exact_for_two_decimal_amounts():
    for text in ("0.01", "0.10", "123456.78", "9999999999999.99", "1234567890123.45"):
        assert f"{to_number(D(text)):.2f}" == text
    for bad in ("1e13", "-1e13", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            to_number(D(bad))


def test_failure_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path):
    path = tmp_path / "汇总.xlsx"
    path.write_bytes(b"previous")
    bad = [*ROWS, SummaryRow("X", "乙", "", "", "", "", D("1e14"), None, None, "")]
    with pytest.raises(ValueError):
        write_summary(path, bad)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总.xlsx"]


def test_unwritable_target_raises_chinese_error(tmp_path: Path):
    with pytest.raises(SummaryExportError, match="无法写入汇总表"):
        write_summary(tmp_path / "没有这个文件夹" / "汇总.xlsx", ROWS)


def test_counties_follow_the_citys_order_whatever_the_row_order(tmp_path: Path):
    path = tmp_path / "倒序.xlsx"
    write_summary(path, list(reversed(ROWS)))
    assert [row[0] for row in _sheet(path, "汇总表-县区")[2:]] == ["东昌府区", "临清市", "（未填写）", "合计"]
