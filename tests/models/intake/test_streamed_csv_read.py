"""A large CSV read by the worker a few lines at a time (as many as a chunk's rows): what it stores, or refuses,
is what one process reading the whole file stores or refuses, whichever line a piece of the file ends on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import xlsxwriter

from models.intake import importing, readers
from models.intake.columns import HEADERS
from models.intake.problems import UnreadableFile
from models.workspace.verification import verify_workspace
from policy.catalog import DEFAULT_VERSION
from tests.models.intake import test_streamed_import
from tests.models.intake.test_streamed_import import ONE_PROCESS, STORED, _both_ways, _one_process, _rows
from tests.policy.fixture_version import fixture_version_registered
from tests.workspace_support import import_as, intake_row, staffed_workspace, valid_uscc, write_csv

_as_in_the_cli = test_streamed_import._as_in_the_cli  # the fixtures: a fork is safe, and chunks of 3 rows
streaming = test_streamed_import.streaming

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked on Linux only")

TOTALS_AND_FOOTER = [
    {"申报编号": "合计", "申请金额(万元)": "500"},
    {"申报编号": "填表人：张三"},
    {},  # a blank line between the footer's lines
    {"申报编号": "联系电话：0635-1234567"},
    {"申报编号": "注：金额单位为万元"},
]


def _applications(count: int) -> list[dict[str, str]]:
    return [intake_row(n) for n in range(1, count + 1)]


def _imported_both_ways(folder: Path, path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[bool, list[object]]:
    """What each path stored of ``path`` (how many, the import's count, the versions assessed under, then the
    applications with their assessments), checked."""
    stored: dict[bool, list[object]] = {}
    for streamed in (True, False):
        if not streamed:
            _one_process(monkeypatch)
        with staffed_workspace(folder / f"ws-{streamed}") as ws:
            result = import_as(ws, path)
            stored[streamed] = [result.imported, *ws.db.execute("SELECT row_count FROM imports").fetchall(),
                                ws.db.execute("SELECT policy_version, COUNT(*) FROM assessments "
                                              "GROUP BY policy_version").fetchall(),
                                *ws.db.execute(STORED).fetchall()]
            assert verify_workspace(ws).problems == []
    return stored


def _unreadable_both_ways(folder: Path, path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[bool, str]:
    """Each path's refusal of ``path``, with nothing of it kept."""
    messages: dict[bool, str] = {}
    for streamed in (True, False):
        if not streamed:
            _one_process(monkeypatch)
        with staffed_workspace(folder / f"ws-{streamed}") as ws:
            with pytest.raises(UnreadableFile) as unreadable:
                import_as(ws, path)
            messages[streamed] = str(unreadable.value)
            for table in ("applications", "assessments", "imports"):
                assert ws.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
            assert verify_workspace(ws).problems == []
    return messages


def _written_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The 申报编号 of the chunks the import writes (inside its transaction, whatever happens to it later)."""
    written: list[str] = []
    real = importing._write_chunk
    monkeypatch.setattr(importing, "_write_chunk", lambda db, chunk, capture, *, new_only: (
        written.extend(chunk.ids), real(db, chunk, capture, new_only=new_only)))
    return written


def test_a_total_row_and_footer_lines_at_the_bottom_across_pieces_are_not_applications(
        tmp_path: Path, streaming: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    # Lines 2-8 the applications, 9 the 合计 row, 10-13 the footer: pieces of 3 lines end on lines 3, 6, 9 and 12.
    path = write_csv(tmp_path / "申报.csv", _applications(7) + TOTALS_AND_FOOTER)
    stored = _imported_both_ways(tmp_path, path, monkeypatch)
    assert streaming == [True, False]
    assert stored[True] == stored[False] and stored[True][:2] == [7, (7,)] and len(stored[True]) == 3 + 7


def test_total_like_rows_that_an_application_follows_are_applications(tmp_path: Path, streaming: list[bool],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The 合计 row and footer lines wait for the next piece, which holds an application: they are rows of the table.
    path = write_csv(tmp_path / "申报.csv", _applications(7) + TOTALS_AND_FOOTER + [intake_row(20)])
    lines = _both_ways(tmp_path, path, monkeypatch)
    assert streaming == [True, False]
    assert lines[True] == lines[False]
    text = "\n".join(lines[True])
    assert "第9行 企业名称: 必填，不能为空" in text and "第13行 统一社会信用代码: 必填，不能为空" in text
    assert "第11行" not in text  # the blank line is no row at all


def test_a_run_of_blank_lines_across_pieces_keeps_the_rows_numbers(tmp_path: Path, streaming: list[bool],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _applications(8)
    path = write_csv(tmp_path / "申报.csv", rows[:4] + [{}] * 7 + [{"所属县区": "  "}] + rows[4:])
    text = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(text[:8] + ["\n", "\r\n"] + text[8:]), encoding="utf-8-sig")  # truly empty lines too
    stored = _imported_both_ways(tmp_path, path, monkeypatch)
    assert streaming == [True, False]
    assert stored[True] == stored[False]
    source_rows = [row[4] for row in stored[True][3:]]  # type: ignore[index]  # STORED's fifth column
    assert source_rows == [2, 3, 4, 5, 16, 17, 18, 19]


def test_a_duplicate_id_in_a_later_piece_names_the_first_row(tmp_path: Path, streaming: list[bool],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(14)
    rows[12]["申报编号"] = "T00002"
    written = _written_ids(monkeypatch)
    lines = _both_ways(tmp_path, write_csv(tmp_path / "申报.csv", rows), monkeypatch)
    assert lines[True] == lines[False]
    assert lines[True] == ["文件 申报.csv 未导入，共 1 处问题", "第14行 申报编号: 申报编号“T00002”与第3行重复"]
    assert written == [f"T{n:05d}" for n in range(1, 13)]  # four chunks written before the repeat was read


def test_a_ragged_line_in_a_later_piece_is_refused_naming_its_line(tmp_path: Path, streaming: list[bool],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(14)
    rows[3]["申请金额(万元)"] = "十万"  # a problem of a row before it: the unreadable line is the answer
    path = write_csv(tmp_path / "申报.csv", rows)
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[12] = lines[12].replace("T00012,", "T00012,多出的一格,", 1)
    path.write_text("".join(lines), encoding="utf-8-sig")
    written = _written_ids(monkeypatch)
    messages = _unreadable_both_ways(tmp_path, path, monkeypatch)
    assert messages[True] == messages[False]
    assert "第13行有 18 个字段，多于表头的 17 列" in messages[True] and "申报.csv" in messages[True]
    assert written == ["T00001", "T00002", "T00003"]  # the first chunk, before the bad row came; rolled back


def test_a_file_mixing_utf8_and_gbk_is_refused_naming_the_first_line_either_way(
        tmp_path: Path, streaming: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "_HEADER_BYTES", 1024)  # the header, then the file read 1 KB at a time
    rows = _rows(30)
    path = write_csv(tmp_path / "申报.csv", rows)
    stored = _imported_both_ways(tmp_path / "utf8", path, monkeypatch)  # characters cut at every 1 KB
    assert stored[True] == stored[False] and stored[True][0] == 30
    monkeypatch.setitem(ONE_PROCESS, "on", False)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[25] = lines[25].decode("utf-8").encode("gbk")
    path.write_bytes(b"".join(lines))
    assert path.stat().st_size > 3 * 1024
    messages = _unreadable_both_ways(tmp_path / "mixed", path, monkeypatch)
    assert messages[True] == messages[False]
    assert "第26行无法按 UTF-8 解码" in messages[True]


def test_rows_past_the_row_limit_are_refused_with_none_written_past_it(tmp_path: Path, streaming: list[bool],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 9)
    written = _written_ids(monkeypatch)
    messages = _unreadable_both_ways(tmp_path, write_csv(tmp_path / "申报.csv", _rows(12)), monkeypatch)
    assert messages[True] == messages[False] and "超过 9 行上限（含表头）" in messages[True]
    assert written and all(int(application_id[1:]) <= 8 for application_id in written)
    with staffed_workspace(tmp_path / "ws-fits") as ws:  # the header and 7 rows import (8 are refused, as before)
        assert import_as(ws, write_csv(tmp_path / "七行.csv", _applications(7))).imported == 7


def _madrid(n: int, year: int) -> dict[str, str]:
    return intake_row(n, **{"统一社会信用代码": valid_uscc(n), "产业": "纺织服装", "申报事项": "马德里注册商标",
                            "认定日期": f"{year}-03-01", "申报年度": str(year), "申请金额(万元)": "2"})


def test_a_file_whose_years_call_for_another_version_is_read_again_under_it(
        tmp_path: Path, streaming: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    with fixture_version_registered(tmp_path / "fixture"):  # today's version; 2024 calls for the real one
        path = write_csv(tmp_path / "2024.csv", [_madrid(n, 2024) for n in range(1, 11)])
        stored = _imported_both_ways(tmp_path / "ok", path, monkeypatch)
        assert stored[True] == stored[False] and stored[True][:3] == [10, (10,), [(DEFAULT_VERSION, 10)]]
        assert {row[7] for row in stored[True][3:]} == {"10000.00"}  # type: ignore[index]  # STORED's recommended_yuan
        monkeypatch.setitem(ONE_PROCESS, "on", False)
        rows = [_madrid(n, 2024) for n in range(1, 11)]
        rows[8]["申报年度"] = "2026"  # a later piece's year calls for today's version: two versions, none chosen
        rows[9]["申请金额(万元)"] = "两万"
        lines = _both_ways(tmp_path / "two", write_csv(tmp_path / "两个版本.csv", rows), monkeypatch)
        assert lines[True] == lines[False] and "第11行 申请金额(万元)" in "\n".join(lines[True])
        rows[9]["申请金额(万元)"] = "2"
        monkeypatch.setitem(ONE_PROCESS, "on", False)
        lines = _both_ways(tmp_path / "years", write_csv(tmp_path / "年度.csv", rows), monkeypatch)
        assert lines[True] == lines[False] and "分属不同的政策版本" in "\n".join(lines[True])
    assert streaming.count(True) == streaming.count(False) == 3


def _xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [row.get(header, "") for header in HEADERS])
    book.close()
    return path


def test_a_workbook_that_streams_is_read_whole_and_cut_into_the_same_chunks(
        tmp_path: Path, streaming: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    stored = _imported_both_ways(tmp_path / "ok", _xlsx(tmp_path / "申报.xlsx", _rows(10) + TOTALS_AND_FOOTER),
                                 monkeypatch)
    assert stored[True] == stored[False] and stored[True][:2] == [10, (10,)]
    monkeypatch.setitem(ONE_PROCESS, "on", False)
    rows = _rows(10)
    rows[9]["申报编号"] = "T00001"
    lines = _both_ways(tmp_path / "twice", _xlsx(tmp_path / "重复.xlsx", rows + TOTALS_AND_FOOTER), monkeypatch)
    assert lines[True] == lines[False] and lines[True][1:] == ["第11行 申报编号: 申报编号“T00001”与第2行重复"]
    assert streaming == [True, False, True, False]
