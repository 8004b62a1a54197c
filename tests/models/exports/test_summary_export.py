"""The bureau summary: amounts as numbers, names that look like formulas kept as text."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from models.exports.summary import export_summary
from models.exports.workbook import SummaryExportError
from models.workspace.workspace import Workspace
from tests.workspace_support import import_as, intake_row, write_csv


def test_formula_like_enterprise_names_open_as_text(ws: Workspace, tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://example.invalid","点我")'
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 企业名称=hostile), intake_row(2)]))
    out = tmp_path / "汇总.xlsx"
    assert export_summary(ws, out) == 2
    book = CalamineWorkbook.from_path(str(out))
    cells = [cell for row in book.get_sheet_by_name("汇总表-申报").to_python() for cell in row]
    assert any(isinstance(c, str) and c.startswith("'=HYPERLINK(") for c in cells)
    assert 500000.0 in cells
    with zipfile.ZipFile(out) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert all(b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets)
    assert ws.db.execute("SELECT action FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0] == "导出汇总表"


def test_a_workspace_edited_with_sql_writes_no_summary(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1), intake_row(2)]))
    (application_id,) = ws.db.execute("SELECT application_id FROM applications ORDER BY seq LIMIT 1").fetchone()
    ws.db.execute("UPDATE assessments SET cap_yuan = '4000000' WHERE application_id = ?", [application_id])
    events = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    out = tmp_path / "汇总.xlsx"
    with pytest.raises(SummaryExportError) as refused:
        export_summary(ws, out)
    assert "工作区校验未通过" in str(refused.value)
    assert application_id in str(refused.value) and "cap_yuan" in str(refused.value)
    assert not out.exists()
    assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == events
