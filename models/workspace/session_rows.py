"""The ``sessions`` and ``session_applications`` tables: one record type, :class:`SessionRow`, and the one place
that reads and writes them.

A bureau workspace records each 会评 package it exported (``out``) and the applications in it until their
results are merged; a session workspace records the package it was opened from (``in``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from models.workspace.database import INSERTION_ORDER, insert_in_order_sql, insert_sql

if TYPE_CHECKING:
    from models.workspace.database import Database

OUT, IN = "out", "in"


@dataclass(frozen=True, slots=True)
class SessionRow:
    session_id: str
    direction: str  # OUT or IN
    file_name: str
    created_at: str
    details: dict[str, Any]


COLUMNS = tuple(f.name for f in fields(SessionRow))
_OUT_AND_NOT_MERGED = ("merged_at IS NULL AND session_id IN "
                       f"(SELECT session_id FROM sessions WHERE direction = '{OUT}')")


def exported(db: Database, session_id: str) -> SessionRow | None:
    """The session this workspace exported under ``session_id``, if any."""
    row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM sessions WHERE session_id = :id AND direction = :direction",
                     {"id": session_id, "direction": OUT}).fetchone()
    if row is None:
        return None
    session_id, direction, file_name, created_at, details = row
    return SessionRow(session_id, direction, file_name, created_at, json.loads(details))


def insert_session(db: Database, row: SessionRow, application_ids: Iterable[str] = ()) -> None:
    """Record a session, with the applications it took out (an exported one)."""
    db.execute(insert_sql("sessions", COLUMNS),
               {"session_id": row.session_id, "direction": row.direction, "file_name": row.file_name,
                "created_at": row.created_at, "details": json.dumps(row.details, ensure_ascii=False)})
    db.executemany(insert_in_order_sql("session_applications", ("session_id", "application_id")),
                   [{"session_id": row.session_id, "application_id": application_id}
                    for application_id in application_ids])


def session_of(db: Database, application_id: str) -> str | None:
    """The exported session the application is out in, until its results are merged."""
    row = db.execute(f"SELECT session_id FROM session_applications WHERE application_id = :id AND {_OUT_AND_NOT_MERGED}",
                     {"id": application_id}).fetchone()
    return None if row is None else str(row[0])


def applications_out(db: Database) -> dict[str, str]:
    """Application → the exported session it is out in, for every application not merged back yet."""
    return {str(a): str(s) for a, s in db.execute(
        f"SELECT application_id, session_id FROM session_applications WHERE {_OUT_AND_NOT_MERGED}")}


def applications_in(db: Database, session_id: str) -> list[str]:
    """The applications the session took out, merged or not."""
    return [str(a) for (a,) in db.execute(
        f"SELECT application_id FROM session_applications WHERE session_id = :id ORDER BY {INSERTION_ORDER}", {"id": session_id})]


def mark_merged(db: Database, session_id: str, at: str) -> None:
    """The session's results are merged: its applications are back."""
    db.execute("UPDATE session_applications SET merged_at = :at WHERE session_id = :id AND merged_at IS NULL",
               {"at": at, "id": session_id})
