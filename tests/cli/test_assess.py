"""``main.py assess`` on the files intake desks really produce."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter

from models.intake.columns import HEADERS
from tests.workspace_support import intake_row, valid_uscc, write_csv

ROOT = Path(__file__).resolve().parents[2]
TECH = {"申报事项": "技术改造项目", "产业": "纺织服装", "亩产效益评价": "A", "设备购置额(万元)": "300"}
ROWS = [
    intake_row(1, 认定日期="2023/8/27"),
    intake_row(2, 认定日期="2023/8/26"),
    intake_row(3, **TECH, **{"总投资额(万元)": "500"}),
    intake_row(4, **TECH, **{"总投资额(万元)": "499.99"}),
    intake_row(5, 申报事项="国家级重点人才工程领军人才", 产业="纺织服装", **{"上级资助金额(万元)": "1234.56"}),
    intake_row(6, 申报事项="人才飞地研发机构", 产业="纺织服装", 飞地所在地区="四川省成都市", 绩效评估="合格"),
    intake_row(7, 申报事项="外资企业入驻", 产业="纺织服装"),
]
EXPECTED = [
    ("eligible", "500000.00"), ("needs_review", "500000.00"), ("eligible", "300000.00"),
    ("ineligible", "0.00"), ("eligible", "4000000.00"), ("ineligible", "0.00"), ("referral", None),
]


def assess(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "assess", str(path), *extra], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8")


def _check(result: subprocess.CompletedProcess[str]) -> list[dict]:
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert [(a["status"], a["cap_yuan"]) for a in answers] == EXPECTED
    assert list(answers[0]) == ["application_id", "item_id", "item_name", "clause", "status", "cap_yuan",
                                "recommended_yuan", "flags", "trace"]
    return answers


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_excel_writes(tmp_path: Path, encoding: str) -> None:
    answers = _check(assess(write_csv(tmp_path / "申报.csv", ROWS, encoding=encoding), "--json"))
    assert answers[0]["clause"] == "生物医药 二（三）1"
    assert answers[3]["recommended_yuan"] == "0.00"
    assert answers[6]["recommended_yuan"] is None


def test_xlsx_with_numeric_and_date_cells(tmp_path: Path) -> None:
    path = tmp_path / "申报.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy/m/d"})
    sheet.write_row(0, 0, HEADERS)
    numeric = {"总投资额(万元)", "设备购置额(万元)", "上级资助金额(万元)", "申请金额(万元)", "申报年度"}
    for r, row in enumerate(ROWS, start=1):
        for c, header in enumerate(HEADERS):
            value = row[header]
            if header == "认定日期" and value:
                sheet.write_datetime(r, c, dt.datetime.strptime(value.replace("-", "/"), "%Y/%m/%d"), date_format)
            elif header in numeric and value:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    answers = _check(assess(path, "--json"))
    assert "1234.56万元" in "".join(answers[4]["trace"])


def test_json_with_numbers_and_strings(tmp_path: Path) -> None:
    records = []
    for row in ROWS:
        record: dict[str, object] = {k: v for k, v in row.items() if v != ""}
        for key in ("总投资额(万元)", "上级资助金额(万元)"):
            if key in record:
                record[key] = float(record[key]) if "." in str(record[key]) else int(str(record[key]))
        records.append(record)
    path = tmp_path / "申报.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    _check(assess(path, "--json"))


def test_rejected_file_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    bad_check = valid_uscc(8)[:-1] + ("0" if valid_uscc(8)[-1] != "0" else "1")
    rows = [
        intake_row(1, 统一社会信用代码=bad_check),
        intake_row(2, **{"申请金额(万元)": "-3"}),
        intake_row(3),
        intake_row(3),
        intake_row(5, 申报事项="国家专精特新企"),
        intake_row(6, 认定日期="2023-02-30"),
    ]
    result = assess(write_csv(tmp_path / "坏.csv", rows), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "文件 坏.csv 未导入，共 5 处问题"
    assert [line.split(" ")[0] for line in lines[1:]] == ["第2行", "第3行", "第5行", "第6行", "第7行"]
    assert "统一社会信用代码" in lines[1] and "申请金额(万元)" in lines[2] and "申报编号" in lines[3]
    assert "国家级专精特新企业" in lines[4] and "认定日期" in lines[5]


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = assess(tmp_path / "没有.csv")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "没有.csv" in result.stderr


def test_table_output_is_readable(tmp_path: Path) -> None:
    result = assess(write_csv(tmp_path / "申报.csv", ROWS))
    assert result.returncode == 0
    assert "结论：符合条件" in result.stdout and "共 7 件" in result.stdout
