"""The tables as a projection of the audit log.

Every row written to a projected table is captured by a trigger into
``audit_changes`` under the audit event that the same transaction appends
next, and that event's hash covers the captured rows. Replaying the changes of
the whole log gives the state the tables must hold; :func:`compare` names each
difference by table, key and field. The triggers only make capture automatic:
an insider who drops them, or writes with them in place but appends no event,
leaves tables that no longer equal the replay, and that is what is reported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from models.workspace import dialect
from models.workspace.database import Database, in_list

from models.failures import ReviewDeskError

NOT_PROJECTED = frozenset({"audit", "audit_changes", "_sqlite_migrations", "alembic_version"})
PUT, DELETE, CLEAR = dialect.PUT, dialect.DELETE, "clear"
COLUMNS = "cols"
"""A change that names, in order, the columns of the rows logged for its table as JSON arrays from then on."""
ARRAY_ROW_TABLES = frozenset({"applications", "application_evidence", "assessments"})
"""Tables whose rows are logged as a JSON array of their values in the table's column order, with the column
list logged once (a :data:`COLUMNS` change of the snapshot event after each migration run, so the entry hash
covers it) instead of a JSON object naming every column in every row: an import logs millions of them. The
other tables keep the object, which the signing records read from the replay as it is."""
CHANGES_FROM = "changes_from"
CHANGES_SHA256 = "changes_sha256"
CHANGES_COUNT = "changes"


@dataclass(frozen=True, slots=True)
class TableShape:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    blobs: frozenset[str]
    as_array: bool = False
    """Rows logged as a JSON array in column order (:data:`ARRAY_ROW_TABLES`), else as a JSON object."""

    def value(self, prefix: str, column: str) -> str:
        ref = f'{prefix}"{column}"'
        if column in self.blobs:
            return f"CASE WHEN typeof({ref}) = 'blob' THEN 'blob:' || hex({ref}) ELSE {ref} END"
        return ref

    def key_sql(self, prefix: str = "") -> str:
        return "json_array(" + ", ".join(self.value(prefix, c) for c in self.key) + ")"

    def row_sql(self, prefix: str = "") -> str:
        if self.as_array:
            return "json_array(" + ", ".join(self.value(prefix, c) for c in self.columns) + ")"
        pairs = ", ".join(f"'{c}', {self.value(prefix, c)}" for c in self.columns)
        return f"json_object({pairs})"

    def columns_json(self) -> str:
        """The column list a :data:`COLUMNS` change logs."""
        return json.dumps(list(self.columns), ensure_ascii=False, separators=(",", ":"))


def projected_tables(db: Database) -> list[TableShape]:
    by_table: dict[str, list[tuple[str, bool, int]]] = {}
    for table, column, holds_bytes, key_position in db.execute(dialect.table_columns_sql(db.dialect)).fetchall():
        by_table.setdefault(table, []).append((column, bool(holds_bytes), int(key_position)))
    shapes = []
    for name, info in by_table.items():
        if name in NOT_PROJECTED or name.startswith("sqlite_"):
            continue
        columns = tuple(column for column, _, _ in info)
        key = tuple(column for column, _, _ in sorted((r for r in info if r[2]), key=lambda r: r[2])) or ("rowid",)
        blobs = frozenset(column for column, holds_bytes, _ in info if holds_bytes)
        shapes.append(TableShape(name, columns, key, blobs, name in ARRAY_ROW_TABLES))
    return shapes


_NEXT_SEQ = dialect.NEXT_SEQ


def install_capture(db: Database) -> None:
    """(Re)create the capture triggers of every projected table, for its current columns."""
    for (trigger,) in db.execute(dialect.SQLITE_CAPTURE_TRIGGER_NAMES).fetchall():
        db.execute(dialect.sqlite_drop_trigger(trigger))
    for shape in projected_tables(db):
        for trigger in dialect.sqlite_capture_triggers(shape.name, shape.key_sql("NEW."), shape.key_sql("OLD."),
                                                       shape.row_sql("NEW.")):
            db.execute(trigger)


class CaptureMismatch(ReviewDeskError):
    """A bulk statement wrote other rows than its capture logged: the transaction must not commit."""


class RowCapture(Protocol):
    """What a bulk writer calls after each statement that wrote ``written`` rows, those of ``keys`` in ``table``."""

    def capture(self, table: str, key_column: str, keys: Sequence[str], written: int, then_by: str = "") -> None: ...


class TriggerCapture:
    """The capture triggers stay in place and log each row as it is written: nothing left to do."""

    def capture(self, table: str, key_column: str, keys: Sequence[str], written: int, then_by: str = "") -> None:
        pass


class SetBasedCapture:
    """Rows written in bulk, captured by one ``INSERT … SELECT`` per statement instead of a trigger per row.

    Made by :func:`set_based_capture`. :meth:`capture` writes, for the rows of ``table`` whose
    ``key_column`` is one of ``keys``, in the order of ``keys`` (then ``then_by``), exactly the
    ``put`` changes the capture triggers write for an INSERT: the same sequence number, key and row
    JSON, from the same column list. For rows that replace or update existing ones the triggers
    interleave a ``del`` with each ``put``; writers of such rows keep the triggers (:class:`TriggerCapture`).
    """

    def __init__(self, db: Database, shapes: dict[str, TableShape]) -> None:
        self._db = db
        self._shapes = shapes

    def capture(self, table: str, key_column: str, keys: Sequence[str], written: int, then_by: str = "") -> None:
        """Raises :class:`CaptureMismatch` when it logs another number of rows than were ``written``."""
        shape = self._shapes[table]
        # Without ``then_by`` each key is one row: a CROSS JOIN keeps json_each, which walks the keys in order, as
        # the outer loop (SQLite never reorders it), so the rows come in that order without sorting them all.
        order = f' ORDER BY c.key, t."{then_by}"' if then_by else ""
        logged = self._db.execute(
            f"INSERT INTO audit_changes (seq, op, tbl, key, row) SELECT {_NEXT_SEQ}, '{PUT}', '{shape.name}', "
            f'{shape.key_sql("t.")}, {shape.row_sql("t.")} FROM json_each(:keys) AS c '
            f'CROSS JOIN "{shape.name}" AS t ON t."{key_column}" = c.value{order}',
            {"keys": json.dumps(list(keys), ensure_ascii=False)}).rowcount
        if logged != written:
            raise CaptureMismatch(f"内部错误：表 {table} 写入 {written} 行，审计日志记录了 {logged} 行，整个操作已撤销；"
                                  "请运行 audit verify 检查工作区")


@contextmanager
def set_based_capture(db: Database, tables: Sequence[str]) -> Iterator[SetBasedCapture]:
    """Inside a write transaction, set aside the insert and update capture triggers of ``tables``.

    The caller captures every row it writes to them with :meth:`SetBasedCapture.capture`. The
    triggers are dropped and re-created, verbatim, inside the same transaction: SQLite's DDL is
    transactional, so a killed or failed transaction restores them with everything else, and no
    committed state ever lacks them. Delete triggers stay in place.
    """
    if not db.conn.in_transaction:
        raise RuntimeError("set_based_capture needs an open write transaction")
    names = [f"capture_{table}_{when}" for table in tables for when in ("insert", "update")]
    marks, parameters = in_list("name", names)
    saved = db.execute(dialect.sqlite_triggers_sql(marks), parameters).fetchall()
    if len(saved) != len(names):
        raise RuntimeError("capture triggers missing: " + ", ".join(sorted(set(names) - {n for n, _ in saved})))
    shapes = {shape.name: shape for shape in projected_tables(db) if shape.name in tables}
    for name, _ in saved:
        db.execute(dialect.sqlite_drop_trigger(name))
    try:
        yield SetBasedCapture(db, shapes)
    finally:
        present = {row[0] for row in db.execute(dialect.sqlite_triggers_sql(marks), parameters)}
        for name, sql in saved:
            if name not in present:
                db.execute(sql)


def capture_snapshot(db: Database) -> None:
    """Capture every projected table whole, for a snapshot event appended next in this transaction.

    A table whose rows are logged as arrays first has its column list logged: the capture triggers were just
    made for the tables as they now are, so every array logged from here on is in this order.
    """
    for shape in projected_tables(db):
        if shape.as_array:
            db.execute(f"INSERT INTO audit_changes (seq, op, tbl, key, row) VALUES ({_NEXT_SEQ}, '{COLUMNS}', :tbl, '[]', "
                       ":row)", {"tbl": shape.name, "row": shape.columns_json()})
        db.execute(f"INSERT INTO audit_changes (seq, op, tbl, key, row) VALUES ({_NEXT_SEQ}, '{CLEAR}', :tbl, '[]', NULL)",
                   {"tbl": shape.name})
        db.execute(f"INSERT INTO audit_changes (seq, op, tbl, key, row) SELECT {_NEXT_SEQ}, '{PUT}', '{shape.name}', "
                   f'{shape.key_sql()}, {shape.row_sql()} FROM "{shape.name}"')


def last_change_id(db: Database) -> int:
    return int(db.execute("SELECT COALESCE(MAX(id), 0) FROM audit_changes").fetchone()[0])


Change = tuple[str, str, str, str | None]


def changes_digest(changes: Iterable[Change]) -> tuple[str, int]:
    """SHA-256 over the changes, one line each of op, table, key and row.

    Keys and rows are JSON texts from SQLite, in which control characters are
    always escaped, so the unit and record separators cannot occur inside them.
    """
    digest = hashlib.sha256()
    count = 0
    for op, table, key, row in changes:
        digest.update(f"{op}\x1f{table}\x1f{key}\x1f{'' if row is None else row}\x1e".encode())
        count += 1
    return digest.hexdigest(), count




def logged_changes_digest(db: Database, seq: int, from_id: int) -> tuple[str, int]:
    """:func:`changes_digest` of :func:`changes_of`, with each line built by SQLite as UTF-8 bytes.

    The same bytes as ``f"{op}\x1f{tbl}\x1f{key}\x1f{row or ''}\x1e".encode()`` for the text the
    capture writes, without decoding and re-encoding every row in Python (an import's are millions).
    """
    cursor = db.execute(f"SELECT {dialect.change_line_sql(db.dialect)} FROM audit_changes "
                        "WHERE seq = :seq AND id >= :from_id ORDER BY id", {"seq": seq, "from_id": from_id})
    digest = hashlib.sha256()
    count = 0
    while batch := cursor.fetchmany(10_000):
        digest.update(b"".join(line for (line,) in batch))
        count += len(batch)
    return digest.hexdigest(), count


class RunningChangesDigest:
    """:func:`logged_changes_digest`, read while the changes are being captured.

    A bulk writer calls :meth:`advance` after each chunk, so the rows are hashed while their pages are
    still in SQLite's cache rather than read back at the end (an import's are gigabytes).
    :meth:`result` hashes what is left and, if the changes counted differ from those now logged (one
    logged below an id already read), falls back to hashing them all again.
    """

    def __init__(self, db: Database, seq: int, from_id: int) -> None:
        self.seq = seq
        self.from_id = from_id
        self._db = db
        self._digest = hashlib.sha256()
        self._count = 0
        self._next_id = from_id

    def advance(self) -> None:
        cursor = self._db.execute(f"SELECT id, {dialect.change_line_sql(self._db.dialect)} FROM audit_changes "
                                  "WHERE seq = :seq AND id >= :from_id ORDER BY id",
                                  {"seq": self.seq, "from_id": self._next_id})
        while batch := cursor.fetchmany(10_000):
            self._digest.update(b"".join(line for _, line in batch))
            self._count += len(batch)
            self._next_id = batch[-1][0] + 1

    def result(self) -> tuple[str, int]:
        self.advance()
        logged = self._db.execute("SELECT COUNT(*) FROM audit_changes WHERE seq = :seq AND id >= :from_id",
                                  {"seq": self.seq, "from_id": self.from_id}).fetchone()[0]
        if logged != self._count:
            return logged_changes_digest(self._db, self.seq, self.from_id)
        return self._digest.hexdigest(), self._count


def changes_of(db: Database, seq: int, from_id: int) -> Iterator[Change]:
    """The changes an event covers, streamed: an import's can be millions of rows."""
    cursor = db.execute("SELECT op, tbl, key, row FROM audit_changes WHERE seq = :seq AND id >= :from_id ORDER BY id",
                        {"seq": seq, "from_id": from_id})
    while batch := cursor.fetchmany(10_000):
        yield from batch


def unlogged_changes(db: Database, from_id: int) -> int:
    """Changes captured since ``from_id`` that no audit event covers yet."""
    return int(db.execute(f"SELECT COUNT(*) FROM audit_changes WHERE id >= :from_id AND seq >= {_NEXT_SEQ}",
                          {"from_id": from_id}).fetchone()[0])


HISTORY_TABLES = frozenset({"ca", "reviewers", "reviewer_certificates", "conflicts"})
"""Tables whose every logged row is kept: what was once logged there (a CA, a revocation, a conflict) stands."""
FIRST_LOGGED_TABLES = frozenset({"decisions"})
"""Tables whose rows are remembered by the event that first logged them: the log's order, not a claimed time."""


class Replay:
    """The state of every projected table, built by applying the logged changes in order.

    Besides the final state it keeps, in log order, every row ever logged in
    :data:`HISTORY_TABLES` and the event that first logged each row of
    :data:`FIRST_LOGGED_TABLES`.
    """

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, str]] = {}
        self.history: list[tuple[int, str, str, str]] = []
        self.first_logged: dict[tuple[str, str], int] = {}
        self.columns: dict[str, tuple[str, ...]] = {}
        """The logged column list of each table whose rows are logged as arrays (the latest)."""

    def apply(self, changes: Iterable[Change], seq: int = 0) -> None:
        for op, table, key, row in changes:
            rows = self.tables.setdefault(table, {})
            if op == COLUMNS and row is not None:
                self.columns[table] = _column_list(row)
            elif op == PUT and row is not None:
                rows[key] = row
                if table in HISTORY_TABLES:
                    self.history.append((seq, table, key, row))
                elif table in FIRST_LOGGED_TABLES:
                    self.first_logged.setdefault((table, key), seq)
            elif op == DELETE:
                rows.pop(key, None)
            elif op == CLEAR:
                rows.clear()


def _column_list(text: str) -> tuple[str, ...]:
    try:
        names = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(name) for name in names) if isinstance(names, list) else ()


@dataclass(frozen=True, slots=True)
class Difference:
    table: str
    key: str
    field: str
    expected: Any
    found: Any

    def describe(self) -> str:
        key = _key_text(self.key)
        if self.field == "*":
            if self.found is None:
                return f"表 {self.table} 键 {key}：审计日志中有此行，数据库中已被删除"
            return f"表 {self.table} 键 {key}：数据库中有此行，审计日志中没有（未经记录的插入）"
        return (f"表 {self.table} 键 {key} 字段 {self.field}：审计日志为 {_shown(self.expected)}，"
                f"数据库中为 {_shown(self.found)}")


def key_parts(key: str) -> list[Any] | None:
    """A logged key's values (a JSON array), or None when it is not one."""
    try:
        parts = json.loads(key)
    except ValueError:
        return None
    return parts if isinstance(parts, list) else None


def _key_text(key: str) -> str:
    parts = key_parts(key)
    return key if parts is None else "/".join(str(p) for p in parts)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def compare(db: Database, replay: Replay, limit: int = 200) -> list[Difference]:
    """Each difference between the tables and the replayed log, at most ``limit``."""
    found: list[Difference] = []
    for shape in projected_tables(db):
        expected = replay.tables.get(shape.name, {})
        seen: set[str] = set()
        for key, row in db.execute(f'SELECT {shape.key_sql()}, {shape.row_sql()} FROM "{shape.name}"'):
            seen.add(key)
            logged = expected.get(key)
            if logged == row:
                continue
            found.extend(_row_differences(shape, key, logged, row, replay.columns.get(shape.name, shape.columns)))
            if len(found) >= limit:
                return found[:limit]
        for key in expected.keys() - seen:
            found.append(Difference(shape.name, key, "*", "present", None))
            if len(found) >= limit:
                return found[:limit]
    for table in replay.tables.keys() - {shape.name for shape in projected_tables(db)}:
        if replay.tables[table]:
            found.append(Difference(table, "[]", "*", "present", None))
    return found


def _row_differences(shape: TableShape, key: str, logged: str | None, row: str,
                     logged_columns: Sequence[str]) -> Iterator[Difference]:
    """The fields in which the table's ``row`` differs from the ``logged`` one, each logged in either form (an
    object, or an array in the order of ``logged_columns``)."""
    table = shape.name
    if logged is None:
        yield Difference(table, key, "*", None, "present")
        return
    was, now = row_fields(logged, logged_columns), row_fields(row, shape.columns)
    named = False
    for column in dict.fromkeys([*was, *now]):
        if was.get(column) != now.get(column):
            named = True
            yield Difference(table, key, column, was.get(column), now.get(column))
    if not named:
        yield Difference(table, key, "(格式)", logged, row)


def row_fields(text: str, columns: Sequence[str] = ()) -> dict[str, Any]:
    """A logged or stored row as column → value, from a JSON object or an array in ``columns``' order."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        named = dict(zip(columns, value))
        named.update({f"#{n + 1}": extra for n, extra in enumerate(value) if n >= len(columns)})
        return named
    return {}
