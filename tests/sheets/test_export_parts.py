"""A large export is numbered and filed in parts, one transaction each: other writers get the workspace between them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from demo.workspace import DEMO_PASSPHRASE
from models.workspace.workspace import DB_NAME, Workspace
from sheets import batch
from sheets.batch import decided_ids, export_sheets
from sheets.registry import FILED_ACTION
from tests.sheets.support import FIRST_REVIEWER


def _write_lock_free(folder: Path) -> bool:
    """Whether another connection could start writing this moment (without waiting)."""
    other = sqlite3.connect(str(folder / DB_NAME), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_is_filed_in_parts_with_the_lock_free_between_them_and_numbers_without_gaps(
        demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(batch, "SHEETS_PER_TRANSACTION", 2)
    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)
    real_transaction = batch.export_transaction
    lock_free_before_part: list[bool] = []

    def transaction(*args: Any, **kwargs: Any) -> Any:
        lock_free_before_part.append(_write_lock_free(demo_ws))
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
