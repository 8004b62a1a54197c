"""The append-only, hash-chained audit log.

Each row's hash covers the previous row's hash and the row's own content, so
editing or removing any row breaks the chain from there on. Triggers in the
schema refuse UPDATE, DELETE and out-of-sequence INSERT; :func:`verify_chain`
catches what was done with the triggers dropped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from sqlite_utils import Database

GENESIS = ""


def now_text() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _row_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, subject: str, details: str) -> str:
    content = json.dumps([seq, at, actor, action, subject, details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{content}".encode("utf-8")).hexdigest()


def append(db: Database, actor: str, action: str, subject: str = "",
           details: Mapping[str, Any] | None = None) -> str:
    """Add one entry; call inside the transaction of the change it records. Returns its hash."""
    last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = now_text()
    detail_text = json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True, default=str)
    digest = _row_hash(prev_hash, seq, at, actor, action, subject, detail_text)
    db.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
        [seq, at, actor, action, subject, detail_text, prev_hash, digest],
    )
    return digest


def head_hash(db: Database) -> str:
    """The newest entry's hash: what a signed sheet carries to pin the log's state."""
    row = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return row[0] if row else GENESIS


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    broken_at: int | None
    message: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(db: Database) -> ChainReport:
    """Walk the log from the start; name the first row whose hash or link is wrong."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for seq, at, actor, action, subject, details, stored_prev, stored_hash in db.execute(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit ORDER BY seq"
    ):
        count += 1
        if seq != expected_seq:
            return ChainReport(count, expected_seq, f"审计日志第 {expected_seq} 条缺失（下一条为第 {seq} 条）")
        if stored_prev != prev_hash:
            return ChainReport(count, seq, f"审计日志第 {seq} 条与上一条的链接不符")
        if _row_hash(prev_hash, seq, at, actor, action, subject, details) != stored_hash:
            return ChainReport(count, seq, f"审计日志第 {seq} 条内容已被改动（{action} {subject}）")
        prev_hash = stored_hash
        expected_seq += 1
    return ChainReport(count, None, f"审计日志完整，共 {count} 条")


def entries(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT seq, at, actor, action, subject, details FROM audit ORDER BY seq DESC LIMIT ?", [limit]
    ).fetchall()
    return [dict(zip(("seq", "at", "actor", "action", "subject", "details"), row)) for row in rows]
