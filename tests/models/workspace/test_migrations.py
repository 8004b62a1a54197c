"""The migration runner: in order, one transaction each, recorded as sqlite-utils recorded them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from models.workspace.database import Database
from models.workspace.migrations import Migrations

SQLITE_UTILS_TABLE = ('CREATE TABLE "_sqlite_migrations" (\n   "id" INTEGER PRIMARY KEY,\n   "migration_set" TEXT,\n'
                      '   "name" TEXT,\n   "applied_at" TEXT\n)')
SQLITE_UTILS_INDEX = ('CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"\n'
                      '    ON "_sqlite_migrations" ("migration_set", "name")')


def _two_steps() -> Migrations:
    steps = Migrations("reviewdesk")

    @steps(name="0001_first")
    def first(db: Database) -> None:
        db.execute("CREATE TABLE a (x TEXT)")

    @steps(name="0002_second")
    def second(db: Database) -> None:
        db.execute("ALTER TABLE a ADD COLUMN y TEXT")

    return steps


def test_migrations_apply_in_order_and_are_recorded_as_sqlite_utils_did(tmp_path: Path) -> None:
    steps = _two_steps()
    with Database(tmp_path / "m.db") as db:
        assert steps.applied(db) == [] and [m.name for m in steps.pending(db)] == ["0001_first", "0002_second"]
        steps.apply(db)
        assert [m.name for m in steps.applied(db)] == ["0001_first", "0002_second"]
        assert steps.pending(db) == []
        schema = [row[0] for row in db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = '_sqlite_migrations'"
                                               " ORDER BY type DESC")]
        assert schema == [SQLITE_UTILS_TABLE, SQLITE_UTILS_INDEX]
        rows = db.execute("SELECT id, migration_set, name, applied_at FROM _sqlite_migrations").fetchall()
        assert [row[:3] for row in rows] == [(1, "reviewdesk", "0001_first"), (2, "reviewdesk", "0002_second")]
        assert rows[0][3].endswith("+00:00") and len(rows[0][3]) == len("2026-12-01 09:45:47.873180+00:00")
        steps.apply(db)
        assert db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == 2


def test_a_failing_migration_is_undone_and_stays_pending(tmp_path: Path) -> None:
    steps = _two_steps()

    @steps(name="0003_broken")
    def broken(db: Database) -> None:
        db.execute("CREATE TABLE b (x TEXT)")
        db.execute("INSERT INTO nowhere VALUES (1)")

    with Database(tmp_path / "m.db") as db:
        with pytest.raises(sqlite3.OperationalError):
            steps.apply(db)
        assert [m.name for m in steps.applied(db)] == ["0001_first", "0002_second"]
        assert [m.name for m in steps.pending(db)] == ["0003_broken"]
        assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'b'").fetchone() is None


def test_a_name_is_registered_once() -> None:
    steps = _two_steps()
    with pytest.raises(ValueError, match="0001_first"):
        steps(name="0001_first")(lambda db: None)


def test_an_other_set_and_an_older_table_shape_are_kept(tmp_path: Path) -> None:
    """A record table keyed by name, as sqlite-migrate made it, is rebuilt with its id, rows in their order."""
    with Database(tmp_path / "m.db") as db:
        db.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT PRIMARY KEY, applied_at TEXT)")
        db.execute("INSERT INTO _sqlite_migrations VALUES ('other', 'z_step', 't0'), ('reviewdesk', '0001_first', 't1')")
        db.execute("CREATE TABLE a (x TEXT)")
        steps = _two_steps()
        assert [m.name for m in steps.pending(db)] == ["0002_second"]
        steps.apply(db)
        rows = db.execute("SELECT id, migration_set, name FROM _sqlite_migrations ORDER BY id").fetchall()
        assert rows == [(1, "other", "z_step"), (2, "reviewdesk", "0001_first"), (3, "reviewdesk", "0002_second")]
        assert db.execute("SELECT sql FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone()[0] \
            == SQLITE_UTILS_TABLE
