"""``audit verify`` re-derives every assessment with the policy engine.

The insider writes an assessment the rules do not give and logs it with a
consistent 重新评估 entry (tests/insider.py): the chain and the replay hold, and
no decision has signed the assessment yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.workspace import records, signed_scope
from models.workspace.assessment_check import check_assessments
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from policy.assessment import Assessment
from tests.insider import forge_logged, row_of
from tests.workspace_support import approve_both_stages, import_as, intake_row, staffed_workspace, valid_uscc, write_csv


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """T00001 alone for its enterprise; T00002 and T00003 one enterprise claiming the same one-off award."""
    twin = valid_uscc(2)
    rows = [intake_row(1), intake_row(2), intake_row(3, 统一社会信用代码=twin, 企业名称="聊城测试企业2有限公司")]
    with staffed_workspace(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", rows))
    return tmp_path / "ws"


def _report(folder: Path) -> tuple[list[str], list[str]]:
    with Workspace.open(folder) as ws:
        report = verify_workspace(ws)
    return report.problems, report.lines


def _forge(folder: Path, application_id: str, **fields: object) -> None:
    """Rewrite the stored assessment with ``fields`` and a record hash that matches them, as 重新评估."""
    stored = records.assessment_from_row(row_of(folder, "SELECT * FROM assessments WHERE application_id = ?",
                                                [application_id]))
    values: dict[str, Any] = {"status": stored.status, "uncapped_yuan": stored.uncapped_yuan, "cap_yuan": stored.cap_yuan,
              "recommended_yuan": stored.recommended_yuan, "flags": stored.flags, "trace": stored.trace} | fields
    money = {k: records.money_value(values[k]) for k in ("uncapped_yuan", "cap_yuan", "recommended_yuan")}
    forged = records.stored_assessment(Assessment(
        application_id, "", "", "", str(values["status"]), money["uncapped_yuan"], money["cap_yuan"],
        money["recommended_yuan"], records.text_lines(str(values["flags"])), records.text_lines(str(values["trace"])),
        0), stored.policy_version, stored.policy_hash, stored.assessed_at)
    uscc = row_of(folder, "SELECT uscc FROM applications WHERE application_id = ?", [application_id])["uscc"]
    forge_logged(folder, [("UPDATE assessments SET status = ?, cap_yuan = ?, recommended_yuan = ?, flags = ?, "
                           "trace = ?, record_hash = ? WHERE application_id = ?",
                           [forged.status, forged.cap_yuan, forged.recommended_yuan, forged.flags, forged.trace,
                            forged.record_hash, application_id])],
                 actor="系统", action="重新评估", subject=uscc, details={"applications": [application_id]})


def test_every_assessment_as_imported_and_as_re_assessed_after_a_final_decision_is_what_the_engine_gives(
        folder: Path) -> None:
    problems, lines = _report(folder)
    assert not problems and "评估复算：3 件评估均与政策引擎按其政策版本的计算相符" in lines, lines
    with Workspace.open(folder) as ws:
        approve_both_stages(ws, "T00002", "500000")  # re-assesses T00003: the award is now held
        assert "已获" in str(records.assessment(ws.db, "T00003"))
    problems, lines = _report(folder)
    assert not problems, problems


def test_a_cap_inflated_by_a_forged_reassessment_before_anyone_decides_is_named(folder: Path) -> None:
    cap = row_of(folder, "SELECT cap_yuan FROM assessments WHERE application_id = 'T00001'")["cap_yuan"]
    _forge(folder, "T00001", cap_yuan="5000000.00", recommended_yuan="5000000.00")
    problems, _ = _report(folder)
    assert not [p for p in problems if p.startswith("表 ") or "审计日志第" in p], problems  # a consistent forgery
    assert (f"申报 T00001 的评估 cap_yuan：库中为 '5000000.00'，按政策 liaocheng-2023-10 重新计算为 '{cap}'"
            in problems), problems
    assert any(p.startswith("申报 T00001 的评估 recommended_yuan：库中为 '5000000.00'") for p in problems), problems


def test_where_the_enterprise_has_other_applications_a_cap_they_cannot_explain_is_named(folder: Path) -> None:
    """T00003's one-off claim is flagged because T00002 came first: the others may lower a cap, never raise it."""
    stored = row_of(folder, "SELECT status, flags, cap_yuan FROM assessments WHERE application_id = 'T00003'")
    assert stored["status"] == "needs_review" and "同一文件第" in stored["flags"]
    _forge(folder, "T00002", cap_yuan="5000000.00", recommended_yuan="5000000.00")
    _forge(folder, "T00003", recommended_yuan="900000.00")
    problems, _ = _report(folder)
    assert any(p.startswith("申报 T00002 的评估 cap_yuan：库中为 '5000000.00'，重新计算最高为") for p in problems), problems
    assert (f"申报 T00003 的评估 recommended_yuan：库中为 '900000.00'，按其上限和申请金额应为 {stored['cap_yuan']}"
            in problems), problems


def test_assessments_made_under_earlier_rules_are_counted_not_re_derived(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    newer = {version: revision + 1 for version, revision in signed_scope.build_rules().items()}
    monkeypatch.setattr(signed_scope, "build_rules", lambda: newer)
    _forge(folder, "T00001", cap_yuan="5000000.00", recommended_yuan="5000000.00")  # made before the revision
    with Workspace.open(folder) as ws:  # this build's rules differ: 规则修订 is logged
        assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = ?", [signed_scope.RULES_ACTION]).fetchone()[0] == 1
        check = check_assessments(ws.db)
    assert (check.checked, check.earlier_rules, check.problems) == (0, 3, [])
    assert "另有 3 件按此前的规则修订作出" in check.line()
    forge_logged(folder, [], action=signed_scope.RULES_ACTION, details={"rules_revisions": {v: 0 for v in newer}})
    with Workspace.open(folder) as ws:
        check = check_assessments(ws.db)
    assert any("规则修订只增不减" in p for p in check.problems), check.problems


def test_registering_another_policy_version_leaves_the_others_re_derived(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    more = signed_scope.build_rules() | {"another-policy-version": 1}
    monkeypatch.setattr(signed_scope, "build_rules", lambda: more)
    _forge(folder, "T00001", cap_yuan="5000000.00", recommended_yuan="5000000.00")
    with Workspace.open(folder) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = ?", [signed_scope.RULES_ACTION]).fetchone()[0] == 1
        check = check_assessments(ws.db)
    assert (check.checked, check.earlier_rules) == (3, 0)
    assert any(p.startswith("申报 T00001 的评估 cap_yuan") for p in check.problems), check.problems
