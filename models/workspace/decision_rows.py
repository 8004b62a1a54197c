"""The ``decisions`` table: one record type, :class:`DecisionRow`, and the one place that reads and writes it.

What makes a decision current is said once, :data:`CURRENT` (:func:`current_in` under an alias): the flag is
set and no other decision supersedes it. Read-only joins (the queue, history, statistics) use that definition;
a row whose flag was set back by hand while a newer decision supersedes it never counts as current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from models.workspace.database import INSERTION_ORDER, insert_in_order_sql
from models.workspace.records import money_text, money_value

if TYPE_CHECKING:
    from models.workspace.database import Database

COLUMNS = ("uuid", "application_id", "stage", "outcome", "amount_yuan", "opinion", "note", "override_reason",
           "reviewer", "policy_version", "policy_hash", "cap_record_hash", "cap_yuan", "decided_at", "supersedes",
           "current", "record", "signature")


def flag_set(alias: str) -> str:
    """SQL for the bare ``current`` flag of ``alias``: only for checks that compare the flag with :data:`CURRENT`."""
    return f"{alias}.current = 1"


def current_in(alias: str) -> str:
    """SQL that holds for a current decision ``alias``: its flag set, and no other decision superseding it."""
    return (f"{flag_set(alias)} AND NOT EXISTS "
            f"(SELECT 1 FROM decisions superseding WHERE superseding.supersedes = {alias}.uuid)")


CURRENT = current_in("decisions")
"""``current`` is a flag the supersessions imply; a row another decision supersedes never counts as current."""

_SELECT = ("SELECT " + ", ".join(f"({CURRENT}) AS current" if name == "current" else name for name in COLUMNS)
           + " FROM decisions")


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One decision as stored: money as Decimal 元, ``record`` the signed canonical JSON, ``signature`` base64.

    ``current`` is :data:`CURRENT` as read, not the bare flag.
    """

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

    def fields(self) -> dict[str, Any]:
        """The record as plain values (money as 元 text, ``current`` 0/1): what a 会评 package carries."""
        values = {name: getattr(self, name) for name in COLUMNS}
        return values | {"amount_yuan": money_text(self.amount_yuan), "cap_yuan": money_text(self.cap_yuan),
                         "current": int(self.current)}


def decision_from_row(row: Mapping[str, Any]) -> DecisionRow:
    """A decision from a row of the table or from :meth:`DecisionRow.fields`; KeyError if a field is missing."""
    values = {name: row[name] for name in COLUMNS}
    values |= {"amount_yuan": money_value(row["amount_yuan"]), "cap_yuan": money_value(row["cap_yuan"]),
               "current": bool(row["current"])}
    return DecisionRow(**values)


_NEWEST_FIRST = f"ORDER BY decided_at DESC, {INSERTION_ORDER} DESC"
_OLDEST_FIRST = f"ORDER BY decided_at, {INSERTION_ORDER}"


def decisions_of(db: Database, application_id: str) -> tuple[DecisionRow, ...]:
    """Every decision on the application, newest first, superseded ones included.

    ``decided_at`` is to the second; within one second the later insert is the newer decision.
    """
    return tuple(decision_from_row(row) for row in db.query(
        f"{_SELECT} WHERE application_id = :id {_NEWEST_FIRST}", {"id": application_id}))


def all_decisions(db: Database, application_ids: Iterable[str] | None = None) -> list[DecisionRow]:
    """Every decision of the workspace (or of ``application_ids``), oldest first."""
    if application_ids is None:
        return [decision_from_row(row) for row in db.query(f"{_SELECT} {_OLDEST_FIRST}")]
    return [d for application_id in dict.fromkeys(application_ids)
            for d in reversed(decisions_of(db, application_id))]


def stored_decisions(db: Database, application_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The rows as stored, unparsed and with the bare ``current`` flag, oldest first: what verification and a 会评
    merge compare with the signed records (parsing the money would hide a changed spelling, and fail on a value
    that is no number)."""
    select = f"SELECT {', '.join(COLUMNS)} FROM decisions"
    if application_ids is None:
        return list(db.query(f"{select} {_OLDEST_FIRST}"))
    return [row for application_id in dict.fromkeys(application_ids)
            for row in db.query(f"{select} WHERE application_id = :id {_OLDEST_FIRST}",
                                {"id": application_id})]


def decision(db: Database, decision_uuid: str) -> DecisionRow | None:
    row = next(db.query(f"{_SELECT} WHERE uuid = :uuid", {"uuid": decision_uuid}), None)
    return None if row is None else decision_from_row(row)


def current_decision(db: Database, application_id: str, stage: str) -> DecisionRow | None:
    """The application's current decision at ``stage``, if any."""
    row = next(db.query(f"{_SELECT} WHERE application_id = :id AND stage = :stage AND {CURRENT} {_NEWEST_FIRST}",
                        {"id": application_id, "stage": stage}), None)
    return None if row is None else decision_from_row(row)


def current_decisions(db: Database, application_id: str) -> list[DecisionRow]:
    """The application's current decisions, oldest first (one per stage)."""
    return [decision_from_row(row) for row in db.query(
        f"{_SELECT} WHERE application_id = :id AND {CURRENT} {_OLDEST_FIRST}", {"id": application_id})]


def insert_decision(db: Database, row: DecisionRow) -> None:
    """Store a decision (a reviewer's, or one merged from a 会评); the caller appends its audit event."""
    values = row.fields()
    db.execute(insert_in_order_sql("decisions", COLUMNS), {name: values[name] for name in COLUMNS})


def supersede(db: Database, uuids: Iterable[str]) -> None:
    """Clear the current flag of these decisions (a newer one replaces them, or the application goes back)."""
    db.executemany("UPDATE decisions SET current = 0 WHERE uuid = :uuid", [{"uuid": u} for u in uuids])
