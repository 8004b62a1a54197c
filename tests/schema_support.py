"""Workspace schemas built each way, and their shape in a form two engines' or two paths' can be compared in."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from models.workspace.database import Database
from models.workspace.migrations import MIGRATIONS
from models.workspace.tables import NOT_IN_SCHEMA


def legacy_schema(path: Path) -> Path:
    """A database the frozen legacy steps 0001–0009 built, as every workspace was made before Alembic."""
    import models.workspace.schema  # noqa: F401 - registers the legacy steps

    with Database(path) as db:
        MIGRATIONS.apply(db)
    return path


def legacy_schema_upgraded(path: Path) -> Path:
    """:func:`legacy_schema`, stamped at the baseline and taken through every later revision (tables only: no
    capture triggers, no snapshot): the schema a workspace from before Alembic has once migrated."""
    from sqlalchemy import create_engine

    from models.workspace import schema_upgrade

    legacy_schema(path)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            schema_upgrade.run_revisions(connection, stamp=True)
    finally:
        engine.dispose()
    return path


def sqlite_shape(path: Path) -> dict[str, Any]:
    """Per table: columns (name, type, not null, default, key position), foreign keys, indexes; and the triggers."""
    db = sqlite3.connect(str(path))
    try:
        tables: dict[str, Any] = {}
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                  "ORDER BY name"):
            if name in NOT_IN_SCHEMA:
                continue
            indexes = []
            for _, index, unique, origin, partial in db.execute(f'PRAGMA index_list("{name}")'):
                columns = tuple(row[2] for row in db.execute(f'PRAGMA index_info("{index}")'))
                indexes.append((None if index.startswith("sqlite_autoindex") else index, unique, origin, partial,
                                columns))
            tables[name] = {
                "columns": [row[1:] for row in db.execute(f'PRAGMA table_info("{name}")')],
                "foreign_keys": sorted(row[2:5] for row in db.execute(f'PRAGMA foreign_key_list("{name}")')),
                "indexes": sorted(indexes, key=repr),
            }
        triggers = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"))
        return {"tables": tables, "triggers": triggers}
    finally:
        db.close()


def metadata_differences(url_or_connection: Any) -> list[Any]:
    """What ``alembic.autogenerate.compare_metadata`` finds between ``models.workspace.tables`` and a database.

    One finding is not a difference and is left out: on PostgreSQL a primary-key column is ``NOT NULL`` whatever
    its declaration says, while the tables declare such columns nullable, as SQLite's legacy DDL made them.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from models.workspace.tables import metadata

    def include(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
        return not (kind == "table" and name in NOT_IN_SCHEMA)

    if isinstance(url_or_connection, str):
        engine = create_engine(url_or_connection)
        try:
            with engine.connect() as connection:
                return metadata_differences(connection)
        finally:
            engine.dispose()
    context = MigrationContext.configure(url_or_connection, opts={
        "include_object": include, "compare_type": True, "compare_server_default": True})
    found = []
    for difference in compare_metadata(context, metadata):
        if isinstance(difference, list):  # a column's modifications
            difference = [d for d in difference if not _postgres_key_not_null(url_or_connection, d)]
            if not difference:
                continue
        found.append(difference)
    return found


def _postgres_key_not_null(connection: Any, modification: tuple[Any, ...]) -> bool:
    from models.workspace.tables import metadata

    kind, _, table, column, _, reflected_nullable, declared_nullable = modification
    return (connection.dialect.name == "postgresql" and kind == "modify_nullable"
            and metadata.tables[table].c[column].primary_key and reflected_nullable is False
            and declared_nullable is True)


FUTURE_REVISION = "0011_test_column"


def with_future_revision(scripts: Path, monkeypatch: Any) -> str:
    """This build's Alembic scripts copied to ``scripts`` with one revision more (it adds ``settings.extra``)."""
    import shutil

    from models.workspace import schema_upgrade

    shutil.copytree(schema_upgrade.SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "r0011_test_column.py").write_text(
        "from alembic import op\n"
        f"revision = {FUTURE_REVISION!r}\n"
        f"down_revision = {schema_upgrade.HEAD!r}\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        "    op.execute('ALTER TABLE settings ADD COLUMN extra TEXT')\n", encoding="utf-8")
    monkeypatch.setattr(schema_upgrade, "SCRIPTS", scripts)
    monkeypatch.setattr(schema_upgrade, "REVISIONS", (*schema_upgrade.REVISIONS, FUTURE_REVISION))
    monkeypatch.setattr(schema_upgrade, "HEAD", FUTURE_REVISION)
    return FUTURE_REVISION
