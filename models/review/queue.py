"""The list of applications with their stage, as ``list`` and the GUI's queue show it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlite_utils import Database

from models.review.corrections import overdue_ids
from models.workspace.records import money_value

AWAITING_MATERIALS, OVERDUE = "待补正", "待补正·逾期"
STAGES = ("待初审", "待复核", "已复核", AWAITING_MATERIALS, OVERDUE, "待负责人")
RETURNED, ESCALATED = "退回补正", "提交负责人"
APPROVING = ("通过", "部分通过")


@dataclass(frozen=True, slots=True)
class QueueRow:
    application_id: str
    enterprise: str
    uscc: str
    county: str
    industry: str
    item_id: str
    item_name: str
    status: str
    stage: str
    requested_yuan: Decimal | None
    cap_yuan: Decimal | None
    approved_yuan: Decimal | None
    first_reviewer: str
    second_reviewer: str

    def to_json(self) -> dict[str, object]:
        return {
            "application_id": self.application_id, "enterprise": self.enterprise, "uscc": self.uscc,
            "item_id": self.item_id, "item_name": self.item_name, "status": self.status, "stage": self.stage,
            "cap_yuan": None if self.cap_yuan is None else f"{self.cap_yuan:.2f}",
            "approved_yuan": None if self.approved_yuan is None else f"{self.approved_yuan:.2f}",
        }


def stage_of(first_outcome: str | None, second_outcome: str | None) -> str:
    latest = second_outcome or first_outcome
    if latest is None:
        return "待初审"
    if latest == RETURNED:
        return AWAITING_MATERIALS
    if latest == ESCALATED:
        return "待负责人"
    return "已复核" if second_outcome else "待复核"


_QUERY = """
SELECT a.application_id, a.enterprise, a.uscc, a.county, a.industry, a.item_id, s.status,
       a.requested_yuan, s.cap_yuan,
       f.outcome, f.reviewer, r.outcome, r.reviewer, r.amount_yuan
FROM applications a
LEFT JOIN assessments s ON s.application_id = a.application_id
LEFT JOIN decisions f ON f.application_id = a.application_id AND f.stage = '初审' AND f.current = 1
LEFT JOIN decisions r ON r.application_id = a.application_id AND r.stage = '复核' AND r.current = 1
{where}
ORDER BY a.seq
"""


def with_overdue(stage: str, application_id: str, overdue: set[str]) -> str:
    """待补正·逾期 for an application whose 补正 deadline has passed (``models.review.corrections``)."""
    return OVERDUE if stage == AWAITING_MATERIALS and application_id in overdue else stage


def queue_rows(db: Database, item_names: dict[str, str], ids: list[str] | None = None) -> list[QueueRow]:
    overdue = overdue_ids(db, ids=ids)
    where, params = "", []
    if ids is not None:
        where = f"WHERE a.application_id IN ({','.join('?' * len(ids))})"
        params = list(ids)
    rows = []
    for (application_id, enterprise, uscc, county, industry, item_id, status, requested, cap,
         first_outcome, first_reviewer, second_outcome, second_reviewer, second_amount) in db.execute(
            _QUERY.format(where=where), params):
        approved = None
        if second_outcome in APPROVING:
            approved = money_value(second_amount)
        elif second_outcome == "不通过":
            approved = Decimal("0.00")
        rows.append(QueueRow(
            application_id, enterprise, uscc, county, industry, item_id, item_names.get(item_id, item_id),
            status or "", with_overdue(stage_of(first_outcome, second_outcome), application_id, overdue),
            money_value(requested), money_value(cap),
            approved, first_reviewer or "", second_reviewer or "",
        ))
    return rows
