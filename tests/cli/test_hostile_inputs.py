"""Files built to break the importer: each gets a Chinese message with its parts, never a crash.

Every file is built here, at run time, and fed to ``assess`` and ``import`` in a child process
limited to 2 GiB of address space and a timeout. The assertions name the limit, the row and the
column, so a catch-all message fails them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.intake.columns import HEADERS
from tests.cli.hostile import (both_commands, deep_json, far_corner_xlsx, inflating_xlsx, many_digits_csv,
                               memory_allowed, xlsx_file)
from tests.workspace_support import intake_row, write_csv


def _assert_refused(path: Path, workspace: Path, *parts: str) -> None:
    for result in both_commands(path, workspace):
        assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        first = result.stderr.splitlines()[0]
        assert first.startswith(f"文件 {path.name} "), first
        for part in parts:
            assert part in result.stderr, (part, result.stderr[:2000])
        assert result.peak_bytes is not None and result.peak_bytes <= memory_allowed(path), result.peak_bytes
    assert not (workspace / "reviewdesk.db").exists() or _count(workspace) == 0


def _count(workspace: Path) -> int:
    import sqlite3

    with sqlite3.connect(workspace / "reviewdesk.db") as db:
        return db.execute("select count(*) from applications").fetchone()[0]


def test_a_lone_cell_at_xfd1048576(tmp_path: Path) -> None:
    path = far_corner_xlsx(tmp_path / "远角.xlsx")
    assert path.stat().st_size < 10_000
    _assert_refused(path, tmp_path / "ws", "XFD1048576", "16384 列", "200 列上限")


def test_a_lone_cell_at_xfd1048576_on_a_later_sheet(tmp_path: Path) -> None:
    path = far_corner_xlsx(tmp_path / "远角.xlsx", sheets=2)
    _assert_refused(path, tmp_path / "ws", "工作表“Sheet2”", "XFD1048576", "16384 列", "200 列上限")


def test_a_sheet_that_inflates_past_the_limit(tmp_path: Path) -> None:
    path = inflating_xlsx(tmp_path / "炸弹.xlsx")
    assert path.stat().st_size < 5_000_000
    _assert_refused(path, tmp_path / "ws", "解压后超过 512 MB 上限", "xl/worksheets/sheet1.xml")


def test_json_nested_a_thousand_levels(tmp_path: Path) -> None:
    path = deep_json(tmp_path / "深.json")
    _assert_refused(path, tmp_path / "ws", "第1条记录（第2行）", "嵌套超过 3 层上限")


@pytest.mark.parametrize("digits, parts", [
    (1_000_000, ("第2行 申请金额(万元)", "1,000,000 个字符", "2,000 个字符上限")),
    (1_500, ("第2行 申请金额(万元)", "超过上限 1000000 万元（10000000000 元）")),
])
def test_an_amount_with_very_many_digits(tmp_path: Path, digits: int, parts: tuple[str, ...]) -> None:
    path = many_digits_csv(tmp_path / "大数.csv", digits)
    _assert_refused(path, tmp_path / "ws", *parts)


def test_a_nul_inside_a_cell(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "空字符.csv", [intake_row(1), intake_row(2, 企业名称="聊城\x00恒润")])
    _assert_refused(path, tmp_path / "ws", "第3行 企业名称", "U+0000", "第3个字符")


def test_a_zero_width_space_in_a_code(tmp_path: Path) -> None:
    row = intake_row(1)
    path = write_csv(tmp_path / "零宽.csv", [{**row, "申报编号": "T\u200b00001"}])
    _assert_refused(path, tmp_path / "ws", "第2行 申报编号", "U+200B（零宽空格）")


def test_a_fifty_megabyte_enterprise_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "长名.csv", [intake_row(1, 企业名称="聊" * 50_000_000)], encoding="utf-8")
    _assert_refused(path, tmp_path / "ws", "第2行 企业名称", "50,000,000 个字符", "100 个字符上限")


def test_duplicate_keys_in_a_json_record(tmp_path: Path) -> None:
    path = tmp_path / "重复键.json"
    record = json.dumps(intake_row(1), ensure_ascii=False)
    path.write_text("[" + record[:-1] + ', "企业名称": "另一家"}]', encoding="utf-8")
    _assert_refused(path, tmp_path / "ws", "第2行 企业名称", "该键在同一条记录中出现了不止一次")


def test_a_recognition_date_of_9999_12_31(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "远日.csv", [intake_row(1, 认定日期="9999-12-31")])
    _assert_refused(path, tmp_path / "ws", "第2行 认定日期", "9999-12-31", "晚于上限")


@pytest.mark.parametrize("serial", [0, -1])
def test_excel_serial_dates_zero_and_minus_one(tmp_path: Path, serial: int) -> None:
    row = list(intake_row(1).values())
    row[HEADERS.index("认定日期")] = serial
    path = xlsx_file(tmp_path / f"序号{serial}.xlsx", [list(HEADERS), row], (HEADERS.index("认定日期"),))
    _assert_refused(path, tmp_path / "ws", "第2行 认定日期", "而不是日期", "Excel 日期序号为 0 或负数")


def test_mixed_utf8_and_gbk(tmp_path: Path) -> None:
    path = tmp_path / "混合.csv"
    rows = [intake_row(n) for n in range(1, 4)]
    utf8 = write_csv(tmp_path / "u.csv", rows[:2], encoding="utf-8").read_bytes()
    gbk = ",".join(rows[2].values()).encode("gbk") + b"\r\n"
    path.write_bytes(utf8 + gbk)
    _assert_refused(path, tmp_path / "ws", "第4行无法按 UTF-8 解码")


def test_utf16(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "宽.csv", [intake_row(1)], encoding="utf-16")
    _assert_refused(path, tmp_path / "ws", "UTF-16")


def test_a_zero_width_space_in_a_header_is_read_as_the_header(tmp_path: Path) -> None:
    path = tmp_path / "表头零宽.csv"
    text = write_csv(tmp_path / "u.csv", [intake_row(1)], encoding="utf-8").read_text(encoding="utf-8")
    path.write_text(text.replace("企业名称", "企业\u200b名称", 1), encoding="utf-8")
    assess, imported = both_commands(path, tmp_path / "ws")
    assert assess.returncode == 0, assess.stderr
    assert imported.returncode == 0, imported.stderr
