"""Opening a workspace: WAL and synchronous=FULL, one instance, migrations, newer schemas refused."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models.workspace.locking import WorkspaceLock, WorkspaceLocked
from models.workspace.storage import filesystem_type
from models.workspace.workspace import NewerSchema, NotAWorkspace, Workspace, connect


def test_every_connection_uses_wal_and_full_sync(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    db = connect(tmp_path / "ws" / "reviewdesk.db")
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2
    db.close()


def test_a_new_workspace_has_16_kib_pages_and_an_older_one_keeps_its_own(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.db.execute("PRAGMA page_size").fetchone()[0] == 16384
    older = tmp_path / "older" / "reviewdesk.db"
    older.parent.mkdir()
    made = sqlite3.connect(older)
    made.execute("PRAGMA page_size=4096")
    made.execute("CREATE TABLE t (x)")
    made.commit()
    made.close()
    db = connect(older)
    assert db.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_second_instance_is_told_who_holds_it(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    with Workspace.open(folder):
        code = (
            "import sys; sys.path.insert(0, '.');"
            "from models.workspace.workspace import Workspace;"
            f"Workspace.open({str(folder)!r})"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parents[3])
        assert result.returncode != 0
        assert "工作区正被" in result.stderr and "使用" in result.stderr
    with Workspace.open(folder):
        pass


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    Workspace.open(folder).close()
    (folder / "reviewdesk.lock").write_text(
        json.dumps({"user": "x", "host": __import__("socket").gethostname(), "pid": 999999, "since": "t"}),
        encoding="utf-8")
    with Workspace.open(folder):
        pass


def test_same_process_cannot_open_twice(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws"), pytest.raises(WorkspaceLocked):
        Workspace.open(tmp_path / "ws")


def test_missing_workspace_not_created_when_not_asked(tmp_path: Path) -> None:
    with pytest.raises(NotAWorkspace):
        Workspace.open(tmp_path / "nothing", create=False)


def test_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    with Workspace.open(folder) as ws:
        ws.db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                      "VALUES ('reviewdesk', '0099_future', 'x')")
        ws.db.conn.commit()
    before = (folder / "reviewdesk.db").read_bytes()
    with pytest.raises(NewerSchema, match="更新版本"):
        Workspace.open(folder)
    assert (folder / "reviewdesk.db").read_bytes() == before
    assert not WorkspaceLock(folder).holder() or _lock_is_free(folder)


def test_pending_migration_backs_up_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.schema_support import with_future_revision

    folder = tmp_path / "ws"
    Workspace.open(folder).close()
    revision = with_future_revision(tmp_path / "scripts", monkeypatch)
    with Workspace.open(folder) as ws:
        columns = [row[1] for row in ws.db.execute("PRAGMA table_info(settings)")]
        assert "extra" in columns
    backups = list((folder / "backups").glob("*.db"))
    assert len(backups) == 1 and revision in backups[0].name


def test_filesystem_type_is_known_for_local_disk(tmp_path: Path) -> None:
    assert filesystem_type(tmp_path) not in ("nfs", "cifs")


def _lock_is_free(folder: Path) -> bool:
    lock = WorkspaceLock(folder)
    try:
        lock.acquire()
    except WorkspaceLocked:
        return False
    lock.release()
    return True
