"""``audit verify`` runs beside the export's first part instead of before it, without weakening what it vouches for:
it sees exactly the committed state the export's transaction starts from, no other writer commits in between, and
a workspace that fails it gets nothing numbered, audited, kept or handed out."""

from __future__ import annotations

import json
from collections.abc import Collection
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from demo.workspace import DEMO_PASSPHRASE
from models import fork_safety
from models.workspace import verified
from models.workspace.verification import VerifyReport
from models.workspace.verified import UnverifiedWorkspace
from models.workspace.workspace import Workspace
from sheets import batch
from sheets.batch import decided_ids, export_sheets
from sheets.registry import REGISTER_ACTION
from tests.sheets.support import FIRST_REVIEWER, write_lock_free


def _on_record(folder: Path) -> tuple[int, int, int]:
    """(sheets numbered, audit entries, files in the evidence store)."""
    with Workspace.open(folder, create=False, lock=False) as ws:
        sheets = ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0]
        entries = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        stored = sum(1 for path in ws.evidence_dir.rglob("*") if path.is_file())
    return int(sheets), int(entries), stored


def _forked_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the workers are forked only on Linux")
    monkeypatch.setattr(fork_safety, "fork_safe", lambda: True)  # as in the CLI, whatever threads earlier tests left
    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)


def test_the_verify_sees_the_state_the_export_starts_from_while_its_lock_is_held_and_its_workers_render(
        demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _forked_pool(monkeypatch)
    real_verify = verified.verify_workspace
    seen: dict[str, Any] = {}
    out = tmp_path / "out"

    def watching(ws: Workspace, evidence_of: Collection[str] | None = None) -> VerifyReport:
        seen["thread"] = threading.current_thread() is not threading.main_thread()
        seen["lock_free"] = write_lock_free(demo_ws)
        seen["sheets"] = ws.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(out.glob(".export-*/*.pdf")):
            time.sleep(0.01)
        seen["rendered_meanwhile"] = bool(list(out.glob(".export-*/*.pdf")))
        seen["published_meanwhile"] = bool(list(out.glob("*.pdf")))
        return real_verify(ws, evidence_of)

    monkeypatch.setattr(verified, "verify_workspace", watching)
    with Workspace.open(demo_ws, create=False) as ws:
        ids = decided_ids(ws)[:4]
    before = _on_record(demo_ws)
    report = export_sheets(demo_ws, out, ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=2)

    assert report.ok, report.failed
    assert seen == {"thread": True, "lock_free": False, "sheets": before[0], "rendered_meanwhile": True,
                    "published_meanwhile": False}, seen
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{i}.pdf" for i in ids)
    assert _on_record(demo_ws)[0] == before[0] + len(ids)
    with Workspace.open(demo_ws, create=False, lock=False) as ws:
        (registered,) = ws.db.execute("SELECT details FROM audit WHERE action = ? ORDER BY seq DESC LIMIT 1",
                                      [REGISTER_ACTION]).fetchone()
        codes = {row[0] for row in ws.db.execute("SELECT code FROM sheets WHERE application_id IN (?, ?, ?, ?)", ids)}
    assert {sheet["code"] for sheet in json.loads(registered)["sheets"]} == codes, \
        "the sheets numbered one at a time, as the workers take them, are registered in one entry after the last"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_tampering_committed_before_the_export_is_refused_with_nothing_left_behind(
        demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    _forked_pool(monkeypatch)
    with Workspace.open(demo_ws, create=False) as ws:
        ids = decided_ids(ws)[:4]
        ws.db.execute("UPDATE assessments SET cap_yuan = '5000000' WHERE application_id = ?", [ids[1]])
        ws.db.conn.commit()
    before = _on_record(demo_ws)
    out = tmp_path / "out"
    made: list[str] = []
    real_make = batch._make

    def make(job: batch.SheetJob, *args: Any) -> batch.SheetResult:
        made.append(job.content.application_id)
        return real_make(job, *args)

    kept: list[str] = []
    real_keep = batch.keep_original

    def keep(ws: Workspace, path: Path, before_new: Any = None, sha256: str | None = None) -> None:
        kept.append(Path(path).name)
        real_keep(ws, path, before_new, sha256)

    monkeypatch.setattr(batch, "_make", make)
    monkeypatch.setattr(batch, "keep_original", keep)

    with pytest.raises(UnverifiedWorkspace, match=f"不导出审核表：.*表 assessments 键 {ids[1]} 字段 cap_yuan"):
        export_sheets(demo_ws, out, ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=jobs)

    assert not list(out.iterdir()), "no sheet, and no scratch folder with the sheets already made"
    assert _on_record(demo_ws) == before, "nothing numbered, audited or kept"
    assert write_lock_free(demo_ws)
    if jobs == 1:
        assert made, "the sheets were being made while the verify ran, and were thrown away"
        assert sorted(kept) == sorted(f"{i}.pdf" for i in ids), "their originals were kept meanwhile, and removed"


def test_a_failed_verify_is_the_reason_given_when_something_else_fails_too(
        demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.signing import revocation

    with Workspace.open(demo_ws, create=False) as ws:
        ids = decided_ids(ws)[:1]
        ws.db.execute("UPDATE assessments SET cap_yuan = '5000000' WHERE application_id = ?", [ids[0]])
        ws.db.conn.commit()

    def lapsed(_: Workspace) -> None:
        raise revocation.CrlLapsed("吊销列表已过期")

    monkeypatch.setattr(batch, "require_current_crl", lapsed)
    with pytest.raises(UnverifiedWorkspace, match="不导出审核表"):
        export_sheets(demo_ws, tmp_path / "out", ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)


def test_copies_that_cannot_be_removed_stay_listed_and_the_reason_given_is_the_export_s_own(
        demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from sheets.registry import KEPT_SCRATCH, listed_copies

    with Workspace.open(demo_ws, create=False) as ws:
        ids = decided_ids(ws)[:2]
        ws.db.execute("UPDATE assessments SET cap_yuan = '5000000' WHERE application_id = ?", [ids[0]])
        ws.db.conn.commit()
    before = _on_record(demo_ws)

    def failing(*_: Any) -> None:
        raise OSError("设备未就绪")

    monkeypatch.setattr(batch, "discard_unfiled", failing)
    out = tmp_path / "out"
    with caplog.at_level("WARNING", logger="reviewdesk"), pytest.raises(UnverifiedWorkspace, match="不导出审核表"):
        export_sheets(demo_ws, out, ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=1)

    assert "设备未就绪" in caplog.text
    assert not list(out.rglob("*.pdf")), "no signed sheet of a rolled-back export is left behind"
    (kept,) = demo_ws.glob(f"{KEPT_SCRATCH}*")
    listed = listed_copies(kept)
    assert len(listed) == len(ids), "the copies it kept stay listed for a later export to remove"
    after = _on_record(demo_ws)
    assert after[:2] == before[:2] and after[2] == before[2] + len(ids)
