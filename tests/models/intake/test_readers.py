"""Reading CSV, XLSX and JSON into raw cells; unreadable files in one line."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from models.intake.problems import UnreadableFile
from models.intake.readers import (
    column_index,
    column_letters,
    detect_csv_encoding,
    first_sheet_formula_cells,
    read_raw_rows,
    read_table,
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str):
    path = tmp_path / "a.csv"
    path.write_text("申报编号,企业名称\nA-1,聊城恒润纺织\n", encoding=encoding)
    table = read_table(path)
    assert table.headers == ["申报编号", "企业名称"]
    assert table.columns == [["A-1"], ["聊城恒润纺织"]]


def test_encoding_detection():
    assert detect_csv_encoding("甲".encode()) == "utf-8-sig"
    assert detect_csv_encoding("甲".encode("gbk")) == "gb18030"
    # valid UTF-8 at first, GBK later: strict decoding of the whole file decides
    assert detect_csv_encoding(b"a" * 70_000 + "乙".encode("gbk")) == "gb18030"


def test_csv_text_stays_text(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("申报编号,备注,金额\n007,NA,1.50\n0010,null,N/A\n", encoding="utf-8")
    table = read_table(path)
    assert table.columns == [["007", "0010"], ["NA", "null"], ["1.50", "N/A"]]


def test_blank_rows_are_skipped_and_row_numbers_kept(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("申报编号,企业名称\nA,甲\n\n,\n \u3000, \nB,乙\n", encoding="utf-8")
    table = read_table(path)
    assert table.columns == [["A", "B"], ["甲", "乙"]]
    assert table.row_numbers == [2, 6]


def test_quoted_cells_with_commas_and_newlines(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text('申报编号,附件\nA,"a.pdf,b.pdf"\nB,"第一行\n第二行"\nC,c\n', encoding="utf-8")
    table = read_table(path)
    assert table.columns[1] == ["a.pdf,b.pdf", "第一行\n第二行", "c"]
    assert table.row_numbers == [2, 3, 4]  # rows as Excel counts them


def test_xlsx_cells_keep_their_types(intake):
    path = intake.xlsx("a.xlsx", [{"申报编号": 123, "认定日期": date(2023, 9, 1), "企业名称": "007"}],
                       headers=["申报编号", "企业名称", "认定日期"])
    table = read_table(path)
    assert table.columns == [[123.0], ["007"], [date(2023, 9, 1)]]
    assert table.row_numbers == [2]


def test_formula_cells_on_the_first_sheet(tmp_path: Path):
    import xlsxwriter

    path = tmp_path / "f.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    first = workbook.add_worksheet("申报")
    second = workbook.add_worksheet("其他")
    first.write_row(0, 0, ["申报编号", "申请金额(万元)"])
    first.write_string(1, 0, "A")
    first.write_formula(1, 1, "=1+1", None, 2)
    first.write_formula(3, 27, "=B2", None, 2)  # AB4
    second.write_formula(5, 5, "=1", None, 1)
    workbook.close()
    assert first_sheet_formula_cells(path) == {(2, 1), (4, 27)}


def test_formula_cells_found_whatever_the_sheet_part_is_called(tmp_path: Path):
    path = tmp_path / "g.xlsx"
    sheet = ('<worksheet xmlns="x"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '<row r="5"><c r="A5" s="1"/><c r="D5"><f>SUM(A1:A4)</f><v>0</v></c>'
             '<c r="E5"><f t="shared" si="0"/><v>1</v></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets>'
                         '<sheet name="甲" sheetId="1" r:id="rId7"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships>'
                         '<Relationship Id="rId7" Type="worksheet" Target="/xl/worksheets/data.xml"/>'
                         '</Relationships>')
        archive.writestr("xl/worksheets/data.xml", sheet)
    assert first_sheet_formula_cells(path) == {(5, 3), (5, 4)}


def test_column_letters_round_trip():
    for index in (0, 25, 26, 27, 701, 702):
        assert column_index(column_letters(index)) == index
    assert column_letters(27) == "AB"


def test_json_rows(tmp_path: Path):
    path = tmp_path / "a.json"
    path.write_text('[{"申报编号": "A", "申请金额(万元)": 12.345678, "数量": 2, "附件": ["a", "b"]},'
                    ' {"申报编号": "B", "备注": null}]', encoding="utf-8")
    table = read_table(path)
    assert table.headers == ["申报编号", "申请金额(万元)", "数量", "附件", "备注"]
    from decimal import Decimal

    assert table.columns[1] == [Decimal("12.345678"), ""]
    assert table.columns[2] == [2, ""]
    assert table.columns[3] == ["a；b", ""]
    assert table.row_numbers == [2, 3]


def test_json_element_that_is_not_an_object(tmp_path: Path):
    path = tmp_path / "a.json"
    path.write_text('[{"申报编号": "A"}, 5, {"申报编号": "C", "x": {"y": 1}}]', encoding="utf-8")
    table = read_table(path)
    assert [p.line() for p in table.problems] == ["第3行 （整行）: 应为对象，键为列名",
                                                  "第4行 x: 不支持嵌套的对象或数组"]
    assert table.row_numbers == [2, 4]


@pytest.mark.parametrize("name, content, reason", [
    ("missing.csv", None, "找不到该文件"),
    ("a.txt", "x", "只能导入 XLS、CSV、XLSX 或 JSON 文件"),
    ("empty.csv", "", "文件是空的，没有表头行"),
    ("broken.xlsx", "\x00\x01\x02 not a zip", "不是有效的 XLSX 文件"),
    ("text.xlsx", "申报编号,企业名称", "扩展名是 .xlsx，内容却是文本而不是 Excel 工作簿；若是 CSV，请把扩展名改为 .csv"),
    ("broken.json", "[{", "不是有效的 JSON"),
    ("object.json", '{"a": 1}', "JSON 顶层应为数组"),
    ("wide.csv", "申报编号,企业名称\nA,B,C\n", "第2行有 3 个字段，多于表头的 2 列"),
])
def test_unreadable_files_are_one_line(tmp_path: Path, name: str, content: str | None, reason: str):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UnreadableFile) as caught:
        read_table(path)
    lines = caught.value.lines()
    assert len(lines) == 1
    assert lines[0].startswith(f"文件 {name} 无法读取：{reason}")
    assert str(caught.value) == lines[0]


def test_a_directory_is_not_a_file(tmp_path: Path):
    with pytest.raises(UnreadableFile, match="不是文件"):
        read_table(tmp_path)


def test_preview_gives_the_first_rows_with_the_files_own_headers(intake):
    rows = [intake.row(n) for n in range(1, 30)]
    path = intake.csv("a.csv", rows, headers=["序号", *rows[0]])
    headers, preview = read_raw_rows(path, limit=5)
    assert headers[:3] == ["序号", "申报编号", "企业名称"]
    assert len(preview) == 5
    assert preview[0][1:3] == ["LC2024-001", "聊城第1纺织有限公司"]


def test_csv_headers_are_stripped_and_lose_the_bom(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text(" 申报编号 ,备注 \nA-1,x\n", encoding="utf-8-sig")
    assert read_table(path).headers == ["申报编号", "备注"]
