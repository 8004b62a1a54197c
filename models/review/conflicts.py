"""Conflict-of-interest declarations: signed by the declaring reviewer before they see the evidence.

A declaration — a conflict or none — is a record signed with the reviewer's
key. A declared conflict can only be withdrawn by the same reviewer, with
their passphrase and a reason; the withdrawal is signed too. Both are audit
events carrying the signed record.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from models.workspace import audit
from models.failures import ReviewDeskError
from models.review.terms import DECIDING_ROLES
from models.signing.reviewers import Reviewer, key_matches, require_active, unlock
from models.pure_memo import PureMemo, input_digest
from models.signing.signatures import (ALGORITHM, canonical_bytes, public_key_der, sign_record, verify_bytes,
                                       verify_record)
from models.workspace.conflict_rows import ConflictRow, declaration, put_declaration, remove_declaration
from models.workspace.records import application_exists
from models.workspace.workspace import Workspace

DECLARATION, WITHDRAWAL = "利益冲突声明", "撤回利益冲突声明"


class ConflictRefused(ReviewDeskError):
    """The declaration breaks a rule; nothing was written."""


def _signer(ws: Workspace, reviewer: str, key: ec.EllipticCurvePrivateKey | None,
            passphrase: str | None) -> tuple[Reviewer, ec.EllipticCurvePrivateKey]:
    person = require_active(ws, reviewer)
    if person.role not in DECIDING_ROLES:
        raise ConflictRefused(f"{reviewer} 的角色是{person.role}，不参与审核，无须声明利益冲突")
    if key is None:
        if passphrase is None:
            raise ConflictRefused(f"利益冲突声明须由 {reviewer} 本人签名：请输入 {reviewer} 的口令")
        key = unlock(ws, reviewer, passphrase)
    if not key_matches(key, person):
        raise ConflictRefused(f"签名密钥不是 {reviewer} 的密钥：利益冲突声明只能由本人作出")
    return person, key


def declare_conflict(ws: Workspace, application_id: str, reviewer: str, *, has_conflict: bool,
                     reason: str = "", key: ec.EllipticCurvePrivateKey | None = None,
                     passphrase: str | None = None) -> None:
    """Record ``reviewer``'s signed declaration; a conflict excludes them from the application.

    Signed with ``key`` (the sitting's unlocked key) or the key ``passphrase`` unlocks.
    A declared conflict is not overwritten: it is withdrawn with :func:`withdraw_conflict`.
    """
    _require_application(ws, application_id)
    if has_conflict and not reason.strip():
        raise ConflictRefused("声明存在利益冲突时须写明原因")
    if conflict_declared(ws, application_id, reviewer):
        raise ConflictRefused(f"{reviewer} 已声明与 {application_id} 存在利益冲突；如声明有误，须由本人输入口令并写明原因撤回")
    _, key = _signer(ws, reviewer, key, passphrase)
    declared_at = audit.now_text()
    record = {"alg": ALGORITHM, "kind": DECLARATION, "application_id": application_id, "reviewer": reviewer,
              "has_conflict": has_conflict, "reason": reason.strip(), "declared_at": declared_at}
    signature = base64.b64encode(sign_record(key, record)).decode("ascii")
    with ws.db.atomic():
        put_declaration(ws.db, ConflictRow(application_id, reviewer, has_conflict, reason.strip(), declared_at,
                                           canonical_bytes(record).decode("utf-8"), signature))
        audit.append(ws.db, reviewer, DECLARATION, application_id,
                     {"has_conflict": has_conflict, "reason": record["reason"], "record": record,
                      "signature": signature})


def withdraw_conflict(ws: Workspace, application_id: str, reviewer: str, passphrase: str, reason: str) -> None:
    """Withdraw ``reviewer``'s declared conflict: their passphrase (never a cached key) and a reason.

    Afterwards the reviewer has not declared: they declare again before deciding.
    """
    if not reason.strip():
        raise ConflictRefused("撤回利益冲突声明须写明原因")
    if not conflict_declared(ws, application_id, reviewer):
        raise ConflictRefused(f"{reviewer} 没有就 {application_id} 声明存在利益冲突，无可撤回")
    _, key = _signer(ws, reviewer, None, passphrase)
    declared = declaration(ws.db, application_id, reviewer)
    assert declared is not None  # conflict_declared found it above
    record = {"alg": ALGORITHM, "kind": WITHDRAWAL, "application_id": application_id, "reviewer": reviewer,
              "reason": reason.strip(), "withdrawn_at": audit.now_text(), "declaration_signature": declared.signature}
    signature = base64.b64encode(sign_record(key, record)).decode("ascii")
    with ws.db.atomic():
        remove_declaration(ws.db, application_id, reviewer)
        audit.append(ws.db, reviewer, WITHDRAWAL, application_id,
                     {"reason": record["reason"], "record": record, "signature": signature})


def conflict_declared(ws: Workspace, application_id: str, reviewer: str) -> bool | None:
    """None when the reviewer has not declared yet; else whether they have a conflict."""
    found = declaration(ws.db, application_id, reviewer)
    return None if found is None else found.has_conflict


def conflict_problem(row: dict[str, Any], certificate: x509.Certificate | None) -> str | None:
    """Why a conflicts row is not what its reviewer signed, or None when it is."""
    where = f"{row.get('reviewer')} 对 {row.get('application_id')} 的利益冲突声明"
    if certificate is None:
        return f"{where}：找不到声明人的证书"
    held = input_digest(public_key_der(certificate), tuple(sorted(row.items())))
    if _HELD.get(held):
        return None
    problem = _declaration_problem(row, certificate, where)
    if problem is None:
        _HELD.put(held, True)
    return problem


# Each declaration row (as stored, with the declarer's key) that was what its declarer signed, exactly so.
_HELD: PureMemo[bool] = PureMemo()


def _declaration_problem(row: dict[str, Any], certificate: x509.Certificate, where: str) -> str | None:
    try:
        record = json.loads(row["record"])
        signature = base64.b64decode(row["signature"], validate=True)
    except (KeyError, TypeError, ValueError):
        return f"{where}：没有声明人的签名"
    if not signature:
        return f"{where}：没有声明人的签名"
    if not isinstance(record, dict) or record.get("kind") != DECLARATION:
        return f"{where}：签名记录不是利益冲突声明"
    stored = str(row["record"]).encode("utf-8")
    if not (verify_bytes(certificate, stored, signature) or verify_record(certificate, record, signature)):
        return f"{where}：签名无效，不是声明人本人作出或已被改动"
    expected = {"application_id": record["application_id"], "reviewer": record["reviewer"],
                "has_conflict": int(bool(record["has_conflict"])), "reason": record["reason"],
                "declared_at": record["declared_at"]}
    for column, value in expected.items():
        found = int(bool(row.get(column))) if column == "has_conflict" else row.get(column)
        if found != value:
            return f"{where}：{column} 与签名记录不符（签名为 {value!r}，现为 {found!r}）"
    return None


def _require_application(ws: Workspace, application_id: str) -> None:
    if not application_exists(ws.db, application_id):
        raise ConflictRefused(f"工作区中没有申报编号 {application_id}")
