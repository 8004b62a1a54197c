"""Imports and restores, signed by the person who makes them; and which of those entries count.

An import sets the fields every later decision is made on, and a restore puts a
whole workspace in place: an entry that only names its actor is what an insider
with SQL can append. Each such entry (导入申报文件, 指定政策版本, and the
补正材料重新提交 and 撤销决定并退回重审 an import causes; 从备份恢复) carries a
record signed with the acting person's key. It binds the action, the file (or
backup) and its SHA-256, the person, the time, the digest of exactly the rows the
entry captures, and the hash of the entry it follows, so a genuine record copied
into another entry counts for nothing. Entries from before the workspace began
signing them (``models.workspace.signed_scope``) count on the chain's word.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from models.failures import ReviewDeskError
from models.review.terms import IMPORTING_ROLES, LEAD_ROLE, RESTORING_ROLES
from models.signing.ca import certificate_role
from models.signing.entry_records import record_and_signature, signer_problem
from models.signing.reviewers import IssuedCertificate, Reviewer, key_matches, require_active
from models.signing.signatures import ALGORITHM, sign_record, verify_record
from models.workspace import audit
from models.workspace.anchors import RESTORE_ACTION
from models.workspace.database import Database, in_list
from models.workspace.projection import CHANGES_COUNT, CHANGES_FROM, CHANGES_SHA256, RunningChangesDigest
from models.workspace.signed_scope import IMPORTS_AND_RESTORES, signed_from
from models.workspace.workspace import Workspace

IMPORT_ACTION = "导入申报文件"
VERSION_CHOSEN_ACTION = "指定政策版本"
REOPEN_ACTION = "撤销决定并退回重审"
RESUBMITTED_ACTION = "补正材料重新提交"  # models.review.corrections.RESUBMITTED
IMPORT_FAMILY = (IMPORT_ACTION, VERSION_CHOSEN_ACTION, REOPEN_ACTION, RESUBMITTED_ACTION)
SIGNED_ACTIONS = (*IMPORT_FAMILY, RESTORE_ACTION)


class SigningRefused(ReviewDeskError):
    """The person may not import or restore, or the key is not theirs; nothing was written."""


@dataclass(frozen=True, slots=True)
class ActingSigner:
    """Who acts, with their unlocked key (checked against their CA-issued certificate before it signs)."""

    name: str
    key: ec.EllipticCurvePrivateKey


def require_role(ws: Workspace, name: str, roles: tuple[str, ...], what: str) -> Reviewer:
    """The active person ``name`` whose CA-issued certificate (never the table) gives one of ``roles``.

    Raises :class:`SigningRefused` (or ``ReviewerError`` for a disabled, revoked or unknown person).
    """
    reviewer = require_active(ws, name)
    role = certificate_role(reviewer.certificate)
    if role not in roles:
        raise SigningRefused(f"{name} 的证书角色是{role or '（无）'}，不能{what}（只有{'、'.join(roles)}可以），"
                             "未作任何改动")
    return reviewer


def require_signer(ws: Workspace, signer: ActingSigner, roles: tuple[str, ...], what: str) -> Reviewer:
    """As :func:`require_role`, and ``signer.key`` must be the private half of that person's certificate."""
    reviewer = require_role(ws, signer.name, roles, what)
    if not key_matches(signer.key, reviewer):
        raise SigningRefused(f"签名密钥与 {signer.name} 的证书不符，未{what}")
    return reviewer


def unlock_signer(ws: Workspace, name: str, passphrase: str, roles: tuple[str, ...], what: str) -> ActingSigner:
    """``name`` with their key unlocked by ``passphrase``, once their role is known to allow ``what``
    (a wrong passphrase is audited and raised as ``WrongPassphrase``, as for a decision)."""
    from models.signing.reviewers import unlock

    require_role(ws, name, roles, what)
    return ActingSigner(name, unlock(ws, name, passphrase))


def unlock_importer(ws: Workspace, name: str, passphrase: str) -> ActingSigner:
    """:func:`unlock_signer` for an import."""
    return unlock_signer(ws, name, passphrase, IMPORTING_ROLES, "导入申报文件")


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class SignedAppender:
    """Appends entries whose details carry a record ``signer`` signs over ``facts`` and the rows each captures."""

    signer: ActingSigner
    facts: Mapping[str, Any]

    def append(self, db: Database, action: str, subject: str, details: Mapping[str, Any],
               running: RunningChangesDigest | None = None) -> str:
        return audit.append(db, self.signer.name, action, subject, {**details, **self.facts}, running=running,
                            seal=self.seal(action, subject))

    def seal(self, action: str, subject: str) -> Callable[[dict[str, Any], str], Mapping[str, Any]]:
        """What ``audit.append`` calls to add the signed record to an entry of ``action`` on ``subject``."""
        def seal(content: dict[str, Any], previous: str) -> Mapping[str, Any]:
            record = {"alg": ALGORITHM, "kind": action, "subject": subject, "by": self.signer.name, "at": _now(),
                      **self.facts, "changes": _changes_of(content), "previous": previous}
            return {"record": record,
                    "signature": base64.b64encode(sign_record(self.signer.key, record)).decode("ascii")}

        return seal


def import_appender(signer: ActingSigner, file_name: str, sha256: str) -> SignedAppender:
    return SignedAppender(signer, {"file": file_name, "sha256": sha256})


def restore_appender(signer: ActingSigner, backup_name: str, backup_sha256: str, head: tuple[int, str]) -> SignedAppender:
    """For the restore entry: the backup, its SHA-256 and the head of the log it restores."""
    return SignedAppender(signer, {"backup": backup_name, "backup_sha256": backup_sha256, "head_seq": head[0],
                                   "head_hash": head[1]})


def _changes_of(content: Mapping[str, Any]) -> dict[str, Any]:
    return {"from": content.get(CHANGES_FROM), "sha256": content.get(CHANGES_SHA256),
            "count": content.get(CHANGES_COUNT)}


# --- which entries count -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev_hash: str

    def describe(self) -> str:
        return f"审计日志第 {self.seq} 条（{self.action} {self.subject}，{self.actor}）"


def _entries(db: Database, boundary: int) -> list[_Entry]:
    found = []
    actions, parameters = in_list("action", SIGNED_ACTIONS)
    for seq, at, actor, action, subject, details, prev_hash in db.execute(
            f"SELECT seq, at, actor, action, subject, details, prev_hash FROM audit WHERE action IN {actions} "
            "AND seq > :boundary ORDER BY seq", {**parameters, "boundary": boundary}):
        try:
            content = json.loads(details)
        except ValueError:
            content = {}
        found.append(_Entry(int(seq), str(at), str(actor), str(action), str(subject),
                            content if isinstance(content, dict) else {}, str(prev_hash)))
    return found


IssuedTo = Callable[[str], list[IssuedCertificate]]


class _Judge:
    def __init__(self, ws: Workspace, issued_to: IssuedTo) -> None:
        from models.signing.status import first_revocations, logged_statuses

        self.ws = ws
        self.issued_to = issued_to
        self.statuses = logged_statuses(ws)
        self.revoked = first_revocations(ws)

    def void_because(self, entry: _Entry) -> str | None:
        details = entry.details
        if details.get("record") is None and details.get("signature") is None:
            return f"没有{entry.actor}本人的签名：导入、恢复须由操作人以本人密钥签名"
        found = record_and_signature(details, action=entry.action, subject_field="subject", subject=entry.subject,
                                     previous=entry.prev_hash, actor=entry.actor, this="这一条",
                                     copied="签名记录接续的不是审计日志的上一条：这是复制来的旧签名记录，或签名时的上一条已被改写")
        if isinstance(found, str):
            return found
        record, signature = found
        disagrees = _disagreement(record, details, entry)
        if disagrees:
            return disagrees
        for issued in self.issued_to(entry.actor):
            if verify_record(issued.certificate, record, signature):
                return self._signer_problem(entry, issued, str(record.get("at")))
        return f"签名无效：不是 {entry.actor} 本人的密钥所签，或签名记录已被改动"

    def _signer_problem(self, entry: _Entry, issued: IssuedCertificate, at: str) -> str | None:
        problem = signer_problem(self.ws, issued, roles=_roles_for(entry), may=_verb(entry), at=at, seq=entry.seq,
                                 revoked=self.revoked)
        if problem:
            return problem
        status = self.statuses.get(issued.name)
        disabled = status.disabled_by_at(entry.seq) if status is not None else None
        if disabled is not None:
            return f"签名人 {issued.name} 已于{disabled.describe()}停用，停用期间不能{_verb(entry)}"
        return None


def _roles_for(entry: _Entry) -> tuple[str, ...]:
    if entry.action != RESTORE_ACTION:
        return IMPORTING_ROLES
    return (LEAD_ROLE,) if "rollback" in entry.details else RESTORING_ROLES


def _verb(entry: _Entry) -> str:
    if entry.action != RESTORE_ACTION:
        return "导入申报文件"
    return "确认回退恢复" if "rollback" in entry.details else "恢复备份"


def _disagreement(record: Mapping[str, Any], details: Mapping[str, Any], entry: _Entry) -> str | None:
    """Why the signed record does not describe this entry: the rows it captures, its file or backup."""
    if record.get("changes") != _changes_of(details):
        return "签名记录中的数据改动摘要与该条审计记录所记录的数据改动不符：签名的不是这些改动"
    if entry.action == RESTORE_ACTION:
        pairs = [("backup_sha256", "backup_sha256"), ("head_seq", "head_seq"), ("head_hash", "head_hash")]
        if entry.subject != details.get("backup"):
            return f"审计记录的备份文件名 {entry.subject} 与其内容不符"
    else:
        pairs = [("file", "file"), ("sha256", "sha256")]
        if entry.action in (IMPORT_ACTION, VERSION_CHOSEN_ACTION) and record.get("file") != entry.subject:
            return f"签名记录的文件是 {record.get('file')}，审计记录却是 {entry.subject}"
    for signed_key, logged_key in pairs:
        if record.get(signed_key) != details.get(logged_key):
            return (f"签名记录的 {signed_key} 为 {record.get(signed_key)!r}，审计记录却是 {details.get(logged_key)!r}："
                    "签名的不是这个文件")
    return None


def signed_entry_problems(ws: Workspace, issued_to: IssuedTo | None = None) -> list[str]:
    """Each import-family or restore entry after the workspace began signing them that does not count, and why."""
    from models.signing.application_writes import unsigned_application_writes

    boundary = signed_from(ws.db, IMPORTS_AND_RESTORES)
    if boundary is None:
        return []
    unsigned = unsigned_application_writes(ws.db, SIGNED_ACTIONS)
    entries = _entries(ws.db, boundary)
    if not entries:
        return unsigned
    if issued_to is None:
        from models.signing.reviewers import certificates_of

        def issued_to(name: str) -> list[IssuedCertificate]:
            return certificates_of(ws, name)

    judge = _Judge(ws, issued_to)
    return [f"{entry.describe()}不予承认：{why}" for entry in entries if (why := judge.void_because(entry))] + unsigned


def signed_rows_line(ws: Workspace) -> str:
    """How many import and restore entries are signed, for the report's lines."""
    boundary = signed_from(ws.db, IMPORTS_AND_RESTORES)
    if boundary is None:
        return "导入、恢复记录：本工作区尚未开始签名（均由审计链担保）"
    actions, parameters = in_list("action", SIGNED_ACTIONS)
    before = ws.db.execute(f"SELECT COUNT(*) FROM audit WHERE action IN {actions} AND seq < :boundary",
                           {**parameters, "boundary": boundary}).fetchone()[0]
    return (f"导入、恢复记录自审计日志第 {boundary} 条起须有操作人签名"
            + (f"；此前的 {before} 条由审计链担保" if before else ""))
