"""停用 and 启用 a person: records the acting 系统管理员 signs, and a person's status read from them.

The ``reviewers.status`` column is a projection that an insider can set with SQL
and a consistent audit entry. What counts is the log's signed records: each
停用 or 启用 is signed by someone whose CA-issued certificate says 系统管理员,
and names the entry of the person's status it follows (``previous``), so a
genuine record copied into a new entry counts for nothing. Entries made before
the workspace began signing them (``models.workspace.signed_scope``) count on
the chain's word alone, as they did.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from models.review.terms import ADMIN
from models.signing.entry_records import record_and_signature, signer_problem
from models.signing.reviewers import DISABLED, REVOKE_ACTION, REVOKED, certificates_of
from models.signing.signatures import ALGORITHM, sign_record, verify_record
from models.signing.staff import ACTIVE
from models.workspace import people_rows
from models.workspace.database import in_list
from models.workspace.signed_scope import PEOPLE_STATUS, signed_from
from models.workspace.workspace import Workspace

DISABLE_ACTION, ENABLE_ACTION = "停用审核人员", "启用审核人员"


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One 停用 or 启用 entry of the log, as it stands there."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    hash: str
    details: dict[str, Any]

    def describe(self) -> str:
        return f"审计日志第 {self.seq} 条（{self.action} {self.subject}，{self.actor}）"


@dataclass(slots=True)
class PersonStatus:
    """A person's status as the counted entries give it, and the entries that do not count, with why."""

    disabled: bool = False
    set_by: StatusEntry | None = None
    void: list[tuple[StatusEntry, str]] = field(default_factory=list)
    counted: list[StatusEntry] = field(default_factory=list)

    def disabled_by_at(self, seq: int) -> StatusEntry | None:
        """The counted 停用 entry in force just before entry ``seq`` of the log, or None when the person was in use."""
        before = [entry for entry in self.counted if entry.seq < seq]
        return before[-1] if before and before[-1].action == DISABLE_ACTION else None

    @property
    def previous(self) -> str:
        """What the next signed record names as the entry it follows."""
        return self.set_by.hash if self.set_by is not None else ""


def status_record(action: str, person: str, fingerprint: str, by: str, reason: str, previous: str) -> dict[str, Any]:
    """The record a 系统管理员 signs to disable or enable ``person``."""
    return {"alg": ALGORITHM, "kind": action, "person": person, "person_fingerprint": fingerprint, "by": by,
            "reason": reason, "at": datetime.now(UTC).astimezone().isoformat(timespec="microseconds"),
            "previous": previous}


def signed_details(key: ec.EllipticCurvePrivateKey, record: dict[str, Any]) -> dict[str, Any]:
    """The audit entry's details: what it says, the record and its signature."""
    return {"by": record["by"], "reason": record["reason"], "record": record,
            "signature": base64.b64encode(sign_record(key, record)).decode("ascii")}


def _entries(ws: Workspace, name: str | None) -> list[StatusEntry]:
    return logged_entries(ws, (DISABLE_ACTION, ENABLE_ACTION), name)


def logged_entries(ws: Workspace, kinds: tuple[str, ...] | None, name: str | None = None,
                   by: list[str] | None = None) -> list[StatusEntry]:
    """The log's entries of the actions ``kinds`` (any action: None), about ``name`` and by one of ``by`` only if
    given, in order, their details parsed."""
    conditions: list[str] = []
    parameters: dict[str, Any] = {}
    for column, values in (("action", kinds), ("actor", by)):
        if values is not None:
            marks, named = in_list(column, values)
            conditions.append(f"{column} IN {marks}")
            parameters |= named
    if name is not None:
        conditions.append("subject = :subject")
        parameters["subject"] = name
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    found = []
    for seq, at, actor, action, subject, hash_, details in ws.db.execute(
            f"SELECT seq, at, actor, action, subject, hash, details FROM audit {where}ORDER BY seq", parameters):
        try:
            content = json.loads(details)
        except ValueError:
            content = {}
        found.append(StatusEntry(int(seq), str(at), str(actor), str(action), str(subject), str(hash_),
                                 content if isinstance(content, dict) else {}))
    return found


def first_revocations(ws: Workspace) -> dict[str, int]:
    """Each revoked person's first logged revocation entry (a revocation is final, whatever the tables say)."""
    return {str(subject): int(seq) for subject, seq in ws.db.execute(
        "SELECT subject, MIN(seq) FROM audit WHERE action = :action GROUP BY subject", {"action": REVOKE_ACTION})}


class _Judge:
    """Whether a status entry counts: signed by a 系统管理员 and following the person's last counted entry."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.boundary = signed_from(ws.db, PEOPLE_STATUS)
        self.revoked = first_revocations(ws)

    def void_because(self, entry: StatusEntry, status: PersonStatus) -> str | None:
        if entry.details.get("record") is None and entry.details.get("signature") is None:
            if self.boundary is None or entry.seq < self.boundary:
                return None  # made before this workspace signed them: the chain vouches for it
            return "没有系统管理员的签名：人员停用、启用须由系统管理员以本人密钥签名"
        found = record_and_signature(entry.details, action=entry.action, subject_field="person",
                                     subject=entry.subject, previous=status.previous, actor=entry.actor,
                                     this="这一变更", copied="签名记录接续的不是此人上一条停用、启用记录：这是复制来的旧签名记录")
        if isinstance(found, str):
            return found
        record, signature = found
        for issued in certificates_of(self.ws, entry.actor):
            if verify_record(issued.certificate, record, signature):
                return signer_problem(self.ws, issued, roles=(ADMIN,), may="停用、启用人员",
                                      at=str(record.get("at")), seq=entry.seq, revoked=self.revoked)
        return "签名无效：不是系统管理员本人签名，或签名记录已被改动"


def _walk(ws: Workspace, entries: list[StatusEntry]) -> dict[str, PersonStatus]:
    if not entries:
        return {}  # no 停用 or 启用 at all: nothing to judge (``decide`` asks this for every decision)
    judge = _Judge(ws)
    statuses: dict[str, PersonStatus] = {}
    for entry in entries:
        status = statuses.setdefault(entry.subject, PersonStatus())
        why = judge.void_because(entry, status)
        if why is not None:
            status.void.append((entry, why))
            continue
        status.disabled, status.set_by = entry.action == DISABLE_ACTION, entry
        status.counted.append(entry)
    return statuses


def logged_statuses(ws: Workspace) -> dict[str, PersonStatus]:
    """Every person's status as the counted 停用 and 启用 entries give it (a person with none is in use)."""
    return _walk(ws, _entries(ws, None))


def logged_status(ws: Workspace, name: str) -> PersonStatus:
    """``name``'s status as the counted 停用 and 启用 entries give it (in use when there are none)."""
    return _walk(ws, _entries(ws, name)).get(name, PersonStatus())


def refusal(ws: Workspace, name: str) -> str | None:
    """Why ``name``, shown in use by the people table, is disabled by the signed records; None when not."""
    status = logged_status(ws, name)
    if not status.disabled or status.set_by is None:
        return None
    since = status.set_by
    later = [f"其后的{entry.describe()}不予承认：{why}" for entry, why in status.void if entry.seq > since.seq]
    return (f"{name} 已于 {since.at} 由 {since.actor} 停用（{since.describe()}）"
            + (f"，{'；'.join(later)}" if later else "")
            + "。人员记录显示为在用，已在审核台之外被改动：不能签名或作出决定，请报告信息安全负责人")


def status_problems(ws: Workspace) -> list[str]:
    """Each 停用 or 启用 entry that does not count, and each person whose status column the counted ones contradict."""
    statuses = _walk(ws, _entries(ws, None))
    problems = []
    for status in statuses.values():
        problems += [f"{entry.describe()}不予承认：{why}" for entry, why in status.void]
    for person in people_rows.people(ws.db):
        status = statuses.get(person.name, PersonStatus())
        should = DISABLED if status.disabled else ACTIVE
        if person.status != REVOKED and person.status != should:
            problems.append(f"人员表 reviewers 键 {person.name}：status 现为 {person.status}，"
                            f"按系统管理员签名的停用、启用记录应为 {should}")
    return problems
