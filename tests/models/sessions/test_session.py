"""An offline evaluation session: out to a laptop and back, signed, without overwriting anyone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from models.review.decisions import DecisionInput, DecisionRefused, decide_with_key
from models.review.conflicts import declare_conflict
from models.review.queue import queue_rows
from models.signing.reviewers import unlock
from models.sessions.package import PackageRefused
from models.sessions.session import export_results, export_session, merge_results, open_session
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import CHEAP, PASSPHRASE, import_as, intake_row, returned_for, write_csv

IDS = [f"T{n:05d}" for n in range(1, 21)]
SIGNED = {"lead": "科长丙", "travel_kdf": CHEAP,
          "passphrases": {"科长丙": PASSPHRASE, "审核员甲": PASSPHRASE, "审核员乙": PASSPHRASE}}


@pytest.fixture
def exported(ws: Workspace, tmp_path: Path) -> Path:
    evidence = tmp_path / "附件"
    evidence.mkdir()
    (evidence / "证书.pdf").write_bytes(b"%PDF-1.4 session evidence")
    rows = [intake_row(n, 附件="证书.pdf") for n in range(1, 23)]
    import_as(ws, write_csv(tmp_path / "a.csv", rows), evidence=evidence)
    package = tmp_path / "会评包.zip"
    export_session(ws, IDS, ["审核员甲", "审核员乙"], package, **SIGNED)
    return package


def _laptop_results(package: Path, folder: Path, out: Path, amount: str) -> Path:
    open_session(package, folder)
    with Workspace.open(folder, create=False) as laptop:
        key = unlock(laptop, "审核员甲", PASSPHRASE)
        for application_id in IDS:
            declare_conflict(laptop, application_id, "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
            decide_with_key(laptop, DecisionInput(application_id, "初审", "通过", "审核员甲", Decimal(amount),
                                                  opinion="会评同意"), key)
        export_results(laptop, out, signer="审核员甲", passphrase=PASSPHRASE)
    return out


def _decisions(ws: Workspace) -> list[tuple]:
    return ws.db.execute("SELECT uuid, application_id, amount_yuan, current FROM decisions ORDER BY uuid").fetchall()


def test_round_trip_brings_back_signed_decisions(ws: Workspace, exported: Path, tmp_path: Path) -> None:
    with pytest.raises(DecisionRefused, match="已导出到会评"):
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide_with_key(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("1")),
                        unlock(ws, "审核员甲", PASSPHRASE))
    results = _laptop_results(exported, tmp_path / "laptop", tmp_path / "结果.zip", "400000")
    report = merge_results(ws, results)
    assert len(report.merged) == 20 and not report.conflicts
    stages = {row.application_id: row.stage for row in queue_rows(ws.db, {})}
    assert all(stages[i] == "待复核" for i in IDS) and stages["T00021"] == "待初审"
    assert verify_workspace(ws).ok

    before = (_decisions(ws), ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0])
    again = merge_results(ws, results)
    assert not again.merged and len(again.already_present) == 20
    assert (_decisions(ws), ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]) == before


def test_a_flipped_byte_is_refused_and_changes_nothing(ws: Workspace, exported: Path, tmp_path: Path) -> None:
    results = _laptop_results(exported, tmp_path / "laptop", tmp_path / "结果.zip", "400000")
    data = bytearray(results.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped = tmp_path / "坏结果.zip"
    flipped.write_bytes(bytes(data))
    with pytest.raises(PackageRefused):
        merge_results(ws, flipped)
    truncated = tmp_path / "截断.zip"
    truncated.write_bytes(results.read_bytes()[: len(data) // 2])
    with pytest.raises(PackageRefused):
        merge_results(ws, truncated)
    assert _decisions(ws) == []


def test_a_second_conflicting_results_file_is_listed_not_applied(ws: Workspace, exported: Path,
                                                               tmp_path: Path) -> None:
    first = _laptop_results(exported, tmp_path / "laptop1", tmp_path / "结果1.zip", "400000")
    second = _laptop_results(exported, tmp_path / "laptop2", tmp_path / "结果2.zip", "300000")
    merge_results(ws, first)
    report = merge_results(ws, second)
    assert len(report.conflicts) == 20 and not report.merged
    assert "T00001 初审" in report.conflicts[0] and "请人工处理" in report.conflicts[0]
    amounts = {amount for _, _, amount, current in _decisions(ws) if current}
    assert amounts == {"400000.00"}


def test_results_signed_outside_the_bureau_ca_are_refused(ws: Workspace, exported: Path, tmp_path: Path) -> None:
    from tests.workspace_support import staffed_workspace

    stranger = staffed_workspace(tmp_path / "stranger")
    stranger.close()
    results = _laptop_results(exported, tmp_path / "laptop", tmp_path / "结果.zip", "400000")
    with Workspace.open(tmp_path / "stranger", create=False) as other, pytest.raises(PackageRefused):
        merge_results(other, results)


def test_a_session_decision_replacing_the_bureau_one_it_saw_is_no_conflict(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide_with_key(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="请补正", **returned_for()),
                    unlock(ws, "审核员甲", PASSPHRASE))
    package = tmp_path / "会评包.zip"
    export_session(ws, ["T00001"], ["审核员甲"], package, **SIGNED)
    open_session(package, tmp_path / "laptop")
    with Workspace.open(tmp_path / "laptop", create=False) as laptop:
        declare_conflict(laptop, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide_with_key(laptop, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000")),
                        unlock(laptop, "审核员甲", PASSPHRASE))
        export_results(laptop, tmp_path / "结果.zip", signer="审核员甲", passphrase=PASSPHRASE)
    report = merge_results(ws, tmp_path / "结果.zip")
    assert not report.conflicts and len(report.merged) == 1
    current = ws.db.execute("SELECT outcome FROM decisions WHERE current = 1").fetchall()
    assert current == [("通过",)]


def test_a_return_for_materials_signed_without_items_on_a_laptop_is_refused_at_merge(
        ws: Workspace, exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_session(exported, tmp_path / "laptop")
    with Workspace.open(tmp_path / "laptop", create=False) as laptop:
        key = unlock(laptop, "审核员甲", PASSPHRASE)
        declare_conflict(laptop, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        with monkeypatch.context() as older_version:  # a laptop whose ReviewDesk did not yet ask for items
            older_version.setattr("models.review.decisions.correction_problem", lambda *args, **kwargs: None)
            decide_with_key(laptop, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="请补正"), key)
        export_results(laptop, tmp_path / "结果.zip", signer="审核员甲", passphrase=PASSPHRASE)
    before = _decisions(ws)
    with pytest.raises(PackageRefused, match="须列明需补正的材料"):
        merge_results(ws, tmp_path / "结果.zip")
    assert _decisions(ws) == before
