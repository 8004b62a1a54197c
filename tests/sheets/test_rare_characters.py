"""Every character prints and copies, or export refuses naming the character and the field."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from sheets.glyphs import UnprintableCharacter, _to_unicode_cmap
from sheets.layout import render
from tests.sheets.support import run_tool
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

RARE = "聊城𠮷祥堃犇䶮生物科技有限公司"  # 𠮷 U+20BB7 (Ext B), 䶮 U+4DAE (Ext A)
NO_FONT_HAS = "\U0010FFFD"  # a private-use code point of plane 16


def _workspace(tmp_path: Path, enterprise: str) -> Path:
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 企业名称=enterprise)]))
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000.00"), "同意。"), PASSPHRASE)
    return folder


def test_to_unicode_writes_characters_outside_the_bmp_as_surrogate_pairs() -> None:
    cmap = _to_unicode_cmap("F1", [0x4E2D, 0x20BB7])
    assert "<00> <4E2D>" in cmap and "<01> <D842DFB7>" in cmap


def test_a_rare_character_name_prints_and_extracts_exactly(tmp_path: Path) -> None:
    folder = _workspace(tmp_path, RARE)
    report = export_sheets(folder, tmp_path / "out", ["T00001"], "审核员甲", PASSPHRASE, jobs=1)
    assert report.ok, report.failed
    text = run_tool("pdftotext", str(tmp_path / "out" / "T00001.pdf"), "-")
    assert RARE in text
    fonts = run_tool("pdffonts", str(tmp_path / "out" / "T00001.pdf"))
    fallback = [line.split() for line in fonts.splitlines() if "+HanaMin" in line or "+SimSun-ExtB" in line]
    assert fallback and all(row[-5] == "yes" for row in fallback)  # the fallback font is embedded


def test_a_character_no_font_has_refuses_the_export_naming_it(tmp_path: Path) -> None:
    name = f"聊城{NO_FONT_HAS}生物科技有限公司"
    folder = _workspace(tmp_path, name)
    report = export_sheets(folder, tmp_path / "out", ["T00001"], "审核员甲", PASSPHRASE, jobs=1)
    assert not report.ok and not (tmp_path / "out" / "T00001.pdf").exists()
    (application_id, reason), = report.failed
    assert application_id == "T00001" and "企业名称" in reason and "U+10FFFD" in reason
    with Workspace.open(folder, create=False, lock=False) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0] == 0  # no number used up


def test_the_blank_form_refuses_too(tmp_path: Path) -> None:
    from models.review.casefile import load_case
    from sheets.content import content_from_case

    folder = _workspace(tmp_path, "聊城测试生物科技有限公司")
    with Workspace.open(folder, create=False, lock=False) as ws:
        content = content_from_case(load_case(ws, "T00001"))
    with pytest.raises(UnprintableCharacter, match="条款原文"):
        render(replace(content, clause_text=content.clause_text + NO_FONT_HAS), None)
