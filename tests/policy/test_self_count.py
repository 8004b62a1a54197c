"""An application never counts against itself: in ``assess --workspace``, import and re-assessment."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from cli.main import main
from models.intake.assessing import assess_file_in_workspace
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, approve_both_stages, import_as, intake_row, valid_uscc, write_csv

SAME = valid_uscc(7)


def _tech(n: int, equipment_wan: str) -> dict[str, str]:
    return intake_row(n, **{"统一社会信用代码": SAME, "产业": "纺织服装", "申报事项": "技术改造项目",
                            "总投资额(万元)": "5000", "设备购置额(万元)": equipment_wan, "亩产效益评价": "A",
                            "申请金额(万元)": ""})


def _madrid(n: int) -> dict[str, str]:
    return intake_row(n, **{"统一社会信用代码": SAME, "产业": "纺织服装", "申报事项": "马德里注册商标",
                            "申请金额(万元)": "1"})




def test_assessing_an_approved_application_again_does_not_use_its_own_award(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [_tech(1, "2500")])
    import_as(ws, path)
    approve_both_stages(ws, "T00001", "2000000")
    [again] = assess_file_in_workspace(path, ws.db)
    assert (again.status, again.cap_yuan) == ("eligible", Decimal("2000000.00")), again.trace


def test_cli_assess_with_workspace_agrees_with_import_update(ws: Workspace, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "a.csv", [_tech(1, "2500")])
    import_as(ws, path)
    approve_both_stages(ws, "T00001", "2000000")
    folder = ws.folder
    ws.close()
    assert main(["--workspace", str(folder), "assess", str(path), "--json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["cap_yuan"]) == ("eligible", "2000000.00"), shown["trace"]


def test_assessing_an_approved_first_time_award_again_does_not_call_it_a_repeat_of_itself(
        ws: Workspace, tmp_path: Path) -> None:
    row = intake_row(1, **{"统一社会信用代码": SAME, "产业": "生物医药", "申报事项": "国家级质量标杆",
                           "申请金额(万元)": "100"})
    path = write_csv(tmp_path / "benchmark.csv", [row])
    import_as(ws, path)
    approve_both_stages(ws, "T00001", "1000000")
    [again] = assess_file_in_workspace(path, ws.db)
    assert (again.status, again.cap_yuan) == ("eligible", Decimal("1000000.00")), again.trace
    assert not any("T00001" in line for line in (*again.flags, *again.trace)), again.flags


def test_a_pending_application_of_the_same_item_is_flagged_but_not_itself(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "first.csv", [_madrid(1)]))
    [other] = assess_file_in_workspace(write_csv(tmp_path / "second.csv", [_madrid(2)]), ws.db)
    assert other.status == "needs_review"
    assert any("申报编号 T00001，待初审" in flag for flag in other.flags), other.flags
    [itself] = assess_file_in_workspace(tmp_path / "first.csv", ws.db)
    assert not any("T00001" in flag for flag in itself.flags), itself.flags


def test_reassessment_after_a_final_approval_counts_the_approval_once(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "a.csv", [_tech(1, "1500"), _tech(2, "1500")]))
    approve_both_stages(ws, "T00001", "1500000")
    row = ws.db.execute("SELECT cap_yuan, trace FROM assessments WHERE application_id = 'T00002'").fetchone()
    assert Decimal(row[0]) == Decimal("500000.00")
    assert "申报编号 T00001 已核准 150.00万元" in row[1]


def test_an_imported_broader_alias_is_flagged(ws: Workspace, tmp_path: Path) -> None:
    row = intake_row(3, **{"产业": "纺织服装", "申报事项": "主持制定地方标准", "申请金额(万元)": "10"})
    [result] = assess_file_in_workspace(write_csv(tmp_path / "alias.csv", [row]), ws.db)
    assert result.status == "needs_review"
    assert any("宽于“主持制定山东省地方标准”" in flag for flag in result.flags), result.flags


def test_refused_and_ineligible_applications_are_not_pending(ws: Workspace, tmp_path: Path) -> None:
    from models.review.history import WorkspaceHistory

    wrong_industry = intake_row(3, 统一社会信用代码=SAME, 产业="生物医药", 申报事项="马德里注册商标")
    import_as(ws, write_csv(tmp_path / "a.csv", [_madrid(1), _madrid(2), wrong_industry]))
    for stage, reviewer in (("初审", "审核员甲"), ("复核", "审核员乙")):
        declare_conflict(ws, "T00002", reviewer, has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00002", stage, "不通过", reviewer, None, opinion="不符合条件"), PASSPHRASE)
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("10000")), PASSPHRASE)
    pending = WorkspaceHistory(ws.db).pending_applications(SAME)
    assert [(p.application_id, p.state) for p in pending] == [("T00001", "已初审、待复核")]
