"""Everything about one application that the review view and the sheet show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from policy.application import Application
from policy.catalog import AwardItem, load_policy

from models.review.terms import FIRST, SECOND
from models.workspace.evidence import EvidenceStore, Integrity
from models.failures import ReviewDeskError
from models.workspace.filetypes import sniff_file
from models.workspace.records import application_from_row, money_value, text_lines
from models.workspace.workspace import Workspace


class CaseNotFound(ReviewDeskError):
    """No application with that 申报编号 in the workspace."""


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    position: int
    name: str
    sha256: str
    size: int
    kind: str  # pdf / image / other

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


@dataclass(frozen=True, slots=True)
class CapRecord:
    status: str
    uncapped_yuan: Decimal | None
    cap_yuan: Decimal | None
    recommended_yuan: Decimal | None
    flags: tuple[str, ...]
    trace: tuple[str, ...]
    policy_version: str
    policy_hash: str
    record_hash: str


@dataclass(frozen=True, slots=True)
class DecisionView:
    uuid: str
    stage: str
    outcome: str
    amount_yuan: Decimal | None
    opinion: str
    note: str
    override_reason: str
    reviewer: str
    decided_at: str
    current: bool
    cap_yuan: Decimal | None
    record: str
    signature: str


@dataclass(frozen=True, slots=True)
class Case:
    application: Application
    item: AwardItem
    cap: CapRecord
    evidence: tuple[EvidenceFile, ...]
    decisions: tuple[DecisionView, ...]  # newest first, superseded ones included
    conflicts: dict[str, tuple[bool, str]]  # reviewer → (has conflict, reason)
    demo: bool

    def current(self, stage: str) -> DecisionView | None:
        return next((d for d in self.decisions if d.stage == stage and d.current), None)

    @property
    def current_outcomes(self) -> dict[str, str]:
        """Each stage's current outcome."""
        return {d.stage: d.outcome for d in self.decisions if d.current}

    @property
    def deciders(self) -> dict[str, str]:
        """Who made each stage's current decision."""
        return {d.stage: d.reviewer for d in self.decisions if d.current}

    @property
    def first(self) -> DecisionView | None:
        return self.current(FIRST)

    @property
    def second(self) -> DecisionView | None:
        return self.current(SECOND)


def load_case(ws: Workspace, application_id: str) -> Case:
    """Raises :class:`CaseNotFound`."""
    rows = list(ws.db.query("SELECT * FROM applications WHERE application_id = ?", [application_id]))
    if not rows:
        raise CaseNotFound(f"工作区中没有申报编号 {application_id}")
    app = application_from_row(rows[0])
    cap_row = next(ws.db.query("SELECT * FROM assessments WHERE application_id = ?", [application_id]), None)
    cap = _cap(cap_row)
    store = EvidenceStore(ws.evidence_dir)
    evidence = tuple(
        EvidenceFile(position, name, sha256, size, _content_kind(store, sha256, kind))
        for position, name, sha256, size, kind in ws.db.execute(
            "SELECT ae.position, ae.name, ae.sha256, e.size, e.kind FROM application_evidence ae "
            "JOIN evidence e USING (sha256) WHERE ae.application_id = ? ORDER BY ae.position", [application_id])
    )
    decisions = tuple(_decision(row) for row in ws.db.query(
        "SELECT * FROM decisions WHERE application_id = ? ORDER BY decided_at DESC", [application_id]))
    conflicts = {reviewer: (bool(flag), reason) for reviewer, flag, reason in ws.db.execute(
        "SELECT reviewer, has_conflict, reason FROM conflicts WHERE application_id = ?", [application_id])}
    return Case(app, load_policy().items[app.item_id], cap, evidence, decisions, conflicts, bool(rows[0]["demo"]))


def _content_kind(store: EvidenceStore, sha256: str, recorded: str) -> str:
    """The kind the stored bytes say they are; what was recorded at import if the file is missing."""
    path = store.path_of(sha256)
    return sniff_file(path).kind if path.is_file() else recorded


def verify_evidence(ws: Workspace, file: EvidenceFile) -> Integrity:
    """Re-hash the stored file: every open says whether it was altered."""
    return EvidenceStore(ws.evidence_dir).verify(file.sha256)


def _cap(row: dict[str, Any] | None) -> CapRecord:
    if row is None:
        return CapRecord("", None, None, None, (), (), "", "", "")
    return CapRecord(
        row["status"], money_value(row["uncapped_yuan"]), money_value(row["cap_yuan"]),
        money_value(row["recommended_yuan"]), tuple(text_lines(row["flags"])), tuple(text_lines(row["trace"])),
        row["policy_version"], row["policy_hash"], row["record_hash"],
    )


def _decision(row: dict[str, Any]) -> DecisionView:
    return DecisionView(
        row["uuid"], row["stage"], row["outcome"], money_value(row["amount_yuan"]), row["opinion"], row["note"],
        row["override_reason"], row["reviewer"], row["decided_at"], bool(row["current"]),
        money_value(row["cap_yuan"]), row["record"], row["signature"],
    )


def clause_of(ws: Workspace, application_id: str) -> str:
    """The id of the clause the application is assessed under, in the policy version it was assessed under."""
    from policy.catalog import load_policy

    row = ws.db.execute("SELECT a.item_id, s.policy_version FROM applications a LEFT JOIN assessments s "
                        "ON s.application_id = a.application_id WHERE a.application_id = ?", [application_id]).fetchone()
    if row is None:
        raise ReviewDeskError(f"工作区中没有申报编号 {application_id}")
    policy = load_policy(row[1]) if row[1] else load_policy()
    return policy.items[row[0]].clause.id
