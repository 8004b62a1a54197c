"""A SQLite connection with the few things the workspace asks of one, over the standard library alone.

It keeps sqlite-utils' rules, which every model function was written against: ``execute`` commits a
write at once unless a transaction is open; ``query`` runs at once and gives dicts; ``atomic`` is one
transaction, a savepoint when nested; ``table(name).insert(row)`` writes one row. sqlite-utils itself
imports pandas and numpy at module level, about 0.6 s of CPU at every GUI start; nothing here does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from models.workspace import dialect as dialects

Parameters = Sequence[Any] | Mapping[str, Any]

_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})
_NOT_A_QUERY = _TRANSACTION_CONTROL | {"VACUUM", "ATTACH", "DETACH"}
_QUERY_GUARD = '"reviewdesk_query"'

StatementRecorder = Callable[[str, "Parameters | None"], None]
_recorder: StatementRecorder | None = None

_NONE_BINDS_AS_ITSELF: Callable[[None], None] = dict[None, None]().get
"""An adapter for None, a C function of one argument that returns None: sqlite3 binds None as NULL either way, but
with no adapter registered for its type every None parameter first goes through the whole adaptation protocol
(the adapter looked up, then ``__adapt__`` and ``__conform__`` looked up and not found). A third of an import's
application values are None: at 100,000 rows their executemany took 0.83 CPU seconds with it, 1.19 without."""
sqlite3.register_adapter(type(None), _NONE_BINDS_AS_ITSELF)


@contextmanager
def recording_statements(recorder: StatementRecorder) -> Iterator[None]:
    """Give ``recorder`` every statement (and its parameters) the model code runs through a ``Database``.

    For the tests that check the models' SQL on another engine; off, it costs one comparison per statement.
    """
    global _recorder
    previous, _recorder = _recorder, recorder
    try:
        yield
    finally:
        _recorder = previous


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def first_keyword(sql: str) -> str:
    """The statement's first keyword, upper-cased, past whitespace, comments, bare ``;`` and a BOM."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] in ";\ufeff":
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            if end == -1:
                return ""
            i = end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end == -1:
                return ""
            i = end + 2
        else:
            break
    j = i
    while j < n and (sql[j].isalpha() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper()


def in_list(name: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """``(:name_0, :name_1, …)`` and the parameters it names: a list for ``IN``, in SQL both engines take.

    An empty list gives ``(NULL)``, which matches nothing (PostgreSQL refuses ``IN ()``).
    """
    parameters = {f"{name}_{n}": value for n, value in enumerate(values)}
    return "(" + (", ".join(f":{key}" for key in parameters) or "NULL") + ")", parameters


def insert_sql(table: str, columns: Iterable[str]) -> str:
    """``INSERT INTO table (a, b) VALUES (:a, :b)``: one named parameter per column, called as the column."""
    names = list(columns)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + name for name in names)})"


INSERTION_ORDER = "insertion_order"
"""The column numbering the rows of :data:`ORDERED_TABLES` in the order they were inserted (``tables.py``)."""
ORDERED_TABLES = ("decisions", "conflicts", "session_applications", "resubmissions")
"""The tables whose key says nothing of the order their rows came in (revision ``0012_insertion_order``)."""


def next_in_order(table: str) -> str:
    """SQL for the insertion-order number a row inserted into ``table`` now takes: one more than the largest.

    The same on both engines, and race-free because every write holds the workspace's write lock (SQLite's
    ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock); the column's unique index makes it one probe and refuses a
    number taken twice.
    """
    return f"(SELECT COALESCE(MAX({INSERTION_ORDER}), 0) + 1 FROM {table})"


def insert_in_order_sql(table: str, columns: Iterable[str]) -> str:
    """:func:`insert_sql` for a table with an insertion-order column, which the insert sets (:func:`next_in_order`)."""
    names = list(columns)
    return (f"INSERT INTO {table} ({', '.join(names)}, {INSERTION_ORDER}) "
            f"VALUES ({', '.join(':' + name for name in names)}, {next_in_order(table)})")


@dataclass(frozen=True, slots=True)
class RowWrite:
    """A statement that writes many rows given as value tuples, written once from its column list.

    ``sql`` names a parameter per column (``:column``): the statement recorder sees it and PostgreSQL's form is
    compiled from it. ``positional`` is the same statement with ``?`` in the same places, what sqlite3 runs:
    binding a tuple by position takes half the time of a dict by name at 24 columns (200,000 rows: 1.1 against
    2.4 CPU seconds, and 0.6 more to build the dicts), and an import writes millions of them.
    """

    sql: str
    positional: str
    columns: tuple[str, ...]


def row_write(head: str, columns: Sequence[str], constants: Sequence[str] = (), tail: str = "") -> RowWrite:
    """``{head} VALUES (:a, :b, …, constants…){tail}`` and its positional twin (:class:`RowWrite`)."""
    named = ", ".join([*(":" + column for column in columns), *constants])
    positional = ", ".join(["?"] * len(columns) + list(constants))
    return RowWrite(f"{head} VALUES ({named}){tail}", f"{head} VALUES ({positional}){tail}", tuple(columns))


def row_replace(table: str, columns: Sequence[str], key: Sequence[str], constants: Mapping[str, str] | None = None) -> RowWrite:
    """A :class:`RowWrite` that replaces the row with the same ``key`` (``dialect.replace_row``): the named form is
    PostgreSQL's ``ON CONFLICT … DO UPDATE``, the positional one SQLite's ``INSERT OR REPLACE``. ``constants``:
    column → SQL literal, after the parameters."""
    constants = constants or {}
    names = [*columns, *constants]
    literals = list(constants.values())
    return RowWrite(
        dialects.replace_row(dialects.POSTGRESQL, table, names, key, [*(":" + c for c in columns), *literals]),
        dialects.replace_row(dialects.SQLITE, table, names, key, [*("?" * len(columns)), *literals]), tuple(columns))


def unique_keys(names: Iterable[str]) -> list[str]:
    """Column names made unique as keys: a later ``id`` becomes ``id_2`` (``id_3``, … past any taken)."""
    names = list(names)
    taken = set(names)
    if len(taken) == len(names):
        return names
    seen: set[str] = set()
    keys = []
    for name in names:
        key, suffix = name, 2
        while key in seen or (key != name and key in taken):
            key, suffix = f"{name}_{suffix}", suffix + 1
        seen.add(key)
        keys.append(key)
    return keys


def _dicts(cursor: sqlite3.Cursor | list[tuple[Any, ...]], keys: list[str]) -> Iterator[dict[str, Any]]:
    return (dict(zip(keys, row)) for row in cursor)


class Database:
    """One SQLite connection (``conn``), opened on a path or wrapped around an existing connection.

    The connection must use the sqlite3 module's default transaction handling (``isolation_level``
    ``""`` or ``None``); recursive triggers are on, so a ``REPLACE`` fires the delete triggers it implies.
    """

    dialect = dialects.SQLITE
    """The engine, for the few statements ``models.workspace.dialect`` writes for each."""

    def __init__(self, path_or_conn: str | Path | sqlite3.Connection) -> None:
        self.conn = path_or_conn if isinstance(path_or_conn, sqlite3.Connection) else sqlite3.connect(str(path_or_conn))
        self._savepoints = 0
        self.conn.execute("PRAGMA recursive_triggers=on")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def execute(self, sql: str, parameters: Parameters | None = None) -> sqlite3.Cursor:
        """Run one statement; a write outside a transaction is committed at once, inside one it joins it."""
        if _recorder is not None:
            _recorder(sql, parameters)
        was_in_transaction = self.conn.in_transaction
        try:
            cursor = self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)
        except Exception:
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")  # the implicit BEGIN of the failed write: nothing would end it
            raise
        if (not was_in_transaction and self.conn.in_transaction and cursor.description is None
                and first_keyword(sql) not in _TRANSACTION_CONTROL):
            self.conn.execute("COMMIT")
        return cursor

    def query(self, sql: str, parameters: Parameters | None = None) -> Iterator[dict[str, Any]]:
        """Run a statement that returns rows, now, and give its rows as dicts as they are read.

        Raises ``ValueError`` for a statement that returns no rows, whose effect is undone first.
        """
        if _recorder is not None:
            _recorder(sql, parameters)
        message = "query() 只用于返回行的 SQL 语句，其他语句请用 execute()"
        keyword = first_keyword(sql)
        if keyword in _NOT_A_QUERY:
            raise ValueError(message)
        args: tuple[Parameters, ...] = () if parameters is None else (parameters,)
        if keyword == "PRAGMA":  # some refuse to run inside a transaction, so no savepoint around them
            cursor = self.conn.execute(sql, *args)
            if cursor.description is None:
                raise ValueError(message)
            return _dicts(cursor, unique_keys(d[0] for d in cursor.description))
        self.conn.execute(f"SAVEPOINT {_QUERY_GUARD}")
        released = False
        try:
            cursor = self.conn.execute(sql, *args)
            if cursor.description is None:
                raise ValueError(message)
            keys = unique_keys(d[0] for d in cursor.description)
            try:
                self.conn.execute(f"RELEASE {_QUERY_GUARD}")
                released = True
            except sqlite3.OperationalError:  # a write with RETURNING still running: finish it, then release
                rows = cursor.fetchall()
                self.conn.execute(f"RELEASE {_QUERY_GUARD}")
                released = True
                return _dicts(rows, keys)
            return _dicts(cursor, keys)
        finally:
            if not released and self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO {_QUERY_GUARD}")
                self.conn.execute(f"RELEASE {_QUERY_GUARD}")

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> sqlite3.Cursor:
        """One write run once per row of parameters, with ``execute``'s rules (the recorder is given the first row)."""
        if _recorder is not None:
            rows = list(rows)
            _recorder(sql, rows[0] if rows else None)
        return self._many(sql, rows)

    def write_rows(self, write: RowWrite, rows: Sequence[Sequence[Any]]) -> sqlite3.Cursor:
        """:meth:`executemany` of ``write`` for rows of values in its columns' order (the recorder is given the
        named statement and the first row by name)."""
        if _recorder is not None:
            _recorder(write.sql, dict(zip(write.columns, rows[0])) if rows else None)
        return self._many(write.positional, rows)

    def _many(self, sql: str, rows: Iterable[Any]) -> sqlite3.Cursor:
        was_in_transaction = self.conn.in_transaction
        try:
            cursor = self.conn.executemany(sql, rows)
        except Exception:
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if not was_in_transaction and self.conn.in_transaction:
            self.conn.execute("COMMIT")
        return cursor

    @contextmanager
    def atomic(self) -> Iterator[Self]:
        """One transaction around the block, rolled back if it raises; a savepoint inside an open one."""
        if self.conn.in_transaction:
            self._savepoints += 1
            savepoint = f"atomic_{self._savepoints}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:  # a RAISE(ROLLBACK) may already have ended it, savepoints and all
                    self.conn.execute(f"ROLLBACK TO {savepoint}")
                    self.conn.execute(f"RELEASE {savepoint}")
                raise
            else:
                self.conn.execute(f"RELEASE {savepoint}")
            finally:
                self._savepoints -= 1
            return
        self.conn.execute("BEGIN")
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def table(self, name: str) -> Table:
        return Table(self, name)


class Table:
    """A table by name, for writing whole rows given as dicts."""

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name

    def insert(self, row: Mapping[str, Any]) -> int | None:
        """Write one row, its keys naming the columns; a list or dict value is stored as its JSON text.

        Returns the new row's rowid. A ``Decimal`` is refused by sqlite3 itself: money is stored as text.
        """
        columns = ", ".join(quote_identifier(column) for column in row)
        marks = ", ".join("?" * len(row))
        values = [json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list | tuple) else value
                  for value in row.values()]
        with self.db.atomic():
            cursor = self.db.execute(f"INSERT INTO {quote_identifier(self.name)} ({columns}) VALUES ({marks})", values)
        return cursor.lastrowid

