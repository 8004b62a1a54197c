"""Two signed stages, conflicts of interest, and the rules a decision must keep."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from models.review.decisions import DecisionInput, DecisionRefused, decide
from models.review.conflicts import declare_conflict
from models.signing.keys import PassphraseError, WrongPassphrase
from models.review.queue import queue_rows
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, returned_for, write_csv


@pytest.fixture
def imported(ws: Workspace, tmp_path: Path) -> Workspace:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1), intake_row(2)]))
    return ws


def _decide(ws: Workspace, stage: str, reviewer: str, amount: str | None = "500000", **kw: str) -> None:
    declare_conflict(ws, "T00001", reviewer, has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", stage, kw.pop("outcome", "通过"), reviewer,
                             None if amount is None else Decimal(amount), **kw), PASSPHRASE)


def _stage(ws: Workspace) -> str:
    return {r.application_id: r for r in queue_rows(ws.db, {})}["T00001"].stage


def test_both_stages_signed_and_listed(imported: Workspace) -> None:
    _decide(imported, "初审", "审核员甲", opinion="符合条件", note="内部：电话核实过")
    assert _stage(imported) == "待复核"
    _decide(imported, "复核", "审核员乙")
    row = {r.application_id: r for r in queue_rows(imported.db, {})}["T00001"]
    assert (row.stage, row.approved_yuan) == ("已复核", Decimal("500000.00"))
    assert verify_workspace(imported).ok


def test_decision_needs_a_declaration_first(imported: Workspace) -> None:
    with pytest.raises(DecisionRefused, match="尚未就 T00001 声明利益冲突"):
        decide(imported, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("1")), PASSPHRASE)


def test_declared_conflict_excludes_the_reviewer(imported: Workspace) -> None:
    declare_conflict(imported, "T00001", "审核员甲", has_conflict=True, reason="亲属任职", passphrase=PASSPHRASE)
    with pytest.raises(DecisionRefused, match="存在利益冲突，须回避"):
        decide(imported, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("1")), PASSPHRASE)


def test_second_stage_by_the_first_reviewer_is_refused(imported: Workspace) -> None:
    _decide(imported, "初审", "科长丙")
    with pytest.raises(DecisionRefused, match="复核须由初审以外的人员作出：科长丙"):
        _decide(imported, "复核", "科长丙")
    _decide(imported, "复核", "审核员乙")


def test_reviewer_role_must_fit_the_stage(imported: Workspace) -> None:
    with pytest.raises(DecisionRefused, match="审核员乙 的角色是复核，不能作出初审决定"):
        _decide(imported, "初审", "审核员乙")


def test_wrong_passphrase_signs_nothing_and_is_audited(imported: Workspace) -> None:
    declare_conflict(imported, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    with pytest.raises(WrongPassphrase, match="口令错误"):
        decide(imported, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("1")), "不对的口令")
    assert imported.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0
    last = imported.db.execute("SELECT action FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert last == "解锁密钥失败"
    with pytest.raises(PassphraseError):
        decide(imported, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("1")), "")


def test_amount_over_cap_needs_a_reason_which_is_audited(imported: Workspace) -> None:
    with pytest.raises(DecisionRefused, match="超过上限"):
        _decide(imported, "初审", "审核员甲", amount="600000")
    _decide(imported, "初审", "审核员甲", amount="600000", override_reason="市政府专题会议纪要同意")
    actions = [a for (a,) in imported.db.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions[-1] == "超上限核定"


def test_changed_decision_keeps_the_earlier_one(imported: Workspace) -> None:
    _decide(imported, "初审", "审核员甲", amount="400000")
    _decide(imported, "初审", "审核员甲", amount="450000", outcome="部分通过")
    rows = imported.db.execute("SELECT amount_yuan, current, supersedes IS NOT NULL FROM decisions "
                               "ORDER BY decided_at, current").fetchall()
    assert sorted(rows) == [("400000.00", 0, 0), ("450000.00", 1, 1)]


def test_returned_application_shows_as_returned(imported: Workspace) -> None:
    declare_conflict(imported, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(imported, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="请补充认定文件",
                                   **returned_for()), PASSPHRASE)
    assert _stage(imported) == "待补正"
    with pytest.raises(DecisionRefused, match="不能复核"):
        _decide(imported, "复核", "审核员乙")
