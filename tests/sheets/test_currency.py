"""A sheet is current only while everything it shows is: an added stage, a replaced decision or a
re-imported application makes it 已过时 in verify, verify --code and printing."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

import pytest

from cli.sheet_commands import verify as verify_command
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.reviewers import ca_certificate
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from sheets.single import issued_copy
from sheets.verify import lookup_code, verify_pdf
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

ID = "T00001"


@pytest.fixture
def first_only(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace whose one application has 初审 通过 500,000 元 and no 复核, and its exported sheet."""
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
        declare_conflict(ws, ID, "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(ID, "初审", "通过", "审核员甲", Decimal("500000.00"), "材料齐全。"), PASSPHRASE)
    report = export_sheets(folder, tmp_path / "out", [ID], "审核员甲", PASSPHRASE, jobs=1)
    assert report.ok, report.failed
    return folder, tmp_path / "out" / f"{ID}.pdf"


def _second_refuses(folder: Path) -> None:
    with Workspace.open(folder, create=False) as ws:
        declare_conflict(ws, ID, "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(ID, "复核", "不通过", "审核员乙", None, "不符合条件。"), PASSPHRASE)


def _args(folder: Path, files: list[Path], code: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(workspace=folder, files=files, ca=None, code=code)


def test_a_sheet_exported_before_the_second_review_is_outdated_once_it_is_decided(
        first_only: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    folder, path = first_only
    with Workspace.open(folder, create=False, lock=False) as ws:
        before = verify_pdf(path, ca_certificate(ws), ws)
        assert before.ok and before.currency is not None and before.currency.current
        assert lookup_code(ws, before.code).ok
    _second_refuses(folder)
    with Workspace.open(folder, create=False, lock=False) as ws:
        after = verify_pdf(path, ca_certificate(ws), ws)
        lookup = lookup_code(ws, before.code)
        assert issued_copy(ws, ID, path.parent) is None  # printing issues a fresh sheet instead
    assert not after.ok and after.outdated and not after.reasons  # the signature itself is fine
    assert any("尚未作出复核决定" in reason and "不通过" in reason for reason in after.currency.reasons)
    assert not lookup.ok and lookup.decisions_current is False and "已过时" in lookup.message
    assert verify_command(_args(folder, [path])) == 1
    printed = capsys.readouterr().out
    assert "【已过时】" in printed and "复核" in printed and "请重新导出" in printed and "【有效】" not in printed
    assert verify_command(_args(folder, [], code=before.code)) == 1
    assert "已过时" in capsys.readouterr().out


def test_an_outdated_sheet_names_the_newer_sheet(first_only: tuple[Path, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder, path = first_only
    _second_refuses(folder)
    report = export_sheets(folder, tmp_path / "newer", [ID], "审核员甲", PASSPHRASE, jobs=1)
    assert report.ok
    newer_path = tmp_path / "newer" / f"{ID}.pdf"
    with Workspace.open(folder, create=False, lock=False) as ws:
        old = verify_pdf(path, ca_certificate(ws), ws)
        new = verify_pdf(newer_path, ca_certificate(ws), ws)
    assert new.ok, (new.reasons, new.currency)
    assert old.outdated and old.currency.newer is not None
    assert (old.currency.newer.serial, old.currency.newer.code) == (new.serial, new.code)
    assert verify_command(_args(folder, [path])) == 1
    assert f"较新的审核表：表号 {new.serial}" in capsys.readouterr().out


def test_a_replaced_decision_makes_the_sheet_outdated_with_who_replaced_it(first_only: tuple[Path, Path]) -> None:
    folder, path = first_only
    with Workspace.open(folder, create=False) as ws:
        decide(ws, DecisionInput(ID, "初审", "部分通过", "审核员甲", Decimal("300000.00"), "核减。"), PASSPHRASE)
        verdict = verify_pdf(path, ca_certificate(ws), ws)
    assert verdict.outdated
    assert any("已被新的决定取代" in r and "部分通过" in r and "300000.00" in r for r in verdict.currency.reasons)


def test_a_reimported_application_makes_the_sheet_outdated(first_only: tuple[Path, Path], tmp_path: Path) -> None:
    folder, path = first_only
    with Workspace.open(folder, create=False) as ws:
        import_as(ws, write_csv(tmp_path / "b.csv", [intake_row(1, **{"申请金额(万元)": "45"})]), update=True,
                    supersede_reason="申请金额登记有误，经核实更正")
        verdict = verify_pdf(path, ca_certificate(ws), ws)
    assert verdict.outdated
    assert any("申报信息已变更" in reason for reason in verdict.currency.reasons), verdict.currency.reasons
