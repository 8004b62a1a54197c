"""Whether a signed record still stands: the signer's certificate at the time, re-keys and revocations."""

from __future__ import annotations

from typing import Any

from cryptography import x509

from models.signing.reviewers import certificates_of, standing_at
from models.workspace.verification import verify_decision_row
from models.workspace.workspace import Workspace


class IssuedTo:
    """Every certificate ever issued to each signer, read once per signer."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._issued: dict[str, list[Any]] = {}

    def __call__(self, name: str) -> list[Any]:
        if name not in self._issued:
            self._issued[name] = certificates_of(self._ws, name)
        return self._issued[name]


def decision_standing(ws: Workspace, row: dict[str, Any], ca: x509.Certificate | None,
                      issued_to: IssuedTo | None = None, issuers: Any = None) -> tuple[str | None, str]:
    """(why the decision's signature does not stand, or None; a note when it stands despite a later revocation).

    Tries each certificate ever issued to the signer, so a re-key leaves older
    decisions verifiable; the one that verifies must not have been revoked or
    retired before the signing time.
    """
    issued = (issued_to or IssuedTo(ws))(row["reviewer"])
    problem = verify_decision_row(row, {}, ca, issuers) if not issued else None
    for candidate in issued:
        problem = verify_decision_row(row, {row["reviewer"]: candidate.certificate}, ca, issuers)
        if problem is None:
            stands, sentence = standing_at(candidate, row["decided_at"])
            where = f"决定 {row['uuid']}（{row['application_id']} {row['stage']}）"
            return (None, f"{where}：{sentence}" if sentence else "") if stands else (f"{where}：{sentence}", "")
    return problem, ""


def conflict_problems(ws: Workspace) -> list[str]:
    """Every conflicts row that is not what its declarer signed (with any certificate ever issued to them)."""
    from models.review.conflicts import conflict_problem

    problems = []
    issued_to = IssuedTo(ws)
    signed_since = _people_migration_applied(ws)
    for row in ws.db.query("SELECT * FROM conflicts ORDER BY application_id, reviewer"):
        if not row.get("signature") and signed_since and str(row["declared_at"]) < signed_since:
            continue  # declared before this version signed declarations; the replayed log vouches for the row
        issued = issued_to(row["reviewer"])
        found = [conflict_problem(row, c.certificate) for c in issued] or [conflict_problem(row, None)]
        if all(found):
            problems.append(found[0] or "")
    return problems


def _people_migration_applied(ws: Workspace) -> str | None:
    """When declarations began to be signed in this workspace, as local ISO time (None: signed from the start)."""
    from datetime import datetime

    rows = ws.db.execute("SELECT name, applied_at FROM _sqlite_migrations ORDER BY id").fetchall()
    names = [name for name, _ in rows]
    if not names or names[0] == "0004_people" or "0004_people" not in names:
        return None
    applied = dict(rows)["0004_people"]
    if names.index("0004_people") == 0 or rows[0][1][:19] == applied[:19]:
        return None
    return datetime.fromisoformat(applied).astimezone().isoformat(timespec="seconds")
