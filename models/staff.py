"""Who may sign a review, read cheaply (no certificate parsing, no cryptography import) for the GUI's start."""

from __future__ import annotations

from sqlite_utils import Database

from models.review_terms import DECIDING_ROLES

ACTIVE = "在用"


def signing_people(db: Database) -> dict[str, str]:
    """Name → role of the active people who decide, in the order they were added."""
    marks = ",".join("?" * len(DECIDING_ROLES))
    return dict(db.execute(f"SELECT name, role FROM reviewers WHERE status = ? AND role IN ({marks}) "
                           "ORDER BY created_at", [ACTIVE, *DECIDING_ROLES]).fetchall())
