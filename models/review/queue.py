"""The list of applications with their stage, as ``list`` and the GUI's queue show it.

Where a case stands is read from the stage table (:mod:`models.review.terms`):
the 审核阶段 label, and the 核定金额 as the final stage that decided it (复核, or
the 负责人 for a case sent up) recorded it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from models.workspace.database import Database, in_list

from models.review.corrections import overdue_ids
from models.review.terms import (APPROVING, FIRST, LEAD, OVERDUE_LABEL, QUEUE_LABELS, REJECT, RETURNED_LABEL, SECOND,
                                 STAGE_TABLE, deciding_stage, queue_label)
from models.workspace.decision_rows import current_in
from models.workspace.records import money_value

STAGES = QUEUE_LABELS
STAGE_NAMES = tuple(stage.name for stage in STAGE_TABLE)
AWAITING_MATERIALS, OVERDUE = RETURNED_LABEL, OVERDUE_LABEL


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
    lead_reviewer: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "application_id": self.application_id, "enterprise": self.enterprise, "uscc": self.uscc,
            "item_id": self.item_id, "item_name": self.item_name, "status": self.status, "stage": self.stage,
            "cap_yuan": None if self.cap_yuan is None else f"{self.cap_yuan:.2f}",
            "approved_yuan": None if self.approved_yuan is None else f"{self.approved_yuan:.2f}",
        }


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_columns(column: str) -> str:
    """``d0.<column>, d1.<column>, …``: one per stage of the table, in its order."""
    return ", ".join(f"d{n}.{column}" for n in range(len(STAGE_TABLE)))


STAGE_JOINS = "".join(
    f" LEFT JOIN decisions d{n} ON d{n}.application_id = a.application_id AND d{n}.stage = {_literal(stage.name)}"
    f" AND {current_in(f'd{n}')}" for n, stage in enumerate(STAGE_TABLE))
"""Each stage's current decision of an application ``a``, as ``d0``, ``d1`` … in the stage table's order."""


def approved_sql() -> str:
    """SQL for the 核定金额 (for sorting only): what the deciding final stage recorded, 0 for a 不通过."""
    approving = ",".join(_literal(o) for o in APPROVING)
    cases = []
    for n in reversed(range(len(STAGE_TABLE))):
        if STAGE_TABLE[n].final:
            cases.append(f"WHEN d{n}.outcome IN ({approving}) THEN CAST(d{n}.amount_yuan AS NUMERIC) "
                         f"WHEN d{n}.outcome = {_literal(REJECT)} THEN 0")
        cases.append(f"WHEN d{n}.outcome IS NOT NULL THEN NULL")
    return f"CASE {' '.join(cases)} END"


def outcomes_by_stage(outcomes: Sequence[str | None]) -> dict[str, str]:
    """Stage name → current outcome, from one value per stage of the table (None: no decision)."""
    return {name: outcome for name, outcome in zip(STAGE_NAMES, outcomes) if outcome}


def approved_amount(outcomes: dict[str, str], amounts: dict[str, str | None]) -> Decimal | None:
    """The 核定金额: the deciding final stage's amount, 0.00 for a 不通过, None while undecided."""
    deciding = deciding_stage(outcomes)
    if deciding is None:
        return None
    if outcomes[deciding] in APPROVING:
        return money_value(amounts.get(deciding))
    return Decimal("0.00") if outcomes[deciding] == REJECT else None


_QUERY = f"""
SELECT a.application_id, a.enterprise, a.uscc, a.county, a.industry, a.item_id, s.status,
       a.requested_yuan, s.cap_yuan, {stage_columns('outcome')}, {stage_columns('reviewer')},
       {stage_columns('amount_yuan')}
FROM applications a
LEFT JOIN assessments s ON s.application_id = a.application_id{STAGE_JOINS}
{{where}}
ORDER BY a.seq
"""


def with_overdue(stage: str, application_id: str, overdue: set[str]) -> str:
    """待补正·逾期 for an application whose 补正 deadline has passed (``models.review.corrections``)."""
    return OVERDUE if stage == AWAITING_MATERIALS and application_id in overdue else stage


def queue_rows(db: Database, item_names: dict[str, str], ids: list[str] | None = None) -> list[QueueRow]:
    overdue = overdue_ids(db, ids=ids)
    where, params = "", dict[str, str]()
    if ids is not None:
        marks, params = in_list("id", ids)
        where = f"WHERE a.application_id IN {marks}"
    count = len(STAGE_TABLE)
    rows = []
    for row in db.execute(_QUERY.format(where=where), params):
        application_id, enterprise, uscc, county, industry, item_id, status, requested, cap = row[:9]
        outcomes = outcomes_by_stage(row[9:9 + count])
        reviewers = dict(zip(STAGE_NAMES, row[9 + count:9 + 2 * count]))
        amounts = dict(zip(STAGE_NAMES, row[9 + 2 * count:9 + 3 * count]))
        rows.append(QueueRow(
            application_id, enterprise, uscc, county, industry, item_id, item_names.get(item_id, item_id),
            status or "", with_overdue(queue_label(outcomes), application_id, overdue),
            money_value(requested), money_value(cap),
            approved_amount(outcomes, amounts), reviewers[FIRST] or "", reviewers[SECOND] or "",
            reviewers[LEAD] or "",
        ))
    return rows
