"""The bureau's summary workbook, from the workspace's applications and decisions."""

from __future__ import annotations

from pathlib import Path

from policy.assessment import STATUS_LABELS

from models.workspace import audit
from models.review.policy_versions import item_names
from models.review.queue import queue_rows
from models.exports.workbook import SummaryExportError, SummaryRow, write_summary
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace


def export_summary(ws: Workspace, out: str | Path, actor: str = "系统") -> int:
    """Write 汇总表 and 公示名单 to ``out``; returns the number of applications.

    The figures go to 公示 and to payment, so they are written only from a workspace whose tables match
    its signed, hash-chained log (``audit verify``); otherwise nothing is written.
    """
    report = verify_workspace(ws)
    if not report.ok:
        shown = "；".join(report.problems[:3]) + ("……" if len(report.problems) > 3 else "")
        raise SummaryExportError(f"工作区校验未通过（{len(report.problems)} 处问题），不导出汇总表和公示名单：{shown}。"
                                 "请先运行 reviewdesk audit verify 查明原因，并报告系统管理员和审计员。")
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
