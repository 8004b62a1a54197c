"""A printed copy is checked by its content: verify --code and the 核对校验码 dialog show what the sheet says."""

from __future__ import annotations

import argparse
from decimal import Decimal

import pytest

from cli.sheet_commands import verify as verify_command
from models.review.casefile import load_case
from models.signing.reviewers import ca_certificate
from models.workspace.workspace import Workspace
from sheets.amounts import rmb_uppercase
from sheets.verify import lookup_code, verify_pdf
from tests.sheets.support import Exported


def _sheet(exported: Exported):
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        verdict = verify_pdf(exported.out / f"{exported.both_stages}.pdf", ca_certificate(ws), ws)
        case = load_case(ws, exported.both_stages)
    return verdict, case


def test_the_code_lookup_shows_what_the_sheet_says(exported: Exported) -> None:
    verdict, case = _sheet(exported)
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        found = lookup_code(ws, verdict.code)
    fields = dict(found.fields)
    assert found.ok
    assert fields["企业名称"] == case.application.enterprise
    assert fields["统一社会信用代码"] == case.application.uscc
    assert fields["申报事项"] == case.item.name
    for stage, decision in (("初审", case.first), ("复核", case.second)):
        assert decision is not None
        assert fields[f"{stage}结论"] == decision.outcome
        if decision.amount_yuan is not None:
            assert fields[f"{stage}核定金额（小写）"] == f"¥{decision.amount_yuan:,.2f} 元"
            assert fields[f"{stage}核定金额（大写）"] == rmb_uppercase(decision.amount_yuan)
        assert fields[f"{stage}审核人"].startswith(decision.reviewer + "（")


def test_verify_code_accepts_the_scanned_qr_text_and_prints_the_content(
        exported: Exported, capsys: pytest.CaptureFixture[str]) -> None:
    verdict, case = _sheet(exported)
    scanned = f"REVIEWDESK-SHEET:{verdict.application_id}:{verdict.serial}:{verdict.code}"
    args = argparse.Namespace(workspace=exported.workspace, files=[], ca=None, code=scanned)
    assert verify_command(args) == 0
    printed = capsys.readouterr().out
    assert case.application.enterprise in printed and case.application.uscc in printed
    assert "复核核定金额（大写）" in printed and "有效" in printed
    forged = f"REVIEWDESK-SHEET:{verdict.application_id}:2099-000001:{verdict.code}"
    assert verify_command(argparse.Namespace(workspace=exported.workspace, files=[], ca=None, code=forged)) == 1
    assert "与登记不符" in capsys.readouterr().out


def test_the_dialog_shows_the_content_for_full_width_input(qtbot, exported: Exported) -> None:
    from gui.verify_code_dialog import VerifyCodeDialog

    verdict, case = _sheet(exported)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in verdict.code.lower())
    with Workspace.open(exported.workspace, create=False, lock=False) as ws:
        dialog = VerifyCodeDialog(ws)
        qtbot.addWidget(dialog)
        dialog.code.setText(full_width)
        dialog.check_button.click()
        assert dialog.lookup is not None and dialog.lookup.ok
        shown = {label: widget.text() for label, widget in dialog.content_labels.items()}
        assert shown["企业名称"] == case.application.enterprise
        assert case.second is not None and isinstance(case.second.amount_yuan, Decimal)
        assert shown["复核核定金额（大写）"] == rmb_uppercase(case.second.amount_yuan)
        assert "有效" in dialog.fields["state"].text()
        dialog.code.setText(verdict.code)
        dialog.check_button.click()  # a second look-up replaces the rows, never adds to them
        assert len(dialog.content_labels) == len(shown)


def test_a_sheet_registered_before_records_were_kept_still_shows_its_content(
        exported: Exported, tmp_path) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    """Workspaces from before the sheet_records table: the content comes from the export's audit entry."""
    from tests.sheets.support import copy_workspace

    verdict, case = _sheet(exported)
    folder = copy_workspace(exported.workspace, tmp_path / "old")
    with Workspace.open(folder, create=False) as ws:
        ws.db.execute("DROP TABLE sheet_records")
        found = lookup_code(ws, verdict.code)
    fields = dict(found.fields)
    assert found.ok, found.message
    assert fields["企业名称"] == case.application.enterprise and fields["申报事项"] == case.item.name
    assert case.first is not None and fields["初审结论"] == case.first.outcome
