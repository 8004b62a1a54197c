"""Whether a signed record still stands: the signer's certificate at the time, re-keys and revocations."""

from __future__ import annotations

from typing import Any

from cryptography import x509

from models.reviewers import certificates_of, standing_at
from models.verification import verify_decision_row
from models.workspace import Workspace


def decision_standing(ws: Workspace, row: dict[str, Any], ca: x509.Certificate | None) -> tuple[str | None, str]:
    """(why the decision's signature does not stand, or None; a note when it stands despite a later revocation).

    Tries each certificate ever issued to the signer, so a re-key leaves older
    decisions verifiable; the one that verifies must not have been revoked or
    retired before the signing time.
    """
    issued = certificates_of(ws, row["reviewer"])
    problem = verify_decision_row(row, {}, ca) if not issued else None
    for candidate in issued:
        problem = verify_decision_row(row, {row["reviewer"]: candidate.certificate}, ca)
        if problem is None:
            stands, sentence = standing_at(candidate, row["decided_at"])
            where = f"决定 {row['uuid']}（{row['application_id']} {row['stage']}）"
            return (None, f"{where}：{sentence}" if sentence else "") if stands else (f"{where}：{sentence}", "")
    return problem, ""


def conflict_problems(ws: Workspace) -> list[str]:
    """Every conflicts row that is not what its declarer signed (with any certificate ever issued to them)."""
    from models.conflicts import conflict_problem

    problems = []
    for row in ws.db.query("SELECT * FROM conflicts ORDER BY application_id, reviewer"):
        issued = certificates_of(ws, row["reviewer"])
        found = [conflict_problem(row, c.certificate) for c in issued] or [conflict_problem(row, None)]
        if all(found):
            problems.append(found[0] or "")
    return problems
