"""The engine's view of the workspace: final approvals and pending applications, by 统一社会信用代码."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from collections.abc import Sequence

from models.workspace.database import Database, in_list

from policy.history import PendingApplication, PriorAward

from models.workspace.decision_rows import current_in
from models.review.terms import APPROVING, FINAL_OUTCOMES, FINAL_STAGES, FIRST, REFER, TO_LEAD

_FINAL_STAGES, _FINAL_STAGE_PARAMETERS = in_list("final_stage", FINAL_STAGES)
_APPROVING, _APPROVING_PARAMETERS = in_list("approving", APPROVING)
_FINAL_OUTCOMES, _FINAL_OUTCOME_PARAMETERS = in_list("final_outcome", FINAL_OUTCOMES)


class WorkspaceHistory:
    """Loaded once: what a final stage (复核, 负责人) approved, and what awaits a final decision, excluding ``except_ids``.

    An application being assessed or re-assessed must not count against itself.
    A pending application is one not found ineligible, without a current decision
    at a final stage that approved or refused it, and not referred elsewhere.
    """

    def __init__(self, db: Database, except_ids: frozenset[str] = frozenset()) -> None:
        self._awards: dict[str, list[PriorAward]] = defaultdict(list)
        self._pending: dict[str, list[PendingApplication]] = defaultdict(list)
        rows = db.execute(
            "SELECT a.uscc, a.item_id, d.amount_yuan, a.application_id, a.application_year FROM decisions d "
            "JOIN applications a ON a.application_id = d.application_id "
            f"WHERE d.stage IN {_FINAL_STAGES} AND {current_in('d')} AND d.outcome IN {_APPROVING} "
            "ORDER BY d.decided_at",
            _FINAL_STAGE_PARAMETERS | _APPROVING_PARAMETERS,
        )
        for uscc, item_id, amount, application_id, year in rows:
            if application_id not in except_ids:
                self._awards[uscc].append(PriorAward(item_id, Decimal(amount or "0"), application_id, year))
        pending = db.execute(
            "SELECT a.uscc, a.item_id, a.application_id, s.recommended_yuan, EXISTS (SELECT 1 FROM decisions f "
            f"WHERE f.application_id = a.application_id AND f.stage = :first AND {current_in('f')}), EXISTS (SELECT 1 "
            f"FROM decisions u WHERE u.application_id = a.application_id AND {current_in('u')} AND u.outcome = :to_lead) "
            "FROM applications a JOIN assessments s ON s.application_id = a.application_id "
            "WHERE s.status != 'ineligible' AND NOT EXISTS (SELECT 1 FROM decisions d "
            f"WHERE d.application_id = a.application_id AND d.stage IN {_FINAL_STAGES} AND {current_in('d')} "
            f"AND d.outcome IN {_FINAL_OUTCOMES}) AND NOT EXISTS (SELECT 1 FROM decisions x WHERE x.application_id = "
            f"a.application_id AND {current_in('x')} AND x.outcome = :refer) ORDER BY a.seq",
            {"first": FIRST, "to_lead": TO_LEAD, "refer": REFER} | _FINAL_STAGE_PARAMETERS | _FINAL_OUTCOME_PARAMETERS,
        )
        for uscc, item_id, application_id, recommended, first_done, sent_up in pending:
            if application_id not in except_ids:
                state = "已提交负责人、待负责人决定" if sent_up else "已初审、待复核" if first_done else "待初审"
                self._pending[uscc].append(
                    PendingApplication(item_id, application_id, Decimal(recommended or "0"), state))

    def approved_awards(self, uscc: str) -> Sequence[PriorAward]:
        return self._awards.get(uscc, ())

    def pending_applications(self, uscc: str) -> Sequence[PendingApplication]:
        return self._pending.get(uscc, ())
