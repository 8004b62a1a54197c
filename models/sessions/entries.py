"""What a 会评 package carries of each application: the record types' fields, not the tables' rows.

Format 2 (``reviewdesk-session/2``) carries the application's own fields with its stored version and file order
beside them, the assessment, the attachments, the decisions and the declarations, each as its record type
gives it; a new column in a table changes nothing here until a record type changes. Format 1 carried the
``applications`` row whole (its ``import_id`` too, which means nothing on a laptop); both read back into the
same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.workspace.conflict_rows import ConflictRow, conflict_from_row, declarations_of
from models.workspace.decision_rows import DecisionRow, all_decisions, decision_from_row
from models.workspace.evidence_rows import EvidenceLink, link_from_fields, links_of
from models.workspace.records import (APPLICATION_COLUMNS, ASSESSMENT_COLUMNS, StoredApplication, StoredAssessment,
                                      application, application_from_row, application_values, assessment,
                                      assessment_from_row, assessment_values)
from models.sessions.package import SESSION_FORMAT_1, PackageRefused

if TYPE_CHECKING:
    from models.workspace.database import Database

@dataclass(frozen=True, slots=True)
class PackageEntry:
    application: StoredApplication
    assessment: StoredAssessment
    evidence: tuple[EvidenceLink, ...]
    decisions: tuple[DecisionRow, ...]  # oldest first
    conflicts: tuple[ConflictRow, ...]

    def fields(self) -> dict[str, Any]:
        """The entry in format 2."""
        stored = self.application
        return {
            "application": dict(zip(APPLICATION_COLUMNS, application_values(stored.application))),
            "stored": {"version": stored.version, "demo": int(stored.demo), "seq": stored.seq},
            "assessment": dict(zip(ASSESSMENT_COLUMNS, assessment_values(self.assessment))),
            "evidence": [link.fields() for link in self.evidence],
            "decisions": [decision.fields() for decision in self.decisions],
            "conflicts": [declaration.fields() for declaration in self.conflicts],
        }


def entry_of(db: Database, application_id: str) -> PackageEntry | None:
    """Everything the package carries of the application; None when it is missing or not assessed yet."""
    stored, assessed = application(db, application_id), assessment(db, application_id)
    if stored is None or assessed is None:
        return None
    return PackageEntry(stored, assessed, tuple(links_of(db, application_id)),
                        tuple(all_decisions(db, [application_id])),
                        tuple(declarations_of(db, application_id).values()))


def entry_from_fields(fields: dict[str, Any], package_format: str, name: str) -> PackageEntry:
    """An entry of a package in either format; its application's ``import_id`` is None until the session
    workspace records the package as its import.

    Raises :class:`PackageRefused` naming the package ``name`` when a field is missing or unreadable.
    """
    try:
        app = fields["application"]
        stored = app if package_format == SESSION_FORMAT_1 else fields["stored"]
        return PackageEntry(
            StoredApplication(application_from_row(app), None, int(stored["version"]), bool(stored["demo"]),
                              int(stored["seq"])),
            assessment_from_row(fields["assessment"]),
            tuple(link_from_fields(link) for link in fields["evidence"]),
            tuple(decision_from_row(row) for row in fields.get("decisions", [])),
            tuple(conflict_from_row(row) for row in fields.get("conflicts", [])))
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as error:
        raise PackageRefused(f"{name} 中的申报记录不完整或无法读取（{type(error).__name__}: {error}），未打开") from None
