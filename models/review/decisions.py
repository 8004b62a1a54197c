"""Two-stage decisions (初审, 复核), each signed by its reviewer and audited.

A decision is signed over a canonical record of the application, its
attachments (name and SHA-256 of each), the cap record it was made against,
the policy version and the decision itself. The
internal note is signed by its hash only, so the record can travel with a
printed sheet without disclosing it.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from models.changes import Changes
from models.workspace import audit
from models.failures import ReviewDeskError
from policy.money import FEN

from models.workspace import records
from models.workspace.records import StoredAssessment, application_snapshot, money_text
from models.workspace.verification import evidence_links
from models.review.terms import (FINAL_OUTCOMES, FINAL_STAGES, FIRST, REJECT, SECOND,
                                 STAGES_BY_NAME, WITH_AMOUNT, later_stages, stage_is_open, why_closed)
from models.review.conflicts import conflict_declared
from models.review.corrections import correction_problem, signed_fields
from models.workspace.decision_rows import CURRENT as _CURRENT
from models.workspace.decision_rows import DecisionRow, insert_decision, supersede
from models.workspace.decision_rows import current_decision as current_decision_row
from models.signing.reviewers import get_reviewer, require_active, unlock
from models.sessions.session import in_session
from models.signing.signatures import ALGORITHM, canonical_bytes, sign_record
from models.workspace.workspace import Workspace

class DecisionRefused(ReviewDeskError):
    """The decision breaks a rule of the review; nothing was signed or written."""


@dataclass(frozen=True, slots=True)
class DecisionInput:
    application_id: str
    stage: str
    outcome: str
    reviewer: str
    amount_yuan: Decimal | None = None
    opinion: str = ""
    note: str = ""
    override_reason: str = ""
    missing_items: tuple[str, ...] = ()  # 退回补正: the materials to supply, and by when
    deadline: date | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    uuid: str
    application_id: str
    stage: str
    outcome: str
    amount_yuan: Decimal | None
    opinion: str
    reviewer: str
    decided_at: str
    cap_yuan: Decimal | None
    override_reason: str
    record: dict[str, Any]
    signature: bytes
    changes: Changes = field(default_factory=Changes)  # this application, and those the decision re-assessed


def _application(ws: Workspace, application_id: str) -> records.StoredApplication:
    stored = records.application(ws.db, application_id)
    if stored is None:
        raise DecisionRefused(f"工作区中没有申报编号 {application_id}")
    return stored


def cap_record(ws: Workspace, application_id: str) -> StoredAssessment:
    """The assessment a decision is made against. Raises :class:`DecisionRefused` before one exists."""
    stored = records.assessment(ws.db, application_id)
    if stored is None:
        raise DecisionRefused(f"申报 {application_id} 尚未评估，不能作出决定")
    return stored


def current_decision(ws: Workspace, application_id: str, stage: str) -> DecisionRow | None:
    return current_decision_row(ws.db, application_id, stage)


def current_outcomes(ws: Workspace, application_id: str) -> dict[str, str]:
    """Each stage's current outcome for the application."""
    return dict(ws.db.execute(f"SELECT stage, outcome FROM decisions WHERE application_id = :id AND {_CURRENT} "
                              "ORDER BY decided_at", {"id": application_id}).fetchall())


def is_stale(ws: Workspace, decision: DecisionRow) -> bool:
    """Whether the assessment a decision was made against has changed since (it needs deciding again)."""
    return records.assessment_hash(ws.db, decision.application_id) != decision.cap_record_hash


def _check(ws: Workspace, given: DecisionInput, cap: Decimal | None) -> Decimal | None:
    """The amount to record, or :class:`DecisionRefused` naming the broken rule of the stage table."""
    stage = STAGES_BY_NAME.get(given.stage)
    if stage is None:
        raise DecisionRefused(f"审核阶段须为 {'、'.join(STAGES_BY_NAME)} 之一，而不是“{given.stage}”")
    if given.outcome not in stage.outcomes:
        raise DecisionRefused(f"{given.stage}的结论须为 {'、'.join(stage.outcomes)} 之一，而不是“{given.outcome}”")
    correction = correction_problem(given.outcome, given.missing_items, given.deadline)
    if correction:
        raise DecisionRefused(correction)
    session = in_session(ws, given.application_id)
    if session:
        raise DecisionRefused(f"{given.application_id} 已导出到会评（会评编号 {session[:8]}），合并会评结果前不能在本工作区作出决定")
    reviewer = require_active(ws, given.reviewer)
    if reviewer.role not in stage.roles:
        raise DecisionRefused(f"{given.reviewer} 的角色是{reviewer.role}，不能作出{given.stage}决定")
    declared = conflict_declared(ws, given.application_id, given.reviewer)
    if declared is None:
        raise DecisionRefused(f"{given.reviewer} 尚未就 {given.application_id} 声明利益冲突，请先声明")
    if declared:
        raise DecisionRefused(f"{given.reviewer} 已声明与 {given.application_id} 存在利益冲突，须回避，不能作出决定")
    other = ws.db.execute(
        "SELECT stage FROM decisions WHERE application_id = :id AND reviewer = :reviewer AND stage != :stage "
        "ORDER BY decided_at LIMIT 1", {"id": given.application_id, "reviewer": given.reviewer, "stage": given.stage}
    ).fetchone()
    if other is not None:
        raise DecisionRefused(f"{given.stage}须由{other[0]}以外的人员作出：{given.reviewer} 已作出本件{other[0]}"
                              "（同一申报的每个审核阶段须由不同人员作出）")
    outcomes = current_outcomes(ws, given.application_id)
    later = [name for name in later_stages(given.stage) if name in outcomes]
    if later:
        raise DecisionRefused(f"{given.application_id} 已{later[0]}，不能再修改{given.stage}")
    if not stage_is_open(given.stage, outcomes):
        if given.stage == SECOND and FIRST not in outcomes:
            raise DecisionRefused(f"{given.application_id} 尚无初审决定，不能复核")
        if given.stage == SECOND:
            raise DecisionRefused(f"{given.application_id} 的初审结论为{outcomes[FIRST]}，不能复核")
        raise DecisionRefused(f"{given.application_id}：{why_closed(given.stage, outcomes)}")
    for before, _ in stage.opens_after:
        earlier = current_decision(ws, given.application_id, before)
        if earlier is not None and earlier.outcome in FINAL_OUTCOMES and is_stale(ws, earlier):
            raise DecisionRefused(f"{given.application_id} 的{before}决定作出后评估已变化（已过时），须先重新作出{before}")

    amount = given.amount_yuan
    if amount is not None:
        if amount < 0 or amount != amount.quantize(FEN):
            raise DecisionRefused(f"核定金额 {amount} 元须为不小于0、精确到分的金额")
        amount = amount.quantize(FEN)
    if given.outcome == REJECT:
        amount = Decimal("0.00")
    elif given.outcome not in WITH_AMOUNT:
        amount = None
    elif amount is None:
        raise DecisionRefused(f"结论为{given.outcome}时须填写核定金额")
    if amount is not None and amount > (cap or Decimal(0)) and not given.override_reason.strip():
        shown = "无（本事项不核定金额）" if cap is None else f"{cap / 10000:,.2f} 万元"
        raise DecisionRefused(f"核定金额 {amount / 10000:,.2f} 万元超过上限 {shown}，须填写超限理由")
    return amount


def decide(ws: Workspace, given: DecisionInput, passphrase: str) -> Decision:
    """Unlock the reviewer's key with ``passphrase``, then :func:`decide_with_key`.

    The rules are checked before the key is touched. Raises
    :class:`DecisionRefused`, ``ReviewerError`` or ``WrongPassphrase``; nothing
    is signed or written then (a wrong passphrase is audited).
    """
    _check(ws, given, cap_record(ws, given.application_id).cap)
    return decide_with_key(ws, given, unlock(ws, given.reviewer, passphrase))


def decide_with_key(ws: Workspace, given: DecisionInput, key: ec.EllipticCurvePrivateKey) -> Decision:
    """Check, sign with an unlocked ``key`` and record a decision with its audit entry, in one transaction.

    The transaction takes the write lock first (``BEGIN IMMEDIATE``), so every
    check below still holds when it commits, whatever another process does
    meanwhile. The GUI unlocks a reviewer's key once per sitting and calls this
    for each save.
    """
    certificate_key = get_reviewer(ws, given.reviewer).certificate.public_key()
    if key.public_key().public_numbers() != certificate_key.public_numbers():  # type: ignore[union-attr]  # both EC
        raise DecisionRefused(f"签名密钥与 {given.reviewer} 的证书不符，未签名任何内容")
    with ws.db.atomic():
        stored = _application(ws, given.application_id)
        assessed = cap_record(ws, given.application_id)
        cap = assessed.cap
        amount = _check(ws, given, cap)
        previous = current_decision(ws, given.application_id, given.stage)
        decision_uuid = str(uuid.uuid4())
        decided_at = audit.now_text()
        record = {
            "alg": ALGORITHM,
            "application": application_snapshot(stored.application),
            "evidence": evidence_links(ws, given.application_id).get(given.application_id, []),
            "cap_record": assessed.signed_fields(),
            "policy": {"version": assessed.policy_version, "hash": assessed.policy_hash},
            "decision": {
                "uuid": decision_uuid, "application_id": given.application_id, "stage": given.stage,
                "outcome": given.outcome, "amount_yuan": money_text(amount), "opinion": given.opinion,
                "note_sha256": hashlib.sha256(given.note.encode("utf-8")).hexdigest(),
                "override_reason": given.override_reason.strip(), "reviewer": given.reviewer,
                "decided_at": decided_at, "supersedes": previous.uuid if previous else None,
                **signed_fields(given.outcome, given.missing_items, given.deadline),
            },
        }
        signature = sign_record(key, record)
        if previous:
            supersede(ws.db, [previous.uuid])
        insert_decision(ws.db, DecisionRow(
            uuid=decision_uuid, application_id=given.application_id, stage=given.stage, outcome=given.outcome,
            amount_yuan=amount, opinion=given.opinion, note=given.note, override_reason=given.override_reason.strip(),
            reviewer=given.reviewer, policy_version=assessed.policy_version, policy_hash=assessed.policy_hash,
            cap_record_hash=assessed.record_hash, cap_yuan=cap, decided_at=decided_at,
            supersedes=previous.uuid if previous else None, current=True,
            record=canonical_bytes(record).decode("utf-8"), signature=base64.b64encode(signature).decode("ascii")))
        audit.append(ws.db, given.reviewer, f"{given.stage}决定", given.application_id, {
            "uuid": decision_uuid, "outcome": given.outcome, "amount_yuan": money_text(amount),
            "supersedes": previous.uuid if previous else None,
        })
        if amount is not None and amount > (cap or Decimal(0)):
            audit.append(ws.db, given.reviewer, "超上限核定", given.application_id, {
                "uuid": decision_uuid, "cap_yuan": assessed.cap_yuan, "amount_yuan": money_text(amount),
                "reason": given.override_reason.strip(),
            })
        reassessed: list[str] = []
        if given.stage in FINAL_STAGES:
            from models.review.reassess import reassess_enterprise

            reassessed = reassess_enterprise(ws, stored.application.uscc, given.reviewer,
                                             f"{given.application_id} 的{given.stage}决定改变了该企业的最终核定结果")
    return Decision(decision_uuid, given.application_id, given.stage, given.outcome, amount, given.opinion,
                    given.reviewer, decided_at, cap, given.override_reason.strip(), record, signature,
                    Changes((given.application_id, *reassessed)))
