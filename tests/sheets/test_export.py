"""export_sheets: one signed PDF per decided application, numbered, registered and audited."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from demo.workspace import DEMO_PASSPHRASE
from models.signing.keys import WrongPassphrase
from models.workspace.workspace import Workspace
from sheets import batch
from sheets.batch import ExportRefused, decided_ids, export_sheets
from sheets.registry import EXPORT_ACTION, FAILED_ACTION, find_code
from sheets.verify import verify_pdf

from tests.sheets.support import FIRST_REVIEWER, Exported, pick_ids


def test_each_exported_sheet_is_registered_with_its_hash_and_audited(exported: Exported) -> None:
    with Workspace.open(exported.workspace, create=False) as ws:
        rows = ws.db.execute("SELECT code, application_id, serial, sha256, signer FROM sheets").fetchall()
        audits = ws.db.execute("SELECT subject, details FROM audit WHERE action = ?", [EXPORT_ACTION]).fetchall()
    assert sorted(row[1] for row in rows) == sorted(exported.ids)
    for _code, application_id, _serial, sha256, signer in rows:
        data = (exported.out / f"{application_id}.pdf").read_bytes()
        assert sha256 == hashlib.sha256(data).hexdigest()
        assert signer == FIRST_REVIEWER
    assert sorted(subject for subject, _ in audits) == sorted(exported.ids)
    serials = [json.loads(details)["serial"] for _, details in audits]
    assert len(set(serials)) == len(serials)
    assert sorted(p.name for p in exported.out.iterdir()) == sorted(f"{i}.pdf" for i in exported.ids)


def test_all_decided_applications_are_exported_when_no_ids_are_given(demo_ws: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)  # exercise the process pool on a small batch
    with Workspace.open(demo_ws, create=False) as ws:
        expected = decided_ids(ws)
    seen: list[int] = []
    report = export_sheets(demo_ws, tmp_path / "out", None, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=2,
                           progress=lambda done, total, result: seen.append(done))
    assert report.ok, report.failed
    assert sorted(r.application_id for r in report.written) == sorted(expected)
    assert seen == list(range(1, len(expected) + 1))
    assert not [p for p in (tmp_path / "out").iterdir() if p.suffix != ".pdf"], "temporary files left behind"
    with Workspace.open(demo_ws, create=False, lock=False) as ws:
        from models.signing.reviewers import ca_certificate

        verdict = verify_pdf(tmp_path / "out" / f"{expected[0]}.pdf", ca_certificate(ws), ws)
    assert verdict.ok, verdict.reasons


def test_undecided_and_unknown_applications_fail_with_a_reason(demo_ws: Path, tmp_path: Path) -> None:
    with Workspace.open(demo_ws, create=False) as ws:
        undecided = ws.db.execute(
            "SELECT application_id FROM applications WHERE application_id NOT IN "
            "(SELECT application_id FROM decisions)").fetchone()
    both, _ = pick_ids(demo_ws)
    ids = [both, "LC-不存在"] + ([undecided[0]] if undecided else [])
    report = export_sheets(demo_ws, tmp_path / "out", ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
    assert [r.application_id for r in report.written] == [both]
    reasons = dict(report.failed)
    assert "没有申报编号" in reasons["LC-不存在"]
    if undecided:
        assert "尚无初审决定" in reasons[undecided[0]]


def test_a_wrong_passphrase_writes_nothing_and_is_audited(demo_ws: Path, tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase):
        export_sheets(demo_ws, tmp_path / "out", None, FIRST_REVIEWER, "not-the-passphrase", jobs=1)
    assert not list((tmp_path / "out").iterdir())
    with Workspace.open(demo_ws, create=False) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = '解锁密钥失败'").fetchone()[0] == 1
        assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = ?", [EXPORT_ACTION]).fetchone()[0] == 0


def test_an_output_path_that_is_a_file_is_refused(demo_ws: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    with pytest.raises(ExportRefused):
        export_sheets(demo_ws, blocker, None, FIRST_REVIEWER, DEMO_PASSPHRASE)


def test_a_sheet_that_cannot_be_written_is_reported_and_audited(demo_ws: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    both, first = pick_ids(demo_ws)

    def refuse(target: Path, data: bytes) -> None:
        if target.stem == first:
            raise OSError(28, "No space left on device")
        target.write_bytes(data)

    monkeypatch.setattr(batch, "write_atomically", refuse)
    report = export_sheets(demo_ws, tmp_path / "out", [both, first], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)
    assert [r.application_id for r in report.written] == [both]
    assert [app for app, _ in report.failed] == [first] and "No space left" in report.failed[0][1]
    with Workspace.open(demo_ws, create=False) as ws:
        failed = ws.db.execute("SELECT subject, details FROM audit WHERE action = ?", [FAILED_ACTION]).fetchall()
        assert [subject for subject, _ in failed] == [first]
        code = json.loads(failed[0][1])["code"]
        row = find_code(ws.db, code)
    assert row is not None and row.sha256 == ""


def test_file_names_cannot_leave_the_output_folder() -> None:
    assert batch.file_name("LC2023-0001") == "LC2023-0001.pdf"
    assert batch.file_name("../a/b:c") == "_a_b_c.pdf"


@pytest.mark.slow
def test_spawned_workers_work_too(demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What Windows and a multi-threaded GUI get: workers that import everything afresh."""
    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)
    monkeypatch.setattr(batch, "_pool_context", lambda: "spawn")
    both, first = pick_ids(demo_ws)
    report = export_sheets(demo_ws, tmp_path / "out", [both, first], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=2)
    assert report.ok, report.failed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([f"{both}.pdf", f"{first}.pdf"])
