"""The append-only, hash-chained audit log.

Each row's hash covers the previous row's hash and the row's own content, so
editing or removing any row breaks the chain from there on. Triggers in the
schema refuse UPDATE, DELETE and out-of-sequence INSERT; :func:`verify_chain`
catches what was done with the triggers dropped.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any
from collections.abc import Callable, Iterator, Mapping
from itertools import groupby
from operator import itemgetter

from models.workspace import dialect
from models.workspace.database import Database, insert_sql
from models.workspace.projection import (CHANGES_COUNT, CHANGES_FROM, CHANGES_SHA256, Replay, RunningChangesDigest,
                                         changes_digest, logged_changes_digest)

GENESIS = ""


def now_text() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _row_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str, details: str) -> str:
    content = json.dumps([seq, at, actor, action, subject, details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


Seal = Callable[[dict[str, Any], str], Mapping[str, Any]]
"""Given an entry's details (with the digest of the changes it covers) and the hash of the entry before it, the
fields to add: a record the acting person signs over them (``models.signing.signed_entries``)."""


def append(db: Database, actor: str, action: str, subject: str = "",
           details: Mapping[str, Any] | None = None, running: RunningChangesDigest | None = None,
           seal: Seal | None = None) -> str:
    """Add one entry; call inside the transaction of the change it records. Returns its hash.

    ``running`` (from :func:`running_digest`, advanced as a bulk write went) saves reading its changes again;
    ``seal`` adds what it returns to the details once the digest of the changes is known.
    """
    return append_timed(db, actor, action, subject, details, running, seal)[0]


def append_timed(db: Database, actor: str, action: str, subject: str = "",
                 details: Mapping[str, Any] | None = None, running: RunningChangesDigest | None = None,
                 seal: Seal | None = None) -> tuple[str, str]:
    """:func:`append`, returning the entry's hash and its time (``at``), as the log holds them."""
    last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = now_text()
    content = dict(details or {})
    if _has_changes_table(db):
        from_id = _changes_from(db)
        if running is not None and (running.seq, running.from_id) == (seq, from_id):
            digest_of_changes, count = running.result()
        else:
            digest_of_changes, count = logged_changes_digest(db, seq, from_id)
        content.update({CHANGES_FROM: from_id, CHANGES_SHA256: digest_of_changes, CHANGES_COUNT: count})
    if seal is not None:
        content.update(seal(dict(content), prev_hash))
    detail_text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    digest = _row_hash(prev_hash, seq, at, actor, action, subject, detail_text)
    db.execute(
        insert_sql("audit", ("seq", "at", "actor", "action", "subject", "details", "prev_hash", "hash")),
        {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject, "details": detail_text,
         "prev_hash": prev_hash, "hash": digest},
    )
    return digest, at


def running_digest(db: Database) -> RunningChangesDigest:
    """The digest of the changes the next entry will cover, to advance while they are captured."""
    return RunningChangesDigest(db, head(db)[0] + 1, _changes_from(db))


def _has_changes_table(db: Database) -> bool:
    cached = getattr(db, "has_change_log", None)
    if cached is not None:
        return bool(cached)
    return db.execute(dialect.table_exists_sql(db.dialect), {"name": "audit_changes"}).fetchone() is not None


def _changes_from(db: Database) -> int:
    """The first change id this transaction captured (the workspace's database records it at BEGIN)."""
    floor = getattr(db, "change_floor", None)
    if floor is None:
        return 1
    return int(floor) + 1


def head(db: Database) -> tuple[int, str]:
    """The newest entry's sequence number and hash."""
    row = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def head_hash(db: Database) -> str:
    """The newest entry's hash: what a signed sheet carries to pin the log's state."""
    row = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return row[0] if row else GENESIS


@dataclass(slots=True)
class ChainReport:
    rows: int
    broken_at: int | None
    message: str
    replay: Replay | None = None
    hashes: dict[int, str] | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(db: Database) -> ChainReport:
    """Walk the log from the start, checking each link, each hash and the changes each event covers.

    Names the first row that is wrong. When the chain holds, ``replay`` is the
    state of the tables that the logged changes give.
    """
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    replay = Replay()
    hashes: dict[int, str] = {}
    changes = _changes_by_event(db)
    pending = next(changes, None)
    for seq, at, actor, action, subject, details, stored_prev, stored_hash in db.execute(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit ORDER BY seq"
    ):
        count += 1
        if seq != expected_seq:
            return ChainReport(count, expected_seq, f"审计日志第 {expected_seq} 条缺失（下一条为第 {seq} 条）")
        if stored_prev != prev_hash:
            return ChainReport(count, seq, f"审计日志第 {seq} 条与上一条的链接不符")
        fields = (prev_hash, seq, at, actor, action, subject, details)
        held = _HASHED.held(stored_hash, fields)
        if held is None:
            if _row_hash(*fields) != stored_hash:
                return ChainReport(count, seq, f"审计日志第 {seq} 条内容已被改动（{action} {subject}）")
            held = _HASHED.add(stored_hash, fields, _parsed(details))
        while pending is not None and pending[0] < seq:
            pending = next(changes, None)
        event_changes = pending[1] if pending is not None and pending[0] == seq else []
        from_id = held.content.get(CHANGES_FROM)
        covered = [change[1:] for change in event_changes if isinstance(from_id, int) and change[0] >= from_id]
        if held.covered is None or held.covered != covered:
            problem = _check_changes(seq, action, subject, held.content, covered)
            if problem:
                return ChainReport(count, seq, problem)
            _HASHED.add_covered(stored_hash, held, covered)
        replay.apply(covered, seq)
        hashes[seq] = stored_hash
        prev_hash = stored_hash
        expected_seq += 1
    return ChainReport(count, None, f"审计日志完整，共 {count} 条", replay, hashes)


@dataclass(slots=True)
class _Held:
    fields: tuple[Any, ...]
    types: tuple[type, ...]
    content: dict[str, Any]  # what the details say of the changes the row covers
    covered: list[tuple[Any, ...]] | None = None  # the changes it covered when their digest held, if all text


class _HashedRows:
    """Log rows whose hash was computed and equalled the stored one, by that hash, with what their details say of
    the changes they cover, and those changes once their digest held.

    A row whose every field (and the hash before it) equals one held here, type for type, hashes to the same value,
    so it holds without hashing and parsing it again; changes equal to those held for it (all text or NULL, so
    equal means the same text) have the same digest. Anything else is hashed. In memory only: at most ``budget``
    characters (then it starts afresh), and no row or changes larger than an eighth of it.
    """

    def __init__(self, budget: int = 1 << 25) -> None:
        self._rows: dict[str, _Held] = {}
        self._size = 0
        self._budget = budget
        self._lock = threading.Lock()

    def held(self, stored_hash: str, fields: tuple[Any, ...]) -> _Held | None:
        found = self._rows.get(stored_hash)
        if found is None or found.fields != fields or found.types != tuple(map(type, fields)):
            return None  # types too: 5 == 5.0, but they are not the same text to hash
        return found

    def add(self, stored_hash: str, fields: tuple[Any, ...], content: dict[str, Any]) -> _Held:
        summary = {key: content[key] for key in (CHANGES_FROM, CHANGES_SHA256, CHANGES_COUNT) if key in content}
        held = _Held(fields, tuple(map(type, fields)), summary)
        self._keep(sum(len(field) for field in fields if isinstance(field, str)),
                   lambda: self._rows.__setitem__(stored_hash, held))
        return held

    def add_covered(self, stored_hash: str, held: _Held, covered: list[tuple[Any, ...]]) -> None:
        if not all(type(value) is str or value is None for change in covered for value in change):
            return
        size = sum(len(value) for change in covered for value in change if value is not None)
        self._keep(size, lambda: setattr(held, "covered", covered) if self._rows.get(stored_hash) is held else None)

    def _keep(self, size: int, store: Callable[[], None]) -> None:
        if size > self._budget // 8:
            return
        with self._lock:
            if self._size + size > self._budget:
                self._rows.clear()
                self._size = 0
            store()
            self._size += size


_HASHED = _HashedRows()


def _parsed(details: str) -> dict[str, Any]:
    if '"changes_sha256"' not in details:
        return {}
    try:
        value = json.loads(details)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _changes_by_event(db: Database) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """(seq, [(id, op, tbl, key, row), …]) for each entry with logged changes, in order, read in batches."""
    if not _has_changes_table(db):
        return
    cursor = db.execute("SELECT seq, id, op, tbl, key, row FROM audit_changes ORDER BY seq, id")
    current_seq: int | None = None
    batch: list[tuple[Any, ...]] = []
    while rows := cursor.fetchmany(10_000):
        for seq, group in groupby(rows, key=itemgetter(0)):
            if seq != current_seq:
                if current_seq is not None:
                    yield current_seq, batch
                current_seq, batch = seq, []
            batch += [row[1:] for row in group]
    if current_seq is not None:
        yield current_seq, batch


def _check_changes(seq: int, action: str, subject: str, content: dict[str, Any],
                   covered: list[tuple[Any, ...]]) -> str | None:
    """Why the changes the entry covers (those from its ``CHANGES_FROM`` on) are not those it logged, or None."""
    if CHANGES_SHA256 not in content:
        return None
    if not isinstance(content.get(CHANGES_FROM), int):
        return f"审计日志第 {seq} 条（{action} {subject}）的改动记录起点已损坏"
    digest, count = changes_digest(covered)
    if digest != content[CHANGES_SHA256] or count != content.get(CHANGES_COUNT):
        return (f"审计日志第 {seq} 条（{action} {subject}）所记录的数据改动已被改动"
                f"（应为 {content.get(CHANGES_COUNT)} 项，现为 {count} 项）")
    return None


def entries(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT seq, at, actor, action, subject, details FROM audit ORDER BY seq DESC LIMIT :limit", {"limit": limit}
    ).fetchall()
    return [dict(zip(("seq", "at", "actor", "action", "subject", "details"), row)) for row in rows]
