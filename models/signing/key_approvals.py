"""A re-key, or a 负责人 added beside one in office, needs a second person's signature (三员分立).

The 系统管理员 holds the CA passphrase, so alone they could give anyone a new key under a passphrase of their own
choosing and sign as that person, or add a 负责人 of their own to vouch for it. So each 更换审核人员密钥 entry
carries the confirmation of the person themselves (signed with the key being replaced) or of a 负责人 who is
not the 系统管理员 (signed with their own key), and each 负责人 added while another is listed and not revoked
carries that of a 负责人. ``audit verify`` names an entry without one, and every signature made with the
certificate it issued: the decisions, declarations and signed log entries made with it are not counted.

A workspace made before this version holds re-keys nobody confirmed; they count on the chain's word alone, up to
the entry from which this version signs them (``models.workspace.signed_scope``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from models.review.terms import LEAD_ROLE, ROLES
from models.signing.ca import fingerprint
from models.signing.entry_records import signer_problem
from models.signing.reviewers import (
    REVOKE_ACTION, REVOKED, IssuedCertificate, ReviewerError, certificates_of, require_active, unlock,
)
from models.signing.status import StatusEntry, logged_entries
from models.signing.signatures import ALGORITHM, KNOWN_ALGORITHMS, algorithm_of, sign_record, verify_record
from models.workspace import people_rows
from models.workspace.conflict_rows import stored_declarations
from models.workspace.decision_rows import stored_decisions
from models.workspace.signed_scope import KEY_CHANGES, signed_from
from models.workspace.workspace import Workspace

REKEY_ACTION = "更换审核人员密钥"
ADD_ACTION = "新增审核人员"
CONFIRMATION = "确认密钥变更"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Who confirms a re-key or a new 负责人, by their own passphrase: the person re-keyed, or a 负责人."""

    by: str
    passphrase: str


def confirmation_needed(ws: Workspace, action: str, name: str, role: str) -> bool:
    """Every re-key needs one; adding a 负责人 does while another 负责人 is listed and not revoked."""
    if action == REKEY_ACTION:
        return True
    return role == LEAD_ROLE and any(
        p.role == LEAD_ROLE and p.status != REVOKED and p.name != name for p in people_rows.people(ws.db))


@dataclass(frozen=True, slots=True)
class Confirmer:
    """The person confirming a change, checked and with their key unlocked, before anything is made."""

    name: str
    key: ec.EllipticCurvePrivateKey


def confirmer_for(ws: Workspace, confirmation: Confirmation | None, *, action: str, name: str, role: str,
                  by: str) -> Confirmer | None:
    """Who confirms ``action`` on ``name`` done by the 系统管理员 ``by``; None when no confirmation is needed.

    Raises ReviewerError naming who may confirm, and WrongPassphrase for a wrong passphrase.
    """
    if not confirmation_needed(ws, action, name, role):
        return None
    may = f"{name}本人（用现在的口令）或一位负责人" if action == REKEY_ACTION else "一位在任的负责人"
    verb = f"为 {name} 更换密钥" if action == REKEY_ACTION else f"新增负责人 {name}"
    if confirmation is None or not confirmation.by.strip():
        raise ReviewerError(f"{verb}须经{may}确认并以其本人口令签名（三员分立：系统管理员一人不能办理）")
    approver = confirmation.by.strip()
    if approver == by:
        raise ReviewerError(f"{verb}须由系统管理员以外的人确认：{approver} 正是办理的系统管理员")
    person = require_active(ws, approver)
    if not (person.role == LEAD_ROLE and approver != name) and not (action == REKEY_ACTION and approver == name):
        raise ReviewerError(f"{approver} 的角色是{person.role}，不能确认{verb}：须由{may}确认")
    return Confirmer(approver, unlock(ws, approver, confirmation.passphrase))


def confirmation_details(confirmer: Confirmer | None, *, action: str, name: str, role: str, fingerprint: str,
                         old_fingerprint: str, by: str) -> dict[str, Any]:
    """The entry's ``confirmation``: the record ``confirmer`` signs for the certificate just issued; empty
    without one."""
    if confirmer is None:
        return {}
    record = {"alg": ALGORITHM, "kind": CONFIRMATION, "action": action, "person": name, "role": role,
              "fingerprint": fingerprint, "old_fingerprint": old_fingerprint, "by": by, "confirmed_by": confirmer.name,
              "at": datetime.now(UTC).astimezone().isoformat(timespec="microseconds")}
    return {"confirmation": {"record": record,
                             "signature": base64.b64encode(sign_record(confirmer.key, record)).decode()}}


def _entries(ws: Workspace) -> list[StatusEntry]:
    return logged_entries(ws, (REKEY_ACTION, ADD_ACTION, REVOKE_ACTION))


def _why_unconfirmed(ws: Workspace, entry: StatusEntry, revoked: dict[str, int]) -> str | None:
    """Why the entry's confirmation does not count, or None when it does."""
    found = entry.details.get("confirmation")
    if not isinstance(found, dict):
        return "没有本人或负责人的确认签名"
    record, signature_text = found.get("record"), found.get("signature")
    if not isinstance(record, dict):
        return "确认签名记录已损坏"
    if algorithm_of(record) not in KNOWN_ALGORITHMS:
        return f"签名算法 {record.get('alg')!r} 尚未实现"
    expected = {"kind": CONFIRMATION, "action": entry.action, "person": entry.subject, "by": entry.actor,
                "fingerprint": entry.details.get("fingerprint"),
                "old_fingerprint": entry.details.get("old_fingerprint", "")}
    unlike = [field for field, value in expected.items() if record.get(field) != value]
    if unlike:
        return f"确认签名记录的 {'、'.join(unlike)} 与这一条不符：是别的变更的确认"
    try:
        signature = base64.b64decode(str(signature_text), validate=True)
    except (binascii.Error, ValueError):
        return "确认签名已损坏"
    approver = str(record.get("confirmed_by"))
    if approver == entry.actor:
        return f"确认人 {approver} 正是办理的系统管理员"
    by_self = approver == entry.subject and entry.action == REKEY_ACTION
    for issued in certificates_of(ws, approver):
        if not verify_record(issued.certificate, record, signature):
            continue
        if by_self and fingerprint(issued.certificate) != record.get("old_fingerprint"):
            return f"确认签名是用新证书作出的，不是 {approver} 原有的密钥"
        if not by_self and fingerprint(issued.certificate) == record.get("fingerprint"):
            return "确认签名是用这次签发的新证书作出的"
        return signer_problem(ws, issued, roles=ROLES if by_self else (LEAD_ROLE,), may="确认密钥变更",
                              at=str(record.get("at")), seq=entry.seq, revoked=revoked)
    return f"确认签名无效：不是 {approver} 本人签名，或签名记录已被改动"


def _unconfirmed(ws: Workspace) -> list[tuple[StatusEntry, str]]:
    """Each re-key or added 负责人 from the signing boundary on whose confirmation does not count, with why."""
    boundary = signed_from(ws.db, KEY_CHANGES)
    if boundary is None:
        return []
    revoked: dict[str, int] = {}
    leads: set[str] = set()
    unconfirmed = []
    for entry in _entries(ws):
        if entry.action == REVOKE_ACTION:
            revoked.setdefault(entry.subject, entry.seq)
            leads.discard(entry.subject)
            continue
        role = str(entry.details.get("role", ""))
        needed = entry.action == REKEY_ACTION or (role == LEAD_ROLE and bool(leads - {entry.subject}))
        if entry.action == ADD_ACTION and role == LEAD_ROLE:
            leads.add(entry.subject)
        if not needed or entry.seq < boundary:
            continue
        why = _why_unconfirmed(ws, entry, revoked)
        if why is not None:
            unconfirmed.append((entry, why))
    return unconfirmed


def key_change_problems(ws: Workspace) -> list[str]:
    """Each unconfirmed re-key or 负责人, and each decision, declaration and signed entry made with what it issued."""
    problems = []
    untrusted: dict[str, list[tuple[IssuedCertificate, StatusEntry]]] = {}
    for entry, why in _unconfirmed(ws):
        issued_fingerprint = str(entry.details.get("fingerprint", ""))
        certificate = f"证书 {issued_fingerprint[:16]}…" if issued_fingerprint else "新证书"
        problems.append(f"{entry.describe()}不予承认：{why}；此后以 {entry.subject} 的{certificate}"
                        "所作的签名均不予承认（三员分立：更换密钥须经本人或负责人确认）")
        for issued in certificates_of(ws, entry.subject):
            if fingerprint(issued.certificate) == issued_fingerprint:
                untrusted.setdefault(entry.subject, []).append((issued, entry))
    if untrusted:
        problems += _signed_with(ws, untrusted)
    return problems


def _signed_with(ws: Workspace, untrusted: dict[str, list[tuple[IssuedCertificate, StatusEntry]]]) -> list[str]:
    from models.review.conflicts import conflict_problem
    from models.workspace.verification import verify_decision_row

    problems = []
    for row in stored_decisions(ws.db):
        for issued, entry in untrusted.get(str(row["reviewer"]), []):
            if verify_decision_row(row, {row["reviewer"]: issued.certificate}, None) is None:
                problems.append(f"决定 {row['uuid']}（{row['application_id']} {row['stage']}，{row['reviewer']}）"
                                f"是用{entry.describe()}签发的未经确认的证书签名的：不予承认")
    for declared in stored_declarations(ws.db):
        for issued, entry in untrusted.get(str(declared["reviewer"]), []):
            if conflict_problem(declared, issued.certificate) is None:
                problems.append(f"{declared['reviewer']} 对 {declared['application_id']} 的利益冲突声明"
                                f"是用{entry.describe()}签发的未经确认的证书签名的：不予承认")
    for later in logged_entries(ws, None, by=sorted(untrusted)):
        for issued, entry in untrusted.get(later.actor, []):
            if later.seq > entry.seq and _signed_entry_verifies(later.details, issued.certificate):
                problems.append(f"审计日志第 {later.seq} 条（{later.action}，{later.actor}）是用{entry.describe()}"
                                "签发的未经确认的证书签名的：不予承认")
    return problems


def _signed_entry_verifies(details: dict[str, Any], certificate: x509.Certificate) -> bool:
    record = details.get("record")
    try:
        signature = base64.b64decode(str(details.get("signature")), validate=True)
    except (ValueError, binascii.Error):
        return False
    return isinstance(record, dict) and verify_record(certificate, record, signature)
