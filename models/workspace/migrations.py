"""The named migrations of a workspace, applied in order at start, each in its own transaction.

They are recorded in ``_sqlite_migrations`` exactly as sqlite-utils' ``Migrations`` wrote it (the same
table, index, columns and timestamp text), so a workspace made by any earlier ReviewDesk migrates forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from models.workspace.database import Database

MIGRATIONS_TABLE = "_sqlite_migrations"
_CREATE_TABLE = ('CREATE TABLE "_sqlite_migrations" (\n   "id" INTEGER PRIMARY KEY,\n   "migration_set" TEXT,\n'
                 '   "name" TEXT,\n   "applied_at" TEXT\n)')
_CREATE_INDEX = ('CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"\n'
                 '    ON "_sqlite_migrations" ("migration_set", "name")')

MigrationStep = Callable[[Database], None]


@dataclass(frozen=True, slots=True)
class Migration:
    name: str
    fn: MigrationStep


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    name: str
    applied_at: str


class Migrations:
    """A named set of migrations: register with ``@MIGRATIONS(name=...)``, run with :meth:`apply`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[Migration] = []

    def __call__(self, *, name: str) -> Callable[[MigrationStep], MigrationStep]:
        def register(step: MigrationStep) -> MigrationStep:
            if any(m.name == name for m in self._migrations):
                raise ValueError(f"migration {name} is already registered in set {self.name}")
            self._migrations.append(Migration(name, step))
            return step

        return register

    def applied(self, db: Database) -> list[AppliedMigration]:
        """The migrations of this set recorded in ``db``, in the order they were applied; reads only."""
        if not _has_table(db):
            return []
        rows = db.execute(f'SELECT name, applied_at FROM "{MIGRATIONS_TABLE}" WHERE migration_set = ? '
                          "ORDER BY rowid", [self.name])
        return [AppliedMigration(name, applied_at) for name, applied_at in rows]

    def pending(self, db: Database) -> list[Migration]:
        done = {m.name for m in self.applied(db)}
        return [m for m in self._migrations if m.name not in done]

    def apply(self, db: Database) -> None:
        """Run each pending migration and record it in one transaction; one that raises stays pending."""
        ensure_migrations_table(db)
        for migration in self.pending(db):
            with db.atomic():
                migration.fn(db)
                db.execute(f'INSERT INTO "{MIGRATIONS_TABLE}" (migration_set, name, applied_at) VALUES (?, ?, ?)',
                           [self.name, migration.name, str(datetime.now(UTC))])


def ensure_migrations_table(db: Database) -> None:
    """Create the record table; one keyed otherwise (as sqlite-migrate made it) is rebuilt with its ``id``."""
    if not _has_table(db):
        with db.atomic():
            db.execute(_CREATE_TABLE)
            db.execute(_CREATE_INDEX)
        return
    keys = [row[1] for row in db.execute(f'PRAGMA table_info("{MIGRATIONS_TABLE}")') if row[5]]
    if keys == ["id"]:
        return
    with db.atomic():
        db.execute(f'ALTER TABLE "{MIGRATIONS_TABLE}" RENAME TO "{MIGRATIONS_TABLE}_old"')
        db.execute(_CREATE_TABLE)
        db.execute(f'INSERT INTO "{MIGRATIONS_TABLE}" (migration_set, name, applied_at) '
                   f'SELECT migration_set, name, applied_at FROM "{MIGRATIONS_TABLE}_old" ORDER BY rowid')
        db.execute(f'DROP TABLE "{MIGRATIONS_TABLE}_old"')
        db.execute(_CREATE_INDEX)


def _has_table(db: Database) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      [MIGRATIONS_TABLE]).fetchone() is not None


MIGRATIONS = Migrations("reviewdesk")


def statements(script: str) -> list[str]:
    """Split on ``;`` at line ends, keeping trigger bodies (``...; END;``) whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and ("CREATE TRIGGER" not in text or text.endswith("END;")):
            statements.append(text)
            current = []
    return statements
