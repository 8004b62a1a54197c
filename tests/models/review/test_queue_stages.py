"""The queue, its index, the summary's 公示名单 and the statistics read where a case stands from the stage table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from models.exports.statistics import totals
from models.exports.summary import export_summary
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.review.queue import queue_rows
from models.review.queue_index import (default_stage, load_queue_index, may_act_next, open_stages,
                                       review_progress, sort_order)
from models.review.terms import queue_label, waiting_stage
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, write_csv

LEAD_CASE, REVIEWED, REFERRED, UNTOUCHED = "T00001", "T00002", "T00003", "T00004"


def _decide(ws: Workspace, application_id: str, stage: str, outcome: str, reviewer: str,
            amount: str | None = None) -> None:
    decide(ws, DecisionInput(application_id, stage, outcome, reviewer, None if amount is None else Decimal(amount),
                             opinion="意见"), PASSPHRASE)


@pytest.fixture
def cases(ws: Workspace, tmp_path: Path) -> Workspace:
    """T00001 sent up at 复核 and approved by the 负责人 at 30万元; T00002 approved at 复核 at 50万元;
    T00003 referred at 初审; T00004 untouched."""
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(n) for n in range(1, 5)]))
    for application_id in (LEAD_CASE, REVIEWED, REFERRED, UNTOUCHED):
        for reviewer in ("审核员甲", "审核员乙", "科长丙"):
            declare_conflict(ws, application_id, reviewer, has_conflict=False, passphrase=PASSPHRASE)
    for application_id in (LEAD_CASE, REVIEWED):
        _decide(ws, application_id, "初审", "通过", "审核员甲", "500000")
    _decide(ws, LEAD_CASE, "复核", "提交负责人", "审核员乙")
    _decide(ws, REVIEWED, "复核", "通过", "审核员乙", "500000")
    _decide(ws, REFERRED, "初审", "转主管部门", "审核员甲")
    return ws


def test_labels_follow_the_stage_table() -> None:
    assert [queue_label(o) for o in ({}, {"初审": "通过"}, {"初审": "提交负责人"},
                                     {"初审": "通过", "复核": "提交负责人"}, {"初审": "通过", "复核": "不通过"},
                                     {"初审": "提交负责人", "负责人": "部分通过"}, {"初审": "转主管部门"},
                                     {"初审": "退回补正"})] == [
        "待初审", "待复核", "待负责人", "待负责人", "已复核", "负责人已决定", "已转主管部门", "待补正"]
    assert waiting_stage({"初审": "通过", "复核": "通过"}) is None


def test_a_case_decided_by_the_lead_counts_by_the_leads_decision(cases: Workspace) -> None:
    rows = {row.application_id: row for row in queue_rows(cases.db, {})}
    assert (rows[LEAD_CASE].stage, rows[LEAD_CASE].approved_yuan) == ("待负责人", None)
    _decide(cases, LEAD_CASE, "负责人", "部分通过", "科长丙", "300000")
    rows = {row.application_id: row for row in queue_rows(cases.db, {})}
    assert (rows[LEAD_CASE].stage, rows[LEAD_CASE].approved_yuan, rows[LEAD_CASE].lead_reviewer) == (
        "负责人已决定", Decimal("300000.00"), "科长丙")
    assert (rows[REFERRED].stage, rows[REFERRED].approved_yuan) == ("已转主管部门", None)
    overall = totals(cases.db).overall
    assert (overall.decided, overall.approved_count, overall.approved_yuan) == (2, 2, Decimal("800000.00"))
    index = load_queue_index(cases.db)
    order = [index.ids[p] for p in sort_order(index, "approved", True, db=cases.db)]
    assert order[:2] == [REVIEWED, LEAD_CASE]
    assert review_progress(index, "科长丙", "负责人").mine_done == 1
    assert review_progress(index, None, None).all_done == 3  # two decided, one referred
    assert verify_workspace(cases).ok


def test_the_public_list_names_what_the_lead_approved(cases: Workspace, tmp_path: Path) -> None:
    _decide(cases, LEAD_CASE, "负责人", "通过", "科长丙", "400000")
    export_summary(cases, tmp_path / "汇总.xlsx")
    sheet = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")).get_sheet_by_name("公示名单").to_python()
    listed = {row[2]: row[5] for row in sheet[2:] if row[0] != ""}
    uscc = {row.application_id: row.uscc for row in queue_rows(cases.db, {})}
    assert listed == {uscc[LEAD_CASE]: 400000, uscc[REVIEWED]: 500000}


def test_each_reviewer_acts_next_only_where_their_queue_is(cases: Workspace) -> None:
    index = load_queue_index(cases.db)
    def acting(reviewer: str, role: str) -> set[str]:
        return {i for p, i in enumerate(index.ids) if may_act_next(index, p, reviewer, role)}
    assert acting("审核员甲", "初审") == {UNTOUCHED}
    assert acting("审核员乙", "复核") == set()  # T00004 has no 初审 yet
    assert acting("科长丙", "负责人") == {LEAD_CASE}
    at = index.position_of[LEAD_CASE]
    outcomes, deciders = index.outcomes_at(at), index.deciders_at(at)
    assert open_stages("负责人", "科长丙", outcomes, deciders) == ["负责人"]
    assert default_stage("负责人", "科长丙", outcomes, deciders) == "负责人"
    assert open_stages("复核", "审核员乙", outcomes, deciders) == ["复核"]  # 乙 may still change their 复核
    assert open_stages("初审", "审核员甲", outcomes, deciders) == []  # a later stage is decided
    untouched = index.position_of[UNTOUCHED]
    assert default_stage("复核", "审核员乙", index.outcomes_at(untouched), index.deciders_at(untouched)) is None


def test_the_engines_history_counts_the_leads_award_and_drops_referrals(cases: Workspace) -> None:
    from models.review.history import WorkspaceHistory

    usccs = {row.application_id: row.uscc for row in queue_rows(cases.db, {})}
    history = WorkspaceHistory(cases.db)
    assert [(p.application_id, p.state) for p in history.pending_applications(usccs[LEAD_CASE])] == [
        (LEAD_CASE, "已提交负责人、待负责人决定")]
    assert history.pending_applications(usccs[REFERRED]) == ()  # referred elsewhere: nothing pending here
    _decide(cases, LEAD_CASE, "负责人", "通过", "科长丙", "400000")
    history = WorkspaceHistory(cases.db)
    assert [(a.application_id, a.approved_yuan) for a in history.approved_awards(usccs[LEAD_CASE])] == [
        (LEAD_CASE, Decimal("400000.00"))]
    assert history.pending_applications(usccs[LEAD_CASE]) == ()


def test_money_columns_sort_by_amount_not_by_text(ws: Workspace, tmp_path: Path) -> None:
    """CAST(… AS NUMERIC), which PostgreSQL takes too, orders SQLite's money text as numbers, nulls last."""
    asked = ["9.5", "10", "0.01", "99999.99", "", "100000", "1234.56"]  # 万元; text order differs from amount order
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(n, **{"申请金额(万元)": wan})
                                                    for n, wan in enumerate(asked, start=1)]))
    index = load_queue_index(ws.db)
    rows = {row.application_id: row.requested_yuan for row in queue_rows(ws.db, {})}
    for descending in (False, True):
        order = [index.ids[p] for p in sort_order(index, "requested", descending, db=ws.db)]
        amounts = [rows[i] for i in order]
        known = sorted((a for a in amounts if a is not None), reverse=descending)
        assert amounts == [*known, None]
    assert len(set(rows.values())) == len(asked)
