"""The bureau summary: amounts as numbers, names that look like formulas kept as text."""

from __future__ import annotations

import zipfile
from pathlib import Path

from python_calamine import CalamineWorkbook

from models.exports.summary import export_summary
from models.intake.importing import import_file
from models.workspace.workspace import Workspace
from tests.workspace_support import intake_row, write_csv


def test_formula_like_enterprise_names_open_as_text(ws: Workspace, tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://example.invalid","点我")'
    import_file(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 企业名称=hostile), intake_row(2)]))
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
