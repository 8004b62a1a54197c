"""The ``conflicts`` table: one record type, :class:`ConflictRow`, and the one place that reads and writes it.

Each row is a reviewer's signed declaration on one application (a conflict, or none). Checks of a signature read
:func:`stored_declarations`, the rows exactly as stored; everything else reads :class:`ConflictRow`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.workspace.database import INSERTION_ORDER, in_list, insert_in_order_sql

if TYPE_CHECKING:
    from models.workspace.database import Database

COLUMNS = ("application_id", "reviewer", "has_conflict", "reason", "declared_at", "record", "signature")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM conflicts"


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """A declaration as stored: ``record`` the signed canonical JSON, ``signature`` base64 (both empty for a
    declaration made before declarations were signed)."""

    application_id: str
    reviewer: str
    has_conflict: bool
    reason: str
    declared_at: str
    record: str
    signature: str

    def fields(self) -> dict[str, Any]:
        """The record as plain values (``has_conflict`` 0/1): what a 会评 package carries."""
        return {name: getattr(self, name) for name in COLUMNS} | {"has_conflict": int(self.has_conflict)}


def conflict_from_row(row: Mapping[str, Any]) -> ConflictRow:
    """A declaration from a row of the table or from :meth:`ConflictRow.fields`; KeyError if a field is missing."""
    values = {name: row[name] for name in COLUMNS}
    return ConflictRow(**values | {"has_conflict": bool(row["has_conflict"])})


def stored_declarations(db: Database, application_id: str | None = None) -> list[dict[str, Any]]:
    """The rows exactly as stored, by application and reviewer: what a signature check compares."""
    if application_id is None:
        return list(db.query(f"{_SELECT} ORDER BY application_id, reviewer"))
    return list(db.query(f"{_SELECT} WHERE application_id = :id ORDER BY reviewer", {"id": application_id}))


def stored_declaration(db: Database, application_id: str, reviewer: str) -> dict[str, Any] | None:
    return next(db.query(f"{_SELECT} WHERE application_id = :id AND reviewer = :reviewer",
                         {"id": application_id, "reviewer": reviewer}), None)


def declarations_of(db: Database, application_id: str) -> dict[str, ConflictRow]:
    """Reviewer → their declaration on the application."""
    return {row["reviewer"]: conflict_from_row(row) for row in stored_declarations(db, application_id)}


def declaration(db: Database, application_id: str, reviewer: str) -> ConflictRow | None:
    row = stored_declaration(db, application_id, reviewer)
    return None if row is None else conflict_from_row(row)


def all_declarations(db: Database, application_ids: list[str] | None = None) -> list[ConflictRow]:
    """Every declaration (or those on ``application_ids``), in the order they were declared."""
    if application_ids is None:
        return [conflict_from_row(row) for row in db.query(f"{_SELECT} ORDER BY declared_at, {INSERTION_ORDER}")]
    return sorted((row for application_id in dict.fromkeys(application_ids)
                   for row in declarations_of(db, application_id).values()), key=lambda r: r.declared_at)


def recusals(db: Database, application_ids: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(reviewer, application) of every declared conflict (on ``application_ids``): where each must not decide."""
    query = "SELECT reviewer, application_id FROM conflicts WHERE has_conflict = 1"
    if application_ids is None:
        return [(str(r), str(a)) for r, a in db.execute(query)]
    found = []
    for start in range(0, len(application_ids), 500):  # SQLite's limit on bound variables
        chunk = list(application_ids[start:start + 500])
        marks, params = in_list("id", chunk)
        found += [(str(r), str(a)) for r, a in db.execute(f"{query} AND application_id IN {marks}", params)]
    return found


def put_declaration(db: Database, row: ConflictRow) -> None:
    """Store a reviewer's declaration, replacing their earlier one on the application."""
    values = row.fields()
    db.execute(insert_in_order_sql("conflicts", COLUMNS) + " ON CONFLICT(application_id, reviewer) DO UPDATE SET "
               + ", ".join(f"{name} = excluded.{name}" for name in COLUMNS[2:]), values)


def remove_declaration(db: Database, application_id: str, reviewer: str) -> None:
    """A withdrawn declaration: the reviewer has not declared any more."""
    db.execute("DELETE FROM conflicts WHERE application_id = :id AND reviewer = :reviewer",
               {"id": application_id, "reviewer": reviewer})
