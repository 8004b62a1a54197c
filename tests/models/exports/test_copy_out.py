"""One neutralisation for everything written for a spreadsheet: clipboard/TSV, CSV and XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from models.exports.copy_out import neutralise, tsv_cell
from models.intake.problems import ImportRejected, Problem

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text, expected", [
    (HOSTILE, "'" + HOSTILE), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("＝1+1", "'＝1+1"),
    ("\t=1", "'\t=1"), ("聊城恒润", "聊城恒润"), ("1=1", "1=1"), ("", ""),
])
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_a_tsv_cell_stays_one_cell() -> None:
    assert tsv_cell("a\tb\nc") == "a b c"
    assert tsv_cell("\n=1") == "' =1"


def test_the_clipboard_table_and_the_saved_csv_are_neutralised(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from gui.import_tables import problems_tsv, save_problems

    problems = [Problem(2, "企业名称", HOSTILE)]
    lines = problems_tsv(problems).splitlines()
    assert lines[1].split("\t")[2] == "'" + HOSTILE
    path = tmp_path / "问题.csv"
    save_problems(path, ImportRejected("a.csv", problems))
    with path.open(encoding="utf-8-sig", newline="") as source:
        assert list(csv.reader(source))[1][2] == "'" + HOSTILE


def test_the_summary_workbook_uses_the_same_rule() -> None:
    from models.exports import workbook as summary

    assert summary.neutralise is neutralise
