"""What a sheet shows, as plain picklable data, and the record its code and signature pin.

The parent process builds these from the workspace; render and sign workers
never open it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from policy.assessment import STATUS_LABELS

from models.review.casefile import Case, DecisionView
from models.review.terms import FIRST, LEAD, SECOND
from models.workspace.records import application_snapshot, money_text
from models.signing.signatures import ALGORITHM, canonical_bytes
from sheets.codes import legacy_verification_code, verification_code

SHEET_FORMAT = "reviewdesk-sheet/2"
LEGACY_SHEET_FORMAT = "reviewdesk-sheet/1"  # 16-symbol codes, no application hash
SHEET_FORMATS = (SHEET_FORMAT, LEGACY_SHEET_FORMAT)
SHEET_RECORD_FILE = "sheet.json"
STAGE_FILES = {FIRST: "decision-1-first.json", SECOND: "decision-2-second.json", LEAD: "decision-3-lead.json"}


@dataclass(frozen=True, slots=True)
class DecisionBlock:
    """A current decision as printed, with what its reviewer signed."""

    stage: str
    uuid: str
    outcome: str
    amount_yuan: Decimal | None
    opinion: str
    override_reason: str
    reviewer: str
    decided_at: str
    record: str  # the canonical JSON text the reviewer signed
    signature: str  # base64 DER ECDSA
    certificate_pem: str


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    name: str
    short_hash: str
    size: int
    kind: str


@dataclass(frozen=True, slots=True)
class SheetContent:
    application_id: str
    enterprise: str
    uscc: str
    county: str
    industry: str
    application_year: int | None
    requested_yuan: Decimal | None
    item_id: str
    item_name: str
    measure_title: str
    document_number: str
    clause_ref: str
    clause_text: str
    units: tuple[str, ...]
    sentence: str
    policy_version: str
    policy_hash: str
    status_label: str
    cap_yuan: Decimal | None
    recommended_yuan: Decimal | None
    cap_record_hash: str
    trace: tuple[str, ...]
    flags: tuple[str, ...]
    evidence: tuple[EvidenceLine, ...]
    first: DecisionBlock | None
    second: DecisionBlock | None
    demo: bool
    application_sha256: str = ""  # of the application as imported, to tell a later re-import
    lead: DecisionBlock | None = None  # the 负责人's decision, when the case was sent up

    @property
    def decisions(self) -> tuple[DecisionBlock, ...]:
        """Every stage's current decision, in the stage table's order."""
        return tuple(block for block in (self.first, self.second, self.lead) if block is not None)


PREVIEW_MARK = "预览"
"""What a print preview shows where the number, the code and the audit head would be: a preview issues none."""


@dataclass(frozen=True, slots=True)
class SheetIssue:
    """The export that makes a sheet: its number, code, signer and the audit entry recording it."""

    serial: str
    code: str
    audit_head: str
    exported_at: str
    signer: str
    signer_role: str
    signer_organization: str = ""  # the O of the signer's certificate, shown on the stamp

    @property
    def preview(self) -> bool:
        """A print preview's stand-in: nothing numbered, registered or signed."""
        return self.serial == PREVIEW_MARK


def preview_issue(signer: str, signer_role: str, signer_organization: str, at: str) -> SheetIssue:
    """The stand-in issue a print preview is rendered with: 预览 in place of the number, code and audit head."""
    return SheetIssue(PREVIEW_MARK, PREVIEW_MARK, PREVIEW_MARK, at, signer, signer_role, signer_organization)


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    data: bytes
    description: str


def _block(view: DecisionView | None, certificates: Mapping[str, str]) -> DecisionBlock | None:
    if view is None:
        return None
    return DecisionBlock(view.stage, view.uuid, view.outcome, view.amount_yuan, view.opinion,
                         view.override_reason, view.reviewer, view.decided_at, view.record, view.signature,
                         certificates.get(view.reviewer, ""))


def content_from_case(case: Case, certificates: Mapping[str, str] | None = None, *,
                      demo: bool | None = None) -> SheetContent:
    """``certificates``: reviewer name → certificate PEM, for the decisions' embedded proofs."""
    certificates = certificates or {}
    app, item, cap = case.application, case.item, case.cap
    policy = case.policy  # the version the application was assessed under, as its item and clause
    return SheetContent(
        application_id=app.application_id, enterprise=app.enterprise, uscc=app.uscc, county=app.county,
        industry=app.industry, application_year=app.application_year, requested_yuan=app.requested_yuan,
        item_id=item.id, item_name=item.name,
        measure_title=policy.measure_titles.get(item.measure, item.measure),
        document_number=policy.document_number, clause_ref=item.clause.ref, clause_text=item.clause.text,
        units=tuple(item.clause.units), sentence=item.sentence, policy_version=cap.policy_version,
        policy_hash=cap.policy_hash, status_label=STATUS_LABELS.get(cap.status, cap.status or "未评估"),
        cap_yuan=cap.cap_yuan, recommended_yuan=cap.recommended_yuan, cap_record_hash=cap.record_hash,
        trace=tuple(cap.trace), flags=tuple(cap.flags),
        evidence=tuple(EvidenceLine(f.name, f.short_hash, f.size, f.kind) for f in case.evidence),
        first=_block(case.first, certificates), second=_block(case.second, certificates),
        demo=case.demo if demo is None else demo or case.demo,
        application_sha256=hashlib.sha256(canonical_bytes(application_snapshot(app))).hexdigest(),
        lead=_block(case.current(LEAD), certificates),
    )


def printed_fields(content: SheetContent, issue: SheetIssue | None = None) -> list[tuple[str, str]]:
    """(field, text) of everything free-form the sheet prints, to check that every character has a font."""
    fields = [("企业名称", content.enterprise), ("统一社会信用代码", content.uscc), ("所属县区", content.county),
              ("产业", content.industry), ("申报事项", content.item_name), ("条款原文", content.clause_text),
              ("责任单位", "、".join(content.units))]
    fields += [("测算过程", line) for line in content.trace] + [("需人工判断", line) for line in content.flags]
    fields += [("附件文件名", f.name) for f in content.evidence]
    for block in content.decisions:
        fields += [(f"{block.stage}审核人", block.reviewer), (f"{block.stage}审核意见", block.opinion),
                   (f"{block.stage}超上限理由", block.override_reason)]
    if issue is not None:
        fields += [("导出人", issue.signer), ("导出人单位", issue.signer_organization)]
    return fields


def sheet_record(content: SheetContent, *, serial: str, audit_head: str, exported_at: str,
                 signer: str) -> dict[str, Any]:
    """What the verification code is derived from; embedded in the PDF as ``sheet.json``."""
    return {
        "format": SHEET_FORMAT,
        "alg": ALGORITHM,  # of the PAdES signature over the sheet and of the decisions it carries
        "serial": serial,
        "application_id": content.application_id,
        "enterprise": content.enterprise,
        "uscc": content.uscc,
        "application_sha256": content.application_sha256,
        "item_id": content.item_id,
        "item_name": content.item_name,
        "clause": content.clause_ref,
        "policy_version": content.policy_version,
        "policy_hash": content.policy_hash,
        "cap_record_hash": content.cap_record_hash,
        "decisions": [
            {"stage": block.stage, "uuid": block.uuid, "outcome": block.outcome,
             "amount_yuan": money_text(block.amount_yuan), "reviewer": block.reviewer,
             "decided_at": block.decided_at, "signature": block.signature}
            for block in content.decisions
        ],
        "audit_head": audit_head,
        "exported_at": exported_at,
        "signer": signer,
        "demo": content.demo,
    }


def code_for(record: Mapping[str, Any]) -> str:
    """The verification code of a sheet record of either format."""
    if record.get("format") == LEGACY_SHEET_FORMAT:
        return legacy_verification_code(record)
    return verification_code(record)


def issue_for(content: SheetContent, *, serial: str, audit_head: str, exported_at: str, signer: str,
              signer_role: str, signer_organization: str = "") -> SheetIssue:
    record = sheet_record(content, serial=serial, audit_head=audit_head, exported_at=exported_at, signer=signer)
    return SheetIssue(serial, verification_code(record), audit_head, exported_at, signer, signer_role,
                      signer_organization)


def attachments(content: SheetContent, issue: SheetIssue) -> list[Attachment]:
    """The sheet record and each decision's signed record, signature and certificate."""
    record = sheet_record(content, serial=issue.serial, audit_head=issue.audit_head,
                          exported_at=issue.exported_at, signer=issue.signer)
    files = [Attachment(SHEET_RECORD_FILE, canonical_bytes(record), f"审核表记录（校验码 {issue.code}）")]
    for block in content.decisions:
        proof = {"stage": block.stage, "record": block.record, "signature": block.signature,
                 "certificate": block.certificate_pem}
        files.append(Attachment(STAGE_FILES[block.stage],
                                json.dumps(proof, ensure_ascii=False, indent=1).encode("utf-8"),
                                f"{block.stage}决定的签名记录（{block.reviewer}）"))
    return files
