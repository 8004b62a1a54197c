"""Keeping assessments current when an enterprise's final approvals change."""

from __future__ import annotations

from policy.catalog import load_policy
from policy.engine import assess_batch

from models import audit
from models.records import application_from_row, stored_assessment
from models.workspace import Workspace
from models.workspace_history import WorkspaceHistory


def reassess_enterprise(ws: Workspace, uscc: str) -> int:
    """Re-assess the enterprise's applications that have no 复核 yet, in file order.

    Their first-time and 200万 checks read the final approvals, which a 复核 just
    changed. Call inside the transaction that recorded the 复核. Returns how
    many assessments changed.
    """
    rows = list(ws.db.query(
        "SELECT a.* FROM applications a WHERE a.uscc = ? AND NOT EXISTS ("
        "SELECT 1 FROM decisions d WHERE d.application_id = a.application_id AND d.stage = '复核' AND d.current = 1)"
        " ORDER BY a.seq", [uscc]))
    if not rows:
        return 0
    policy = load_policy()
    apps = [application_from_row(row) for row in rows]
    history = WorkspaceHistory(ws.db, except_ids=frozenset(app.application_id for app in apps))
    changed = 0
    now = audit.now_text()
    for result in assess_batch(apps, policy, history):
        stored = stored_assessment(result, policy.version, policy.content_hash)
        cursor = ws.db.execute(
            "UPDATE assessments SET status = ?, uncapped_yuan = ?, cap_yuan = ?, recommended_yuan = ?, flags = ?, "
            "trace = ?, record_hash = ?, policy_version = ?, policy_hash = ?, assessed_at = ? "
            "WHERE application_id = ? AND record_hash != ?",
            [stored.status, stored.uncapped_yuan, stored.cap_yuan, stored.recommended_yuan, stored.flags,
             stored.trace, stored.record_hash, policy.version, policy.content_hash, now, result.application_id,
             stored.record_hash],
        )
        changed += cursor.rowcount
    return changed
