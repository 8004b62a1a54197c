"""SIGKILL in the middle of a 100,000-row import leaves the workspace exactly as before: the import writes
through SQLite's rollback journal (``importing._rollback_journal``), and the next opening rolls the hot journal
back and takes the write-ahead log up again."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.workspace.workspace import Workspace
from tests.workspace_support import intake_row, signing_options, write_csv

ROOT = Path(__file__).resolve().parents[3]


def _state(folder: Path) -> tuple[int, int, str]:
    with Workspace.open(folder, create=False) as ws:
        apps = ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
        audit = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        assert ws.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        digest = hashlib.sha256(repr(list(ws.db.execute(
            "SELECT * FROM applications ORDER BY application_id"))).encode()).hexdigest()
    return apps, audit, digest


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_during_a_big_import_loses_nothing_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    small = write_csv(tmp_path / "small.csv", [intake_row(n) for n in range(1, 4)])
    signing = signing_options(folder)
    subprocess.run([sys.executable, "main.py", "--workspace", str(folder), "import", str(small), *signing],
                   cwd=ROOT, check=True, capture_output=True)
    before = _state(folder)
    big = write_csv(tmp_path / "big.csv", [intake_row(n) for n in range(10, 100_010)])
    database, journal = folder / "reviewdesk.db", folder / "reviewdesk.db-journal"
    start_size = database.stat().st_size
    process = subprocess.Popen([sys.executable, "main.py", "--workspace", str(folder), "import", str(big), *signing],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        if journal.exists() and database.stat().st_size > start_size + 2_000_000:
            break
        time.sleep(0.005)
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert journal.exists() and database.stat().st_size > start_size + 2_000_000  # rows written, then cut off
    assert _state(folder) == before
    assert not journal.exists() and database.stat().st_size == start_size
    with Workspace.open(folder, create=False) as ws:
        assert ws.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
