"""The engine's view of the workspace: final approvals, by 统一社会信用代码."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Sequence

from sqlite_utils import Database

from policy.history import PriorAward

FINAL_STAGE = "复核"
APPROVING_OUTCOMES = ("通过", "部分通过")


class WorkspaceHistory:
    """Loaded once: what a 复核 finally approved, excluding ``except_ids``.

    An application being re-assessed must not count against itself.
    """

    def __init__(self, db: Database, except_ids: frozenset[str] = frozenset()) -> None:
        self._awards: dict[str, list[PriorAward]] = defaultdict(list)
        rows = db.execute(
            "SELECT a.uscc, a.item_id, d.amount_yuan, a.application_id FROM decisions d "
            "JOIN applications a ON a.application_id = d.application_id "
            "WHERE d.stage = ? AND d.current = 1 AND d.outcome IN (?, ?) ORDER BY d.decided_at",
            [FINAL_STAGE, *APPROVING_OUTCOMES],
        )
        for uscc, item_id, amount, application_id in rows:
            if application_id not in except_ids:
                self._awards[uscc].append(PriorAward(item_id, Decimal(amount or "0"), application_id))

    def approved_awards(self, uscc: str) -> Sequence[PriorAward]:
        return self._awards.get(uscc, ())
