"""Sheet numbers: re-exporting an unchanged case returns the stored original; each workspace its own series."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.reviewers import ca_certificate, unlock
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from sheets.single import export_with_key
from sheets.verify import verify_pdf
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

ID = "T00001"


def _decided(folder: Path, tmp_path: Path) -> Path:
    with staffed_workspace(folder) as ws:
        import_as(ws, write_csv(tmp_path / f"{folder.name}.csv", [intake_row(1)]))
        declare_conflict(ws, ID, "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(ID, "初审", "通过", "审核员甲", Decimal("500000.00"), "同意。"), PASSPHRASE)
    return folder


def _serials(folder: Path) -> list[str]:
    with Workspace.open(folder, create=False, lock=False) as ws:
        return [row[0] for row in ws.db.execute("SELECT serial FROM sheets ORDER BY serial")]


def test_re_exporting_an_unchanged_case_returns_the_original_with_its_first_signer(tmp_path: Path) -> None:
    folder = _decided(tmp_path / "ws", tmp_path)
    assert export_sheets(folder, tmp_path / "a", [ID], "审核员甲", PASSPHRASE, jobs=1).ok
    first = (tmp_path / "a" / f"{ID}.pdf").read_bytes()
    assert export_sheets(folder, tmp_path / "b", [ID], "审核员乙", PASSPHRASE, jobs=1).ok
    with Workspace.open(folder, create=False) as ws:
        single = export_with_key(ws, ID, tmp_path / "c", "科长丙", unlock(ws, "科长丙", PASSPHRASE))
        verdict = verify_pdf(tmp_path / "b" / f"{ID}.pdf", ca_certificate(ws), ws)
    assert (tmp_path / "b" / f"{ID}.pdf").read_bytes() == first == (tmp_path / "c" / f"{ID}.pdf").read_bytes()
    assert single.signer == "审核员甲" and verdict.ok and verdict.signer == "审核员甲"
    assert len(_serials(folder)) == 1


def test_a_changed_case_gets_a_new_number_and_the_old_sheet_is_superseded(tmp_path: Path) -> None:
    folder = _decided(tmp_path / "ws", tmp_path)
    assert export_sheets(folder, tmp_path / "a", [ID], "审核员甲", PASSPHRASE, jobs=1).ok
    with Workspace.open(folder, create=False) as ws:
        decide(ws, DecisionInput(ID, "初审", "部分通过", "审核员甲", Decimal("300000.00"), "核减。"), PASSPHRASE)
    assert export_sheets(folder, tmp_path / "b", [ID], "审核员甲", PASSPHRASE, jobs=1).ok
    old, new = _serials(folder)
    assert int(new[-6:]) == int(old[-6:]) + 1
    with Workspace.open(folder, create=False, lock=False) as ws:
        stale = verify_pdf(tmp_path / "a" / f"{ID}.pdf", ca_certificate(ws), ws)
    assert stale.outdated and stale.currency.newer is not None and stale.currency.newer.serial == new


def test_two_workspaces_number_their_sheets_in_series_of_their_own(tmp_path: Path) -> None:
    one, two = _decided(tmp_path / "one", tmp_path), _decided(tmp_path / "two", tmp_path)
    for folder in (one, two):
        assert export_sheets(folder, tmp_path / f"out-{folder.name}", [ID], "审核员甲", PASSPHRASE, jobs=1).ok
    (a,), (b,) = _serials(one), _serials(two)
    assert re.fullmatch(r"[0-9A-Z]{4}-\d{4}-000001", a) and re.fullmatch(r"[0-9A-Z]{4}-\d{4}-000001", b)
    assert a != b


def test_printing_takes_the_stored_original_and_never_a_superseded_one(tmp_path: Path) -> None:
    from sheets.single import stored_copy

    folder = _decided(tmp_path / "ws", tmp_path)
    assert export_sheets(folder, tmp_path / "a", [ID], "审核员甲", PASSPHRASE, jobs=1).ok
    with Workspace.open(folder, create=False) as ws:
        copy = stored_copy(ws, ID, tmp_path)
        assert copy is not None and Path(copy.path).read_bytes() == (tmp_path / "a" / f"{ID}.pdf").read_bytes()
        declare_conflict(ws, ID, "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(ID, "复核", "不通过", "审核员乙", None, "不符合条件。"), PASSPHRASE)
        assert stored_copy(ws, ID, tmp_path / "later") is None
