"""The stage table decides who may act at which stage, in which order, with which outcomes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, DecisionRefused, current_outcomes, decide
from models.review.terms import STAGE_TABLE, stage_is_open
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, write_csv


@pytest.fixture
def app(ws: Workspace, tmp_path: Path) -> str:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    for reviewer in ("审核员甲", "审核员乙", "科长丙"):
        declare_conflict(ws, "T00001", reviewer, has_conflict=False, passphrase=PASSPHRASE)
    return "T00001"


def _decide(ws: Workspace, stage: str, outcome: str, reviewer: str, amount: str | None = None) -> None:
    decide(ws, DecisionInput("T00001", stage, outcome, reviewer, None if amount is None else Decimal(amount),
                             opinion="意见"), PASSPHRASE)


def test_every_stage_names_roles_and_outcomes_and_only_the_first_opens_unasked() -> None:
    assert [s.name for s in STAGE_TABLE] == ["初审", "复核", "负责人"]
    assert all(s.roles and s.outcomes for s in STAGE_TABLE)
    assert [stage_is_open(s.name, {}) for s in STAGE_TABLE] == [True, False, False]


def test_a_case_sent_to_the_lead_is_decided_by_the_lead_and_not_by_a_second_reviewer(ws: Workspace, app: str) -> None:
    _decide(ws, "初审", "提交负责人", "审核员甲")
    with pytest.raises(DecisionRefused, match="初审结论为提交负责人，不能复核"):
        _decide(ws, "复核", "通过", "审核员乙", "500000")
    with pytest.raises(DecisionRefused, match="角色是复核，不能作出负责人决定"):
        _decide(ws, "负责人", "通过", "审核员乙", "500000")
    _decide(ws, "负责人", "通过", "科长丙", "500000")
    assert current_outcomes(ws, app) == {"初审": "提交负责人", "负责人": "通过"}
    assert verify_workspace(ws).ok


def test_the_lead_stage_is_closed_until_someone_sends_the_case_up(ws: Workspace, app: str) -> None:
    with pytest.raises(DecisionRefused, match="负责人须在初审结论为提交负责人；或复核结论为提交负责人之后作出（当前尚无任何决定）"):
        _decide(ws, "负责人", "通过", "科长丙", "500000")


def test_one_person_acts_at_only_one_stage_of_an_application(ws: Workspace, app: str) -> None:
    _decide(ws, "初审", "通过", "科长丙", "500000")
    with pytest.raises(DecisionRefused, match="同一申报的每个审核阶段须由不同人员作出"):
        _decide(ws, "复核", "通过", "科长丙", "500000")


def test_a_referral_needs_no_amount_and_records_none(ws: Workspace, app: str) -> None:
    _decide(ws, "初审", "转主管部门", "审核员甲", "100")
    row = ws.db.execute("SELECT outcome, amount_yuan FROM decisions WHERE current = 1").fetchone()
    assert tuple(row) == ("转主管部门", None)


def test_an_outcome_a_stage_does_not_allow_is_refused_naming_the_allowed_ones(ws: Workspace, app: str) -> None:
    _decide(ws, "初审", "通过", "审核员甲", "500000")
    with pytest.raises(DecisionRefused, match="复核的结论须为 .*之一，而不是“转主管部门”"):
        _decide(ws, "复核", "转主管部门", "审核员乙")
