"""Everything about one application that the review view and the sheet show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from policy.application import Application
from policy.catalog import AwardItem, Policy, load_policy

from models.workspace.decision_rows import DecisionRow, decisions_of
from models.review.terms import FIRST, SECOND
from models.workspace.conflict_rows import declarations_of
from models.workspace.evidence_rows import links_of
from models.workspace.evidence import EvidenceStore, Integrity
from models.failures import ReviewDeskError
from models.workspace.filetypes import sniff_file
from models.workspace import records
from models.workspace.records import StoredAssessment, money_value, text_lines
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
    """The review view's reading of a :class:`StoredAssessment`: money as Decimal, lines as tuples."""

    status: str
    uncapped_yuan: Decimal | None
    cap_yuan: Decimal | None
    recommended_yuan: Decimal | None
    flags: tuple[str, ...]
    trace: tuple[str, ...]
    policy_version: str
    policy_hash: str
    record_hash: str

    @classmethod
    def of(cls, stored: StoredAssessment | None) -> CapRecord:
        if stored is None:
            return cls("", None, None, None, (), (), "", "", "")
        return cls(stored.status, money_value(stored.uncapped_yuan), money_value(stored.cap_yuan),
                   money_value(stored.recommended_yuan), tuple(text_lines(stored.flags)),
                   tuple(text_lines(stored.trace)), stored.policy_version, stored.policy_hash, stored.record_hash)


DecisionView = DecisionRow  # the name the review view and the sheet have always used


@dataclass(frozen=True, slots=True)
class Case:
    application: Application
    item: AwardItem
    cap: CapRecord
    evidence: tuple[EvidenceFile, ...]
    decisions: tuple[DecisionView, ...]  # newest first, superseded ones included
    conflicts: dict[str, tuple[bool, str]]  # reviewer → (has conflict, reason)
    demo: bool
    policy: Policy
    """The version it was assessed under: its item, clause and sheet come from here."""
    policy_note: str = ""
    """How that version was set: by the 申报年度, or chosen by a reviewer at import."""

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
    stored = records.application(ws.db, application_id)
    if stored is None:
        raise CaseNotFound(f"工作区中没有申报编号 {application_id}")
    app = stored.application
    cap = CapRecord.of(records.assessment(ws.db, application_id))
    policy = load_policy(stored_version(ws, application_id))
    store = EvidenceStore(ws.evidence_dir)
    evidence = tuple(EvidenceFile(link.position, link.name, link.sha256, link.size,
                                  _content_kind(store, link.sha256, link.kind))
                     for link in links_of(ws.db, application_id))
    decisions = decisions_of(ws.db, application_id)
    conflicts = {reviewer: (row.has_conflict, row.reason)
                 for reviewer, row in declarations_of(ws.db, application_id).items()}
    return Case(app, policy.items[app.item_id], cap, evidence, decisions, conflicts, stored.demo,
                policy, _policy_note(ws, stored.import_id, policy.version))


def stored_version(ws: Workspace, application_id: str) -> str:
    """The policy version the application was assessed under (its import's, before any assessment).

    Raises :class:`CaseNotFound`, and ``ReviewDeskError`` for an application with no recorded version.
    """
    row = ws.db.execute(
        "SELECT s.policy_version, i.policy_version FROM applications a "
        "LEFT JOIN assessments s ON s.application_id = a.application_id "
        "LEFT JOIN imports i ON i.id = a.import_id WHERE a.application_id = :id", {"id": application_id}).fetchone()
    if row is None:
        raise CaseNotFound(f"工作区中没有申报编号 {application_id}")
    version = row[0] or row[1]
    if not version:
        raise ReviewDeskError(f"申报 {application_id} 没有记录评估所依据的政策版本")
    return str(version)


def _policy_note(ws: Workspace, import_id: int | None, version: str) -> str:
    taken = records.import_row(ws.db, import_id)
    if taken is None or not taken.policy_version:
        return f"按政策版本 {version} 评估"
    if taken.policy_version != taken.policy_by_year:
        return (f"按政策版本 {version} 评估：导入 {taken.file_name} 时由 {taken.actor} 指定"
                f"（按申报年度应为 {taken.policy_by_year}），{taken.imported_at[:10]}")
    return f"按政策版本 {version} 评估：依申报年度确定（导入 {taken.file_name}）"


def _content_kind(store: EvidenceStore, sha256: str, recorded: str) -> str:
    """The kind the stored bytes say they are; what was recorded at import if the file is missing."""
    path = store.path_of(sha256)
    return sniff_file(path).kind if path.is_file() else recorded


def verify_evidence(ws: Workspace, file: EvidenceFile) -> Integrity:
    """Re-hash the stored file: every open says whether it was altered."""
    return EvidenceStore(ws.evidence_dir).verify(file.sha256)


def clause_of(ws: Workspace, application_id: str) -> str:
    """The id of the clause the application is assessed under, in the policy version it was assessed under."""
    stored = records.application(ws.db, application_id)
    if stored is None:
        raise CaseNotFound(f"工作区中没有申报编号 {application_id}")
    return load_policy(stored_version(ws, application_id)).items[stored.application.item_id].clause.id
