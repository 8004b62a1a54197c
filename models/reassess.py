"""Keeping assessments current when an enterprise's final approvals change."""

from __future__ import annotations

from itertools import groupby

from policy.catalog import DEFAULT_VERSION, load_policy
from policy.engine import assess_batch

from models import audit
from models.records import application_from_row, stored_assessment
from models.workspace import Workspace
from models.workspace_history import WorkspaceHistory


def reassess_enterprise(ws: Workspace, uscc: str) -> int:
    """Re-assess the enterprise's applications that have no 复核 yet, in file order.

    Their first-time and 200万 checks read the final approvals, which a 复核 just
    changed. Each application is re-assessed under the policy version it was
    assessed under before. Call inside the transaction that recorded the 复核.
    Returns how many assessments changed.
    """
    rows = list(ws.db.query(
        "SELECT a.*, s.policy_version AS assessed_version FROM applications a "
        "LEFT JOIN assessments s ON s.application_id = a.application_id WHERE a.uscc = ? AND NOT EXISTS ("
        "SELECT 1 FROM decisions d WHERE d.application_id = a.application_id AND d.stage = '复核' AND d.current = 1)"
        " ORDER BY a.seq", [uscc]))
    if not rows:
        return 0
    history = WorkspaceHistory(ws.db, except_ids=frozenset(row["application_id"] for row in rows))
    changed = 0
    now = audit.now_text()
    for version, group in groupby(rows, key=lambda row: row["assessed_version"] or DEFAULT_VERSION):
        policy = load_policy(version)
        apps = [application_from_row(row) for row in group]
        for result in assess_batch(apps, policy, history):
            stored = stored_assessment(result, policy.version, policy.content_hash)
            cursor = ws.db.execute(
                "UPDATE assessments SET status = ?, uncapped_yuan = ?, cap_yuan = ?, recommended_yuan = ?, "
                "flags = ?, trace = ?, record_hash = ?, policy_version = ?, policy_hash = ?, assessed_at = ? "
                "WHERE application_id = ? AND record_hash != ?",
                [stored.status, stored.uncapped_yuan, stored.cap_yuan, stored.recommended_yuan, stored.flags,
                 stored.trace, stored.record_hash, policy.version, policy.content_hash, now,
                 result.application_id, stored.record_hash],
            )
            changed += cursor.rowcount
    return changed
