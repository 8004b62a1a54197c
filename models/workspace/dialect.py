"""What must differ between SQLite and PostgreSQL, and nothing else: one small module, read top to bottom.

- the capture triggers that log each row change into ``audit_changes`` (SQLite: a trigger per table and
  operation with ``json_object``, or ``json_array`` for the bulk tables; PostgreSQL: a PL/pgSQL function per
  table with ``json_build_object`` or ``json_build_array``, giving the same JSON row: the same keys in column
  order, text as strings, integers as numbers, money as its Decimal text, bytes as ``blob:`` and upper-case hex);
- the append-only guards of ``audit`` and ``audit_changes``;
- the settings of every connection (PRAGMAs; none on PostgreSQL);
- the statement that takes the write lock (``BEGIN IMMEDIATE``; ``SERIALIZABLE`` with an advisory lock);
- replacing a row by its key (``INSERT OR REPLACE``; ``INSERT … ON CONFLICT … DO UPDATE``);
- the key the capture logs for a row, as SQL (``json_array``; ``json_build_array``), to find a row's entries;
- reading a field of a JSON text column (``json_extract``; ``#>>``), and whether a table exists (``sqlite_master``;
  ``information_schema``);
- the file-level backup (SQLite's backup API; ``pg_dump`` for a server, a later issue);
- the columns of every table as the database holds them (SQLite's ``pragma_table_info``; ``information_schema``),
  and one line of the changes digest as UTF-8 bytes (``CAST(… AS BLOB)``; ``convert_to``);
- SQLite's own: its capture triggers and indexes as ``sqlite_master`` holds them (a bulk import sets them aside
  inside its transaction and makes them again from that text) and the tuning of a bulk import (page cache,
  foreign keys checked once at the end);
- numbering the rows a table already holds in the order they were inserted, once, when revision
  ``0012_insertion_order`` gives it an explicit column (SQLite's ``rowid``; PostgreSQL's physical order);
- the PostgreSQL form of the models' SQL: written once with named parameters (``:name``), which sqlite3 runs as it
  is and SQLAlchemy's compiler turns into psycopg's (``postgres_sql``).

The SQLite texts are byte for byte those earlier versions wrote: workspaces store trigger SQL in
``sqlite_master``. Nothing here imports SQLAlchemy at module level; opening a workspace needs none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sqlalchemy import Table

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DIALECTS = (SQLITE, POSTGRESQL)

PUT, DELETE = "put", "del"

# --- connection settings and the write lock ---------------------------------------------------------------

SQLITE_CONNECTION_SETTINGS = ("PRAGMA page_size=16384", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                              "PRAGMA busy_timeout=30000")
"""Run on every workspace connection: WAL for readers beside the writer, durable commits, keys enforced. A new
database gets 16 KiB pages (an existing one keeps its own: the size is fixed once it holds a table): SQLite writes
and checksums a page and a frame header for each page it writes to the write-ahead log, then copies it again at
the checkpoint, and a 1,000,000-row import writes some 2 GB: with 4 KiB pages its importer took 68.6 CPU seconds
(16.9 of them in the kernel) and wrote 5.1 GB, with 16 KiB pages 59.4 (11.5) and 4.0 GB, and the database is
6 % smaller."""

WORKSPACE_LOCK_KEY = 0x5265766965774465  # "ReviewDe": one advisory lock for every writer of a workspace database

_WRITE_LOCK = {
    # the write lock before the first read: every check made inside the transaction still holds at commit
    SQLITE: ("BEGIN IMMEDIATE",),
    POSTGRESQL: ("BEGIN ISOLATION LEVEL SERIALIZABLE", f"SELECT pg_advisory_xact_lock({WORKSPACE_LOCK_KEY})"),
}
_CONNECTION_SETTINGS: dict[str, tuple[str, ...]] = {SQLITE: SQLITE_CONNECTION_SETTINGS, POSTGRESQL: ()}


def connection_settings(dialect: str) -> tuple[str, ...]:
    return _CONNECTION_SETTINGS[dialect]


def begin_write(dialect: str) -> tuple[str, ...]:
    """The statements that open a write transaction holding the workspace's write lock."""
    return _WRITE_LOCK[dialect]


SQLITE_BEGIN_WRITE = _WRITE_LOCK[SQLITE][0]


def replace_row(dialect: str, table: str, columns: Sequence[str], key: Sequence[str],
                values: Sequence[str] | None = None) -> str:
    """An INSERT that replaces the row with the same ``key``, with one positional parameter per column (or the
    SQL expressions ``values``, one per column: named parameters, literals).

    On SQLite the replaced row is deleted and inserted (its capture logs ``del`` then ``put``); on PostgreSQL
    it is updated in place (its capture logs ``put``). The replayed state is the same.
    """
    names = ", ".join(_quoted(c) for c in columns)
    if dialect == SQLITE:
        return f"INSERT OR REPLACE INTO {_quoted(table)} ({names}) VALUES ({', '.join(values or '?' * len(columns))})"
    updates = ", ".join(f"{_quoted(c)} = EXCLUDED.{_quoted(c)}" for c in columns if c not in key)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return (f"INSERT INTO {_quoted(table)} ({names}) VALUES ({', '.join(values or ['%s'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(_quoted(k) for k in key)}) {action}")


def capture_key(dialect: str, *columns: str) -> str:
    """SQL for the key the capture triggers log for a row, from its key columns (text or integer): the text of
    ``audit_changes.key``, as this engine's triggers write it."""
    if dialect == SQLITE:
        return f"json_array({', '.join(columns)})"
    return f"json_build_array({', '.join(columns)})::text"


def json_field(dialect: str, column: str, *keys: str) -> str:
    """SQL for the value at ``keys`` inside the JSON text held by ``column``: a string as itself, an array or
    object as its JSON text, NULL where there is none (SQLite's ``json_extract``, PostgreSQL's ``#>>``)."""
    if not all(key.isidentifier() for key in keys):
        raise ValueError(f"JSON keys must be plain names: {keys!r}")
    if dialect == SQLITE:
        return f"json_extract({column}, '$.{'.'.join(keys)}')"
    return f"(CAST({column} AS json) #>> '{{{','.join(keys)}}}')"


_TABLE_EXISTS = {
    SQLITE: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name",
    POSTGRESQL: "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = :name",
}


def table_exists_sql(dialect: str) -> str:
    """SQL that gives one row when the table named by the parameter ``:name`` exists (none when it does not)."""
    return _TABLE_EXISTS[dialect]


# --- backups ------------------------------------------------------------------------------------------------

def sqlite_backup(source: sqlite3.Connection, target_path: Path) -> None:
    """A consistent copy of a SQLite database through its backup API, even while in use.

    SQLite's alone: the file is the unit of a workspace's backup there; a bureau server's backup is ``pg_dump``
    (a later issue).
    """
    target_path.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(str(target_path))
    try:
        source.backup(target)
    finally:
        target.close()
NEXT_SEQ = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM audit)"
"""The sequence number of the audit event the same transaction appends next, in SQL both engines take (the
SQLite triggers keep their own text, :data:`SQLITE_NEXT_SEQ`, as ``sqlite_master`` holds it)."""

_TABLE_COLUMNS = {
    SQLITE: "SELECT m.name, p.name, upper(p.type) = 'BLOB', p.pk FROM sqlite_master AS m "
            "JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table' ORDER BY m.name, p.cid",
    POSTGRESQL: "SELECT c.table_name, c.column_name, c.data_type = 'bytea', COALESCE(k.ordinal_position, 0) "
                "FROM information_schema.columns AS c LEFT JOIN information_schema.table_constraints AS t "
                "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                "AND t.constraint_type = 'PRIMARY KEY' LEFT JOIN information_schema.key_column_usage AS k "
                "ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name "
                "AND k.column_name = c.column_name "
                "WHERE c.table_schema = current_schema() ORDER BY c.table_name COLLATE \"C\", c.ordinal_position",
}


def table_columns_sql(dialect: str) -> str:
    """A query for every column of every table the database holds, in table and column order: (table, column,
    holds bytes, position in the primary key or 0). The live schema, not ``tables.py``: the capture follows the
    tables as a migration left them, and reading it imports no SQLAlchemy."""
    return _TABLE_COLUMNS[dialect]


def change_line_sql(dialect: str) -> str:
    """SQL for one change of ``audit_changes`` as the UTF-8 bytes ``projection.changes_digest`` hashes:
    op, table, key and row, each followed by the unit separator (31), the line by the record separator (30)."""
    if dialect == SQLITE:
        return "CAST(op || char(31) || tbl || char(31) || key || char(31) || COALESCE(row, '') || char(30) AS BLOB)"
    return "convert_to(op || chr(31) || tbl || chr(31) || key || chr(31) || COALESCE(row, '') || chr(30), 'UTF8')"


def number_rows_as_inserted(dialect: str, table: str, column: str) -> str:
    """An UPDATE setting ``column`` to 1, 2, … in the order the rows of ``table`` were inserted: SQLite's ``rowid``
    is that order (as ``ORDER BY rowid`` read it before the column); PostgreSQL has no such number and numbers the
    rows as they lie in the table (a workspace there is new: it has none)."""
    if dialect == SQLITE:
        return f"UPDATE {_quoted(table)} SET {_quoted(column)} = rowid"
    return (f"UPDATE {_quoted(table)} SET {_quoted(column)} = numbered.n FROM "
            f"(SELECT ctid AS at, row_number() OVER (ORDER BY ctid) AS n FROM {_quoted(table)}) AS numbered "
            f"WHERE {_quoted(table)}.ctid = numbered.at")


# --- the models' SQL on PostgreSQL --------------------------------------------------------------------------

ParamStyle = Literal["pyformat", "numeric_dollar"]


@cache
def _postgres_dialect(paramstyle: ParamStyle) -> Any:
    from sqlalchemy.dialects.postgresql import psycopg

    return psycopg.dialect(paramstyle=paramstyle)  # type: ignore[no-untyped-call]  # SQLAlchemy leaves the dialect constructors untyped


@lru_cache(maxsize=4096)
def postgres_sql(sql: str, paramstyle: ParamStyle = "pyformat") -> tuple[str, tuple[str, ...]]:
    """A statement of the models (named parameters, ``:name``) as PostgreSQL takes it, and its parameters' order.

    SQLAlchemy's compiler does it (``text(sql).compile``), so quoting, ``%`` and ``::`` casts are its business:
    ``pyformat`` is psycopg's ``%(name)s`` (no order needed), ``numeric_dollar`` the server's own ``$1`` (for
    ``PREPARE``), with the names in the order of the numbers. Cached: the models run few distinct texts.
    """
    from sqlalchemy import text

    compiled = text(sql).compile(dialect=_postgres_dialect(paramstyle))
    return str(compiled), tuple(compiled.positiontup or ())


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite: the append-only guards and the capture triggers ------------------------------------------------

SQLITE_GUARD_TRIGGERS = (
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
    "        BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
    "        BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END",
    "CREATE TRIGGER audit_in_sequence BEFORE INSERT ON audit\n"
    "        WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM audit)\n"
    "          OR NEW.prev_hash IS NOT (SELECT IFNULL((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), ''))\n"
    "        BEGIN SELECT RAISE(ABORT, '审计日志只能按顺序追加'); END",
    "CREATE TRIGGER audit_changes_no_update BEFORE UPDATE ON audit_changes\n"
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END",
    "CREATE TRIGGER audit_changes_no_delete BEFORE DELETE ON audit_changes\n"
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END",
)
"""As legacy migrations 0001 and 0003 created them (their text is kept in ``sqlite_master``)."""

SQLITE_NEXT_SEQ = "(SELECT IFNULL(MAX(seq), 0) + 1 FROM audit)"
"""The sequence number of the audit event the same transaction appends next."""

SQLITE_CAPTURE_TRIGGER_PREFIX = "capture_"
SQLITE_CAPTURE_TRIGGER_NAMES = ("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                f"AND name LIKE '{SQLITE_CAPTURE_TRIGGER_PREFIX}%'")


def sqlite_triggers_sql(names: str) -> str:
    """A query for (name, SQL) of the triggers named in ``names`` (an ``IN`` list), by name, as SQLite holds them."""
    return f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN {names} ORDER BY name"


def sqlite_drop_trigger(name: str) -> str:
    """SQLite names a trigger alone (PostgreSQL's belongs to its table: ``DROP TRIGGER … ON``)."""
    return f"DROP TRIGGER {_quoted(name)}"


SQLITE_TABLE_INDEXES = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
                        "AND sql IS NOT NULL ORDER BY name")
"""(name, SQL) of the secondary indexes of ``:table`` (not those its keys imply), as SQLite holds them."""
SQLITE_INDEX_NAMES = "SELECT name FROM sqlite_master WHERE type = 'index'"

# --- SQLite: the tuning of a bulk import (PostgreSQL's bulk path is the bureau server's) ------------------------

SQLITE_PAGE_CACHE = "PRAGMA cache_size"


def sqlite_set_page_cache(size: int) -> str:
    """SQLite's page cache: ``size`` pages, or KiB when negative (as ``PRAGMA cache_size`` gives it back)."""
    return f"PRAGMA cache_size = {int(size)}"


SQLITE_ROLLBACK_JOURNAL, SQLITE_WRITE_AHEAD_LOG = "delete", "wal"


def sqlite_journal_mode(mode: str) -> str:
    """Switch the database to SQLite's rollback journal or its write-ahead log; the pragma answers the mode it is
    in after. Leaving the log fails at once (``database is locked``) while another connection has it open."""
    if mode not in (SQLITE_ROLLBACK_JOURNAL, SQLITE_WRITE_AHEAD_LOG):
        raise ValueError(mode)
    return f"PRAGMA journal_mode = {mode.upper()}"


def sqlite_foreign_keys(enforced: bool) -> str:
    """Whether SQLite checks each row's foreign keys as it is written (read only outside a transaction)."""
    return f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}"


def sqlite_foreign_key_check(table: str) -> str:
    """A query for the rows of ``table`` whose foreign keys refer to no row: (table, rowid, parent, key index)."""
    return f"PRAGMA foreign_key_check({_quoted(table)})"



def sqlite_capture_triggers(table: str, new_key: str, old_key: str, new_row: str) -> list[str]:
    """The insert, update and delete capture triggers of ``table``, given its key and row as SQL expressions.

    ``new_key``/``old_key`` are ``json_array(…)`` over the key columns of NEW/OLD, ``new_row`` is
    ``json_object(…)`` over every column of NEW (``models.workspace.projection.TableShape`` builds them).
    """
    insert = ("INSERT INTO audit_changes (seq, op, tbl, key, row) VALUES "
              f"({SQLITE_NEXT_SEQ}, '{PUT}', '{table}', {new_key}, {new_row});")
    moved = (f"INSERT INTO audit_changes (seq, op, tbl, key, row) SELECT {SQLITE_NEXT_SEQ}, '{DELETE}', "
             f"'{table}', {old_key}, NULL "
             f"WHERE {old_key} IS NOT {new_key};")
    delete = ("INSERT INTO audit_changes (seq, op, tbl, key, row) VALUES "
              f"({SQLITE_NEXT_SEQ}, '{DELETE}', '{table}', {old_key}, NULL);")
    return [
        f'CREATE TRIGGER "capture_{table}_insert" AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER "capture_{table}_update" AFTER UPDATE ON "{table}" BEGIN {moved} {insert} END',
        f'CREATE TRIGGER "capture_{table}_delete" AFTER DELETE ON "{table}" BEGIN {delete} END',
    ]


# --- PostgreSQL: the same guards and capture as PL/pgSQL ---------------------------------------------------

POSTGRES_NEXT_SEQ = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM audit)"


def _postgres_refusal(function: str, message: str, returns: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n  RAISE EXCEPTION '{message}';\n  RETURN {returns};\nEND\n$$")


POSTGRES_GUARDS = (
    _postgres_refusal("reviewdesk_log_no_update", "审计日志只能追加，不能修改", "NULL"),
    _postgres_refusal("reviewdesk_log_no_delete", "审计日志只能追加，不能删除", "NULL"),
    "CREATE OR REPLACE FUNCTION reviewdesk_audit_in_sequence() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    f"  IF NEW.seq IS DISTINCT FROM {POSTGRES_NEXT_SEQ}\n"
    "     OR NEW.prev_hash IS DISTINCT FROM COALESCE((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '') THEN\n"
    "    RAISE EXCEPTION '审计日志只能按顺序追加';\n"
    "  END IF;\n"
    "  RETURN NEW;\n"
    "END\n$$",
    *(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW "
      "EXECUTE FUNCTION reviewdesk_log_no_update()" for table in ("audit", "audit_changes")),
    *(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW "
      "EXECUTE FUNCTION reviewdesk_log_no_delete()" for table in ("audit", "audit_changes")),
    # TRUNCATE fires no row trigger on PostgreSQL: refuse it for the whole statement
    *(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
      "EXECUTE FUNCTION reviewdesk_log_no_delete()" for table in ("audit", "audit_changes")),
    "CREATE TRIGGER audit_in_sequence BEFORE INSERT ON audit FOR EACH ROW "
    "EXECUTE FUNCTION reviewdesk_audit_in_sequence()",
)


def guard_triggers(dialect: str) -> tuple[str, ...]:
    return SQLITE_GUARD_TRIGGERS if dialect == SQLITE else POSTGRES_GUARDS


def _postgres_value(record: str, table: Table, column: str) -> str:
    from sqlalchemy import LargeBinary

    from models.workspace.tables import Money

    ref = f'{record}."{column}"'
    kind = table.c[column].type
    if isinstance(kind, LargeBinary):
        return f"CASE WHEN {ref} IS NULL THEN NULL ELSE 'blob:' || upper(encode({ref}, 'hex')) END"
    if isinstance(kind, Money):
        return f"{ref}::text"  # the Decimal text SQLite stores, not a JSON number
    return ref


def _postgres_key(record: str, table: Table) -> str:
    keys = [c.name for c in table.primary_key.columns]
    return "json_build_array(" + ", ".join(_postgres_value(record, table, c) for c in keys) + ")::text"


def _postgres_row(record: str, table: Table, as_array: bool) -> str:
    if as_array:
        values = ", ".join(_postgres_value(record, table, c.name) for c in table.columns)
        return f"json_build_array({values})::text"
    pairs = ", ".join(f"'{c.name}', {_postgres_value(record, table, c.name)}" for c in table.columns)
    return f"json_build_object({pairs})::text"


def postgres_capture(table: Table, as_array: bool = False) -> list[str]:
    """The capture function and trigger of ``table``: the rows SQLite's three capture triggers log (with
    ``as_array``, each row as the array of its values in column order, as SQLite logs the tables of
    ``models.workspace.projection.ARRAY_ROW_TABLES``)."""
    name = table.name
    keys = [c.name for c in table.primary_key.columns]
    moved = " OR ".join(f'OLD."{k}" IS DISTINCT FROM NEW."{k}"' for k in keys)
    into = "INSERT INTO audit_changes (seq, op, tbl, key, row) VALUES"
    function = (
        f'CREATE OR REPLACE FUNCTION "capture_{name}"() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        "BEGIN\n"
        f"  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({moved})) THEN\n"
        f"    {into} ({POSTGRES_NEXT_SEQ}, '{DELETE}', '{name}', {_postgres_key('OLD', table)}, NULL);\n"
        "  END IF;\n"
        "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
        f"    {into} ({POSTGRES_NEXT_SEQ}, '{PUT}', '{name}', {_postgres_key('NEW', table)}, "
        f"{_postgres_row('NEW', table, as_array)});\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END\n$$")
    return [function,
            f'DROP TRIGGER IF EXISTS "capture_{name}" ON "{name}"',
            f'CREATE TRIGGER "capture_{name}" AFTER INSERT OR UPDATE OR DELETE ON "{name}" '
            f'FOR EACH ROW EXECUTE FUNCTION "capture_{name}"()']
