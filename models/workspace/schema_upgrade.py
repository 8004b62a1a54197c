"""Bringing a workspace database to this build's schema with Alembic, in one transaction with its audit event.

Opening an up-to-date workspace asks one question, :func:`schema_state`, and imports neither SQLAlchemy nor
Alembic. Only when a revision is pending does :func:`upgrade` load them: on a connection of its own it takes the
write lock, applies the revisions (or stamps a workspace the legacy steps have just brought to 0009), installs
the capture triggers for the tables as they now are, captures every table whole and appends the
数据库结构快照 event, and commits all of it at once. SQLite's DDL is transactional: a failure leaves the
database as it was.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.workspace import audit, dialect, projection
from models.workspace.database import Database, in_list
from models.workspace.migrations import MIGRATIONS, MIGRATIONS_TABLE, ensure_migrations_table

if TYPE_CHECKING:
    from sqlalchemy import Connection

SCRIPTS = Path(__file__).resolve().parent / "alembic"
BASELINE = "0010_baseline"
REVISIONS = (BASELINE, "0011_array_rows", "0012_insertion_order")
"""Every revision this build knows, oldest first (a test checks them against the scripts in ``alembic/``)."""
HEAD = REVISIONS[-1]
OLDER_BUILDS_STOP = "0010_alembic"
"""Recorded among the legacy migrations, so that a ReviewDesk from before Alembic refuses the workspace
as one written by a newer version instead of running its own steps on it."""
SNAPSHOT_ACTION = "数据库结构快照"


def current_revision(db: Database) -> str | None:
    """The workspace's Alembic revision, or None when it has none yet (new, or built by the legacy steps)."""
    try:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise
    return None if row is None else str(row[0])


def schema_state(db: Database, known_legacy: Sequence[str]) -> tuple[str | None, bool]:
    """The Alembic revision, and whether a legacy step outside ``known_legacy`` is recorded: one query."""
    known, parameters = in_list("known", [*known_legacy, OLDER_BUILDS_STOP])
    try:
        revision, stray = db.execute(
            f"SELECT (SELECT version_num FROM alembic_version), EXISTS (SELECT 1 FROM \"{MIGRATIONS_TABLE}\" "
            f"WHERE migration_set = :migration_set AND name NOT IN {known})",
            {"migration_set": MIGRATIONS.name} | parameters).fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise
        return current_revision(db), False
    return (None if revision is None else str(revision)), bool(stray)


def pending_revisions(current: str | None) -> list[str]:
    """The revisions after ``current`` (all of them after None); ``current`` must be one of :data:`REVISIONS`."""
    return list(REVISIONS if current is None else REVISIONS[REVISIONS.index(current) + 1:])


def upgrade(path: Path, actor: str, *, stamp: bool, legacy_steps: list[str], existed: bool) -> list[str]:
    """Apply the pending revisions to the SQLite workspace database at ``path``; the revisions applied.

    ``stamp``: the legacy steps built this database (it is at 0009), so it is stamped at the baseline rather
    than created by it. ``legacy_steps`` are the legacy migrations just applied, named in the event with the
    revisions; ``existed`` says whether the workspace held data before (the event's reason).
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    # a creator rather than a URL: a folder name may hold '#', '?' or '%', which a URL would read otherwise
    engine = create_engine("sqlite://", poolclass=NullPool, creator=lambda: sqlite3.connect(str(path), timeout=30))

    @event.listens_for(engine, "connect")
    def _settings(connection: sqlite3.Connection, record: object) -> None:
        connection.isolation_level = None  # the transaction is begun below, so that DDL is inside it
        for statement in dialect.connection_settings(dialect.SQLITE):
            connection.execute(statement)

    @event.listens_for(engine, "begin")
    def _write_lock(connection: Connection) -> None:
        for statement in dialect.begin_write(dialect.SQLITE):
            connection.exec_driver_sql(statement)

    try:
        with engine.begin() as connection:
            applied = run_revisions(connection, stamp=stamp)
            raw = connection.connection.driver_connection
            if not isinstance(raw, sqlite3.Connection):
                raise TypeError("the SQLite driver gave no sqlite3 connection")
            db = Database(raw)
            _stop_older_builds(db)
            projection.install_capture(db)
            projection.capture_snapshot(db)
            audit.append(db, actor, SNAPSHOT_ACTION, "", {
                "migrations": [*legacy_steps, *applied],
                "revision": HEAD,
                "reason": "数据库结构升级后，以各表现有内容为审计重放的起点" if existed else "新建工作区",
                "nonce": uuid.uuid4().hex,
            })
    finally:
        engine.dispose()
    return applied


def run_revisions(connection: Connection, *, stamp: bool) -> list[str]:
    """``alembic stamp`` the baseline when asked, then ``alembic upgrade`` to :data:`HEAD`, inside the caller's transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    before = _version(connection)
    stamped = stamp and before is None
    if stamped:
        command.stamp(config, BASELINE)
        before = BASELINE
    command.upgrade(config, HEAD)
    if (after := _version(connection)) != HEAD:
        raise RuntimeError(f"alembic left the database at {after!r}, not {HEAD!r}")
    return ([BASELINE] if stamped else []) + pending_revisions(before)


def install_postgres_capture(connection: Connection) -> None:
    """The capture functions and triggers of every projected table, on PostgreSQL, for the tables as described."""
    from models.workspace.tables import metadata

    for table in metadata.sorted_tables:
        if table.name not in projection.NOT_PROJECTED:
            for statement in dialect.postgres_capture(table, table.name in projection.ARRAY_ROW_TABLES):
                connection.exec_driver_sql(statement)


def _version(connection: Connection) -> str | None:
    from alembic.migration import MigrationContext

    heads: Any = MigrationContext.configure(connection).get_current_heads()
    return str(heads[0]) if heads else None


def _stop_older_builds(db: Database) -> None:
    ensure_migrations_table(db)
    db.execute(f'INSERT INTO "{MIGRATIONS_TABLE}" (migration_set, name, applied_at) '
               "VALUES (:migration_set, :name, :applied_at) ON CONFLICT DO NOTHING",
               {"migration_set": MIGRATIONS.name, "name": OLDER_BUILDS_STOP, "applied_at": str(datetime.now(UTC))})
