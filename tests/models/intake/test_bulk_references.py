"""A bulk import checks its foreign keys once, for whole tables, before it commits; they are enforced again after."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models.failures import ReviewDeskError
from models.intake import importing
from models.workspace import records
from models.workspace.verification import verify_workspace
from models.workspace.workspace import DB_NAME, Workspace
from tests.workspace_support import import_as, intake_row, write_csv


def _foreign_keys(ws: Workspace) -> int:
    return int(ws.db.execute("PRAGMA foreign_keys").fetchone()[0])


def test_a_bulk_import_that_would_break_a_reference_is_rolled_back(ws: Workspace, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    monkeypatch.setattr(importing, "REFERENCES_CHECKED_AFTER_MIN_ROWS", 5)
    real_rows = records.application_rows

    def wrong_import(apps, import_id, demo, first_seq):  # noqa: ANN001, ANN202 - application_rows' own signature
        return real_rows(apps, import_id + 1000 if first_seq > 3 else import_id, demo, first_seq)

    monkeypatch.setattr(records, "application_rows", wrong_import)
    path = write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 9)])
    with pytest.raises(ReviewDeskError, match="表 applications 第 4 行引用的 imports 不存在"):
        import_as(ws, path)
    assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    assert ws.db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert _foreign_keys(ws) == 1
    monkeypatch.setattr(records, "application_rows", real_rows)

    assert import_as(ws, path).imported == 8
    assert _foreign_keys(ws) == 1
    assert ws.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert verify_workspace(ws).problems == []


def test_a_small_import_has_its_references_checked_row_by_row(ws: Workspace, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[bool] = []
    real = importing._references_checked_at_the_end

    def recording(ws: Workspace, bulk: bool):  # noqa: ANN202 - a context manager, as the real one
        checked.append(bulk)
        return real(ws, bulk)

    monkeypatch.setattr(importing, "_references_checked_at_the_end", recording)
    import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 4)]))
    assert checked == [False] and _foreign_keys(ws) == 1


def test_starting_the_logs_writeback_mid_import_keeps_sqlites_locks(tmp_path: Path) -> None:
    """The log is opened and closed beside SQLite's own descriptor (closing a file drops the process's POSIX
    locks on it): another process must still find the workspace locked for writing, and none of the rows."""
    with Workspace.open(tmp_path / "ws") as ws:
        ws.db.execute("BEGIN IMMEDIATE")
        ws.db.execute("INSERT INTO settings (key, value) VALUES ('甲', ?)", ["x" * 100_000])
        assert (tmp_path / "ws" / f"{DB_NAME}-wal").stat().st_size > 0
        importing._start_writeback(ws)
        other = subprocess.run([sys.executable, "-c", _OTHER_WRITER, str(tmp_path / "ws" / DB_NAME)],
                               capture_output=True, text=True, timeout=60)
        ws.db.execute("ROLLBACK")
    assert other.stdout.split() == ["locked", "0"], other.stderr


_OTHER_WRITER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
try:
    db.execute("BEGIN IMMEDIATE")
    print("written")
except sqlite3.OperationalError as error:
    print("locked" if "locked" in str(error) else error)
print(db.execute("SELECT COUNT(*) FROM settings WHERE key = '甲'").fetchone()[0])
"""
