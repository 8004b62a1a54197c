"""The bureau's summary workbook, from the workspace's applications and decisions."""

from __future__ import annotations

from pathlib import Path

from policy.assessment import STATUS_LABELS

from models.workspace import audit
from models.review.policy_versions import item_names
from models.review.queue import queue_rows
from models.exports.workbook import SummaryRow, write_summary
from models.workspace.workspace import Workspace


def export_summary(ws: Workspace, out: str | Path, actor: str = "系统") -> int:
    """Write 汇总表 and 公示名单 to ``out``; returns the number of applications."""
    names = item_names(ws.db)
    rows = [
        SummaryRow(
            application_id=row.application_id, enterprise=row.enterprise, uscc=row.uscc, county=row.county,
            industry=row.industry, item_name=row.item_name, requested_yuan=row.requested_yuan,
            cap_yuan=row.cap_yuan, approved_yuan=row.approved_yuan,
            status_label=f"{STATUS_LABELS.get(row.status, row.status)} / {row.stage}",
        )
        for row in queue_rows(ws.db, names)
    ]
    write_summary(Path(out), rows, demo=ws.is_demo)
    with ws.db.atomic():
        audit.append(ws.db, actor, "导出汇总表", Path(out).name, {"rows": len(rows)})
    return len(rows)
