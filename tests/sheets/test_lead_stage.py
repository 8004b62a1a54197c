"""A case sent up to the 负责人: the signed sheet shows the 负责人's decision, verify checks it, and a sheet
exported before it is 已过时 naming it."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

import pytest

from cli.sheet_commands import verify as verify_command
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.review.terms import APPROVE, FIRST, LEAD, SECOND, TO_LEAD
from models.signing.reviewers import ca_certificate
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from sheets.verify import lookup_code, verify_pdf
from tests.sheets.support import run_tool
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

ID = "T00001"
LEAD_NAME = "科长丙"


@pytest.fixture
def sent_up(tmp_path: Path) -> tuple[Path, Path]:
    """初审 通过 500,000 元, 复核 提交负责人, and the sheet 审核员甲 exported then (before the 负责人 decided)."""
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
        for reviewer in ("审核员甲", "审核员乙", LEAD_NAME):
            declare_conflict(ws, ID, reviewer, has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(ID, FIRST, APPROVE, "审核员甲", Decimal("500000.00"), "材料齐全。"), PASSPHRASE)
        decide(ws, DecisionInput(ID, SECOND, TO_LEAD, "审核员乙", None, "金额较大，请负责人审定。"), PASSPHRASE)
    report = export_sheets(folder, tmp_path / "before", [ID], "审核员甲", PASSPHRASE, jobs=1)
    assert report.ok, report.failed
    return folder, tmp_path / "before" / f"{ID}.pdf"


def _lead_approves(folder: Path) -> None:
    with Workspace.open(folder, create=False) as ws:
        decide(ws, DecisionInput(ID, LEAD, APPROVE, LEAD_NAME, Decimal("400000.00"), "同意按四十万元兑现。"),
               PASSPHRASE)


def test_the_sheet_shows_the_lead_decision_and_verifies(sent_up: tuple[Path, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder, before = sent_up
    text_before = run_tool("pdftotext", "-raw", str(before), "-")
    assert "负责人结论" not in text_before and "提交负责人" in text_before
    _lead_approves(folder)
    report = export_sheets(folder, tmp_path / "after", [ID], LEAD_NAME, PASSPHRASE, jobs=1)
    assert report.ok, report.failed
    after = tmp_path / "after" / f"{ID}.pdf"
    text = run_tool("pdftotext", "-raw", str(after), "-")
    block = text[text.index("六、负责人审批"):]
    assert "负责人结论 通过" in block and f"负责人 {LEAD_NAME}" in block
    assert "¥400,000.00 元" in block and "人民币肆拾万元整" in block and "同意按四十万元兑现。" in block
    with Workspace.open(folder, create=False, lock=False) as ws:
        verdict = verify_pdf(after, ca_certificate(ws), ws)
        lookup = lookup_code(ws, verdict.code)
    assert verdict.ok, (verdict.reasons, verdict.currency)
    assert [(c.stage, c.ok) for c in verdict.decision_checks] == [(FIRST, True), (SECOND, True), (LEAD, True)]
    fields = dict(lookup.fields)
    assert lookup.ok and fields["负责人结论"] == APPROVE and fields["负责人核定金额（大写）"] == "人民币肆拾万元整"
    assert fields["负责人审核人"].startswith(LEAD_NAME)
    assert verify_command(argparse.Namespace(workspace=folder, files=[after], ca=None, code=None)) == 0
    assert "【有效】" in capsys.readouterr().out


def test_a_sheet_exported_before_the_lead_decided_is_outdated_naming_it(
        sent_up: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    folder, before = sent_up
    with Workspace.open(folder, create=False, lock=False) as ws:
        earlier = verify_pdf(before, ca_certificate(ws), ws)
        assert earlier.ok
        assert dict(lookup_code(ws, earlier.code).fields)["负责人结论"] == "尚未作出"
    _lead_approves(folder)
    with Workspace.open(folder, create=False, lock=False) as ws:
        verdict = verify_pdf(before, ca_certificate(ws), ws)
        lookup = lookup_code(ws, earlier.code)
    assert verdict.outdated and not verdict.reasons
    assert any(f"尚未作出{LEAD}决定" in reason and LEAD_NAME in reason and "400000.00 元" in reason
               for reason in verdict.currency.reasons)
    assert not lookup.ok and "已过时" in lookup.message and LEAD in lookup.message
    assert verify_command(argparse.Namespace(workspace=folder, files=[before], ca=None, code=None)) == 1
    printed = capsys.readouterr().out
    assert "【已过时】" in printed and f"作出{LEAD}决定" in printed and "【有效】" not in printed
    assert verify_command(argparse.Namespace(workspace=folder, files=[], ca=None, code=earlier.code)) == 1
    assert "已过时" in capsys.readouterr().out
