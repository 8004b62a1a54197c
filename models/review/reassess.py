"""Keeping assessments current when an enterprise's final approvals change."""

from __future__ import annotations

from itertools import groupby

from policy.catalog import load_policy
from policy.engine import assess_batch

from models.workspace import audit
from models.workspace import records
from models.workspace.database import in_list
from models.workspace.decision_rows import current_in
from models.review.terms import FINAL_STAGES
from models.workspace.workspace import Workspace
from models.review.history import WorkspaceHistory


def reassess_enterprise(ws: Workspace, uscc: str, actor: str = "系统", reason: str = "") -> list[str]:
    """Re-assess the enterprise's applications that have no final decision yet, in file order.

    Their first-time and 200万 checks read the final approvals, which a final
    decision just changed. Each application is re-assessed under the policy
    version it was assessed under before. Call inside the transaction that
    recorded the decision; the changed assessments are one audit event, by
    ``actor``, naming each application. A current decision made against an
    assessment that changed here is stale from now on. Returns the
    applications whose assessment changed.
    """
    final_stages, parameters = in_list("final_stage", FINAL_STAGES)
    rows = list(ws.db.query(
        f"SELECT {records.columns_sql(records.TABLE_COLUMNS, 'a')}, s.policy_version AS assessed_version "
        "FROM applications a JOIN assessments s ON s.application_id = a.application_id WHERE a.uscc = :uscc AND NOT "
        f"EXISTS (SELECT 1 FROM decisions d WHERE d.application_id = a.application_id AND {current_in('d')} "
        f"AND d.stage IN {final_stages}) ORDER BY a.seq", {"uscc": uscc} | parameters))
    if not rows:
        return []
    history = WorkspaceHistory(ws.db, except_ids=frozenset(row["application_id"] for row in rows))
    changed: list[str] = []
    versions: list[str] = []
    now = audit.now_text()
    for version, group in groupby(rows, key=lambda row: str(row["assessed_version"])):
        policy = load_policy(version)
        versions.append(policy.version)
        apps = [records.application_from_row(row) for row in group]
        for result in assess_batch(apps, policy, history):
            stored = records.stored_assessment(result, policy.version, policy.content_hash, now)
            if records.replace_assessment_if_changed(ws.db, stored):
                changed.append(result.application_id)
    if changed:
        audit.append(ws.db, actor, "重新评估", uscc, {
            "applications": changed, "policy_versions": sorted(set(versions)),
            "reason": reason or "该企业的最终核定结果发生变化，首次获得和单户上限的核算随之改变",
        })
    return changed
