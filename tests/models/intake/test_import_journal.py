"""A bulk import writes its rows once, through SQLite's rollback journal, and the workspace keeps its
write-ahead log before and after: only where no other connection has the workspace open, never waiting for one,
and as atomic as ever."""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from models import fork_safety
from models.intake import importing
from models.intake.problems import ImportRejected
from models.workspace.verification import verify_workspace
from models.workspace.workspace import DB_NAME, Workspace
from tests.workspace_support import import_as, intake_row, staffed_workspace, write_csv

MODE = "PRAGMA journal_mode"
real_only_thread = fork_safety.only_thread


@pytest.fixture(autouse=True)
def _bulk_at_six_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Six rows make a bulk import, in chunks of 3; this process is taken as the CLI's one thread, whatever
    threads earlier tests (Qt's pool) left running."""
    monkeypatch.setattr(importing, "REFERENCES_CHECKED_AFTER_MIN_ROWS", 6)
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    monkeypatch.setattr(fork_safety, "fork_safe", lambda: True)
    monkeypatch.setattr(fork_safety, "only_thread", lambda: True)


@pytest.fixture(params=[True, False], ids=["streamed", "one-process"])
def streamed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(importing, "STREAMED_MIN_BYTES", 0 if request.param else 1 << 40)
    return bool(request.param)


def _modes_while_writing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The journal mode each chunk is written under."""
    modes: list[str] = []
    real = importing._write_chunk

    def noting(db, chunk, capture, *, new_only):  # noqa: ANN001, ANN202 - _write_chunk's own signature
        modes.append(db.execute(MODE).fetchone()[0])
        return real(db, chunk, capture, new_only=new_only)

    monkeypatch.setattr(importing, "_write_chunk", noting)
    return modes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the streamed path forks")
def test_a_bulk_import_is_written_through_the_rollback_journal_and_the_log_comes_back(
        tmp_path: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    modes = _modes_while_writing(monkeypatch)
    with staffed_workspace(tmp_path / "ws") as ws:
        assert ws.db.execute(MODE).fetchone()[0] == "wal"
        result = import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 9)]))
        assert result.imported == 8
        assert modes == ["delete"] * 3
        assert ws.db.execute(MODE).fetchone()[0] == "wal"
        assert not (ws.folder / f"{DB_NAME}-journal").exists()
        assert verify_workspace(ws).problems == []
    with Workspace.open(tmp_path / "ws", create=False) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 8


def test_a_small_import_keeps_the_log_unless_it_streams(tmp_path: Path, streamed: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A streamed import writes its imports row after its rows, so it is always checked and written in bulk."""
    modes = _modes_while_writing(monkeypatch)
    with staffed_workspace(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 6)]))
        assert modes == ["delete" if streamed else "wal"] * 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the streamed path forks")
def test_another_connection_open_keeps_the_log_without_waiting_for_it(
        tmp_path: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Say an auditor's sqlite3 has the database open: SQLite does not switch, and says so at once."""
    modes = _modes_while_writing(monkeypatch)
    with staffed_workspace(tmp_path / "ws") as ws:
        reader = sqlite3.connect(ws.folder / DB_NAME)
        try:
            assert reader.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
            started = time.monotonic()
            assert import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 9)])).imported == 8
            assert time.monotonic() - started < 20
            assert reader.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 8
        finally:
            reader.close()
        assert modes == ["wal"] * 3
        assert verify_workspace(ws).problems == []


def test_another_thread_in_the_process_keeps_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the GUI, which imports on a pool thread: a connection another thread opened mid-import would wait."""
    monkeypatch.setattr(importing, "STREAMED_MIN_BYTES", 1 << 40)
    monkeypatch.setattr(fork_safety, "only_thread", real_only_thread)
    modes = _modes_while_writing(monkeypatch)
    ended = threading.Event()
    other = threading.Thread(target=ended.wait, daemon=True)
    other.start()
    try:
        with staffed_workspace(tmp_path / "ws") as ws:
            assert import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 9)])).imported == 8
            assert modes == ["wal"] * 3
    finally:
        ended.set()
        other.join()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the streamed path forks")
def test_a_rejected_bulk_import_under_the_journal_keeps_nothing_and_the_log_comes_back(
        tmp_path: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    modes = _modes_while_writing(monkeypatch)
    rows = [intake_row(n) for n in range(1, 10)]
    rows[7]["申请金额(万元)"] = "十万"  # the third chunk: two are written first when streamed
    with staffed_workspace(tmp_path / "ws") as ws:
        before = ws.db.execute("SELECT COUNT(*) FROM audit_changes").fetchone()[0]
        with pytest.raises(ImportRejected, match="第9行 申请金额"):
            import_as(ws, write_csv(tmp_path / "申报.csv", rows))
        assert modes == (["delete"] * 2 if streamed else [])
        assert ws.db.execute(MODE).fetchone()[0] == "wal"
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
        assert ws.db.execute("SELECT COUNT(*) FROM audit_changes").fetchone()[0] == before
        assert not (ws.folder / f"{DB_NAME}-journal").exists()
        assert verify_workspace(ws).problems == []
