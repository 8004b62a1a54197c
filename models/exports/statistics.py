"""Totals of the workspace by award item, county and industry, exactly in Decimal 元.

Built from :func:`models.review.queue.queue_rows`, so every figure equals what the
queue shows: 申请金额 as filed, 核定上限 as assessed, 核定金额 as finally
decided at the final stage that closed the case (复核, or the 负责人 for a case sent up; see
models.review.terms); a 不通过 counts as 0.00 and as decided, not approved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from policy.money import ZERO

from models.review.policy_versions import item_names, item_order, measures
from models.review.counties import in_official_order
from models.review.queue import QueueRow, queue_rows
from models.workspace.database import Database

UNFILLED = "（未填写）"
GROUPINGS: dict[str, str] = {"item": "申报事项", "county": "县区", "industry": "产业"}


@dataclass(frozen=True, slots=True)
class GroupTotal:
    """One group's count and sums; an empty amount counts as nothing."""

    key: str
    count: int
    decided: int
    approved_count: int
    requested_yuan: Decimal
    cap_yuan: Decimal
    approved_yuan: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    by_item: list[GroupTotal]
    by_county: list[GroupTotal]
    by_industry: list[GroupTotal]
    overall: GroupTotal

    def groups(self, grouping: str) -> list[GroupTotal]:
        """``grouping`` is a key of :data:`GROUPINGS`."""
        return {"item": self.by_item, "county": self.by_county, "industry": self.by_industry}[grouping]


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((value for value in values if value is not None), ZERO)


def group_total(key: str, rows: list[QueueRow]) -> GroupTotal:
    decided = [row for row in rows if row.approved_yuan is not None]
    return GroupTotal(
        key=key,
        count=len(rows),
        decided=len(decided),
        approved_count=sum(1 for row in decided if row.approved_yuan and row.approved_yuan > 0),
        requested_yuan=_sum(row.requested_yuan for row in rows),
        cap_yuan=_sum(row.cap_yuan for row in rows),
        approved_yuan=_sum(row.approved_yuan for row in rows),
    )


def _grouped(rows: list[QueueRow], key: Callable[[QueueRow], str], order: list[str] | None) -> list[GroupTotal]:
    groups: dict[str, list[QueueRow]] = {}
    for row in rows:
        groups.setdefault(key(row).strip() or UNFILLED, []).append(row)
    totals = [group_total(name, members) for name, members in groups.items()]
    if order is None:  # most applications first, then by name
        return sorted(totals, key=lambda total: (-total.count, total.key))
    rank = {name: position for position, name in enumerate(order)}
    return sorted(totals, key=lambda total: (rank.get(total.key, len(rank)), total.key))


def totals_of(rows: list[QueueRow], items_in_order: list[str], measures_in_order: list[str]) -> Totals:
    """Totals of the given queue rows: items in policy order, industries in measure order,
    counties in the city's official order."""
    return Totals(
        by_item=_grouped(rows, lambda row: row.item_name, items_in_order),
        by_county=_grouped(rows, lambda row: row.county, in_official_order(row.county.strip() for row in rows)),
        by_industry=_grouped(rows, lambda row: row.industry, measures_in_order),
        overall=group_total("合计", rows),
    )


def totals(db: Database) -> Totals:
    """Totals of every application in the workspace, named and ordered by the policy versions it holds."""
    return totals_of(queue_rows(db, item_names(db)), item_order(db), measures(db))
