"""A large export is numbered and filed in parts, one transaction each: other writers get the workspace between them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from demo.workspace import DEMO_PASSPHRASE
from models import fork_safety
from models.workspace.workspace import Workspace
from sheets import batch
from sheets.batch import decided_ids, export_sheets
from sheets.registry import FILED_ACTION
from tests.sheets.support import FIRST_REVIEWER, write_lock_free


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_is_filed_in_parts_with_the_lock_free_between_them_and_numbers_without_gaps(
        demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(batch, "SHEETS_PER_TRANSACTION", 2)
    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)
    real_transaction = batch.export_transaction
    lock_free_before_part: list[bool] = []

    def transaction(*args: Any, **kwargs: Any) -> Any:
        lock_free_before_part.append(write_lock_free(demo_ws))
        return real_transaction(*args, **kwargs)

    monkeypatch.setattr(batch, "export_transaction", transaction)
    with Workspace.open(demo_ws, create=False) as ws:
        ids = decided_ids(ws)[:5]
    seen: list[tuple[int, int]] = []
    report = export_sheets(demo_ws, tmp_path / "out", ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=jobs,
                           progress=lambda done, total, _: seen.append((done, total)))

    assert report.ok, report.failed
    assert lock_free_before_part == [True, True, True]
    assert seen == [(n, 5) for n in range(1, 6)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{i}.pdf" for i in ids)
    with Workspace.open(demo_ws, create=False) as ws:
        rows = ws.db.execute("SELECT serial, sha256 FROM sheets ORDER BY serial").fetchall()
        filed = ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = ?", [FILED_ACTION]).fetchone()[0]
    assert filed == 3
    numbers = [int(serial.rsplit("-", 1)[1]) for serial, _ in rows]
    assert numbers == list(range(1, 6)) and all(sha256 for _, sha256 in rows)


def _forked_pool_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only a forked pool inherits the parent's signer")
    monkeypatch.setattr(fork_safety, "fork_safe", lambda: True)  # as in the CLI, whatever threads earlier tests left
    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)


def _recording_makers(monkeypatch: pytest.MonkeyPatch, made_by: Path) -> Path:
    """Each sheet made from now on adds a line to ``made_by``: its 申报编号 and the id of the process that made it."""
    import os

    real_make = batch._make

    def make(job: batch.SheetJob, *args: Any) -> batch.SheetResult:
        with made_by.open("a", encoding="utf-8") as log:
            log.write(f"{job.content.application_id} {os.getpid()}\n")
        return real_make(job, *args)

    monkeypatch.setattr(batch, "_make", make)
    return made_by


def test_with_fork_the_parent_makes_the_first_sheet_and_the_workers_inherit_its_warm_signer(
        demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import os

    from models.signing.reviewers import ca_certificate
    from sheets.verify import verify_pdf

    _forked_pool_of_two(monkeypatch)
    monkeypatch.setattr(batch, "_warm_fonts", set())  # as in a process that has made no sheet yet
    made_by = _recording_makers(monkeypatch, tmp_path / "made-by.txt")
    with Workspace.open(demo_ws, create=False) as ws:
        ids = decided_ids(ws)[:4]
    report = export_sheets(demo_ws, tmp_path / "out", ids, FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=2)

    assert report.ok, report.failed
    pids = dict(line.split() for line in made_by.read_text(encoding="utf-8").splitlines())
    assert sorted(pids) == sorted(ids)
    assert pids[ids[0]] == str(os.getpid()), "the first sheet is made before the workers fork"
    assert all(pids[i] != str(os.getpid()) for i in ids[1:]), "the others in the workers"
    assert gc.get_freeze_count() == 0, "nothing is left frozen once the pool has gone"
    with Workspace.open(demo_ws, create=False, lock=False) as ws:
        for application_id in ids:
            verdict = verify_pdf(tmp_path / "out" / f"{application_id}.pdf", ca_certificate(ws), ws)
            assert verdict.ok, (application_id, verdict.reasons)


def test_the_workers_are_let_go_once_the_expected_sheets_are_made_and_gone_when_the_maker_closes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from bench.sheet_figures import _setup

    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)
    _, unsigned, _ = _setup(tmp_path, 4)
    with batch.SheetMaker(None, None, 2, len(unsigned)) as maker:
        first = maker.make(unsigned[:2])
        assert maker._closing is None, "two sheets still to come: the workers stay"
        assert multiprocessing.active_children()
        rest = maker.make(unsigned[2:])
        assert maker._closing is not None, "all made: the workers are let go while the export files them"
    assert all(result.error is None and Path(result.path).is_file() for result in first + rest)
    assert not multiprocessing.active_children(), "no worker outlives the maker"


def test_a_process_already_warm_forks_its_workers_at_once(demo_ws: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from models.signing.reviewers import ca_certificate
    from sheets.verify import verify_pdf

    _forked_pool_of_two(monkeypatch)
    with Workspace.open(demo_ws, create=False) as ws:
        ids = decided_ids(ws)[:8]
    first = export_sheets(demo_ws, tmp_path / "first", ids[:4], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=2)
    assert first.ok, first.failed
    made_by = _recording_makers(monkeypatch, tmp_path / "made-by.txt")
    second = export_sheets(demo_ws, tmp_path / "second", ids[4:], FIRST_REVIEWER, DEMO_PASSPHRASE, jobs=2)
    assert second.ok, second.failed
    pids = dict(line.split() for line in made_by.read_text(encoding="utf-8").splitlines())
    assert sorted(pids) == sorted(ids[4:])
    assert all(pid != str(os.getpid()) for pid in pids.values()), "warm: every sheet made in the workers"
    with Workspace.open(demo_ws, create=False, lock=False) as ws:
        for application_id in ids[4:]:
            verdict = verify_pdf(tmp_path / "second" / f"{application_id}.pdf", ca_certificate(ws), ws)
            assert verdict.ok, (application_id, verdict.reasons)
