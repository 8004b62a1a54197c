"""Two writers at once, with the lock file deleted between them: the database still serialises them."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide_with_key
from models.signing.reviewers import unlock
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

TRIALS = 50


def _decide(folder: str, application_id: str, amount: str, start: multiprocessing.synchronize.Barrier,
            opened: multiprocessing.synchronize.Event, go_on: multiprocessing.synchronize.Event,
            results: multiprocessing.Queue) -> None:
    try:
        ws = Workspace.open(Path(folder))
        opened.set()
        go_on.wait(30)
        key = unlock(ws, "审核员甲", PASSPHRASE)
        start.wait(30)
        decide_with_key(ws, DecisionInput(application_id, "初审", "通过", "审核员甲", Decimal(amount)), key)
        ws.close()
        results.put("ok")
    except Exception as error:  # noqa: BLE001 - the parent asserts on what each child reports
        results.put(f"{type(error).__name__}: {error}")


@pytest.mark.slow
def test_fifty_races_of_two_decide_processes_never_leave_two_current_decisions(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    ws = staffed_workspace(folder)
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(n) for n in range(1, TRIALS + 1)]))
    for n in range(1, TRIALS + 1):
        declare_conflict(ws, f"T{n:05d}", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    ws.close()
    context = multiprocessing.get_context("fork")
    outcomes: list[str] = []
    for n in range(1, TRIALS + 1):
        start = context.Barrier(2)
        go_on = context.Event()
        results = context.Queue()
        first_opened, second_opened = context.Event(), context.Event()
        first = context.Process(target=_decide, args=(str(folder), f"T{n:05d}", "300000", start, first_opened,
                                                      go_on, results))
        first.start()
        assert first_opened.wait(30)
        (folder / "reviewdesk.lock").unlink()
        second = context.Process(target=_decide, args=(str(folder), f"T{n:05d}", "400000", start, second_opened,
                                                       go_on, results))
        second.start()
        assert second_opened.wait(30), "the second writer could not get in once the lock file was deleted"
        go_on.set()
        first.join(60)
        second.join(60)
        outcomes += [results.get(timeout=5), results.get(timeout=5)]
    with Workspace.open(folder) as ws:
        doubled = ws.db.execute(
            "SELECT application_id, COUNT(*) FROM decisions WHERE current = 1 AND stage = '初审' "
            "GROUP BY application_id HAVING COUNT(*) > 1").fetchall()
        decided = ws.db.execute("SELECT COUNT(DISTINCT application_id) FROM decisions WHERE current = 1").fetchone()[0]
        report = verify_workspace(ws)
    assert doubled == []
    assert decided == TRIALS
    assert outcomes.count("ok") == 2 * TRIALS, [o for o in outcomes if o != "ok"][:3]
    assert report.ok, report.problems[:3]
