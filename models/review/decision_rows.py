"""The ``decisions`` table read back: one record type, :class:`DecisionRow`, and the queries that give it.

Written only by ``models.review.decisions`` (a reviewer's signed decision) and
the 会评 merge; read here by everything that shows or checks a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from models.workspace.database import Database

from models.workspace.records import money_value

COLUMNS = ("uuid", "application_id", "stage", "outcome", "amount_yuan", "opinion", "note", "override_reason",
           "reviewer", "policy_version", "policy_hash", "cap_record_hash", "cap_yuan", "decided_at", "supersedes",
           "current", "record", "signature")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM decisions"


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One decision as stored: money as Decimal 元, ``record`` the signed canonical JSON, ``signature`` base64."""

    uuid: str
    application_id: str
    stage: str
    outcome: str
    amount_yuan: Decimal | None
    opinion: str
    note: str
    override_reason: str
    reviewer: str
    policy_version: str
    policy_hash: str
    cap_record_hash: str
    cap_yuan: Decimal | None
    decided_at: str
    supersedes: str | None
    current: bool
    record: str
    signature: str


def decision_from_row(row: dict[str, Any]) -> DecisionRow:
    values = {name: row[name] for name in COLUMNS}
    values |= {"amount_yuan": money_value(row["amount_yuan"]), "cap_yuan": money_value(row["cap_yuan"]),
               "current": bool(row["current"])}
    return DecisionRow(**values)


def decisions_of(db: Database, application_id: str) -> tuple[DecisionRow, ...]:
    """Every decision on the application, newest first, superseded ones included.

    ``decided_at`` is to the second; within one second the later insert is the newer decision.
    """
    return tuple(decision_from_row(row) for row in db.query(
        f"{_SELECT} WHERE application_id = ? ORDER BY decided_at DESC, rowid DESC", [application_id]))


CURRENT = "current = 1 AND NOT EXISTS (SELECT 1 FROM decisions newer WHERE newer.supersedes = decisions.uuid)"
"""``current`` is a flag the supersessions imply; a row another decision supersedes never counts as current."""


def current_decision(db: Database, application_id: str, stage: str) -> DecisionRow | None:
    """The application's current decision at ``stage``, if any."""
    row = next(db.query(f"{_SELECT} WHERE application_id = ? AND stage = ? AND {CURRENT} "
                        "ORDER BY decided_at DESC, rowid DESC", [application_id, stage]), None)
    return None if row is None else decision_from_row(row)
