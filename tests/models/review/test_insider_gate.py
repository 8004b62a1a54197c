"""The conflict gate and the current flags against an insider who edits the tables with a matching log entry."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict, withdraw_conflict
from models.review.decisions import DecisionInput, DecisionRefused, current_decision, decide
from models.workspace.evidence import EvidenceStore
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.insider import forge_logged, forged_decision, insert_row, row_of
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """T00001 decided at 初审 by 审核员甲 twice (the second supersedes the first); 审核员乙 declared a conflict."""
    ws = staffed_workspace(tmp_path / "ws")
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "认定文件.pdf").write_bytes(b"%PDF-1.4\n% the recognition the reviewer saw\n")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, 附件="认定文件.pdf")]), evidence=tmp_path / "ev")
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "部分通过", "审核员甲", Decimal("200000")), PASSPHRASE)
    declare_conflict(ws, "T00001", "审核员乙", has_conflict=True, reason="其配偶任该企业财务负责人", passphrase=PASSPHRASE)
    ws.close()
    return tmp_path / "ws"


def _problems(folder: Path) -> list[str]:
    with Workspace.open(folder) as ws:
        return verify_workspace(ws).problems


def test_a_declared_conflict_deleted_with_sql_is_named_though_the_declarer_declares_none_afterwards(
        folder: Path) -> None:
    declared = row_of(folder, "SELECT seq FROM audit WHERE action = '利益冲突声明' AND actor = '审核员乙'")["seq"]
    forge_logged(folder, ["DELETE FROM conflicts WHERE reviewer = '审核员乙'"], actor="审核员乙", action="撤回利益冲突声明",
                 subject="T00001")
    with Workspace.open(folder) as ws:
        declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", "复核", "通过", "审核员乙", Decimal("200000")), PASSPHRASE)
    problems = _problems(folder)
    assert problems == [f"审核员乙 对 T00001 声明的利益冲突（审计日志第 {declared} 条）已不在，却没有本人签名的撤回记录："
                        "利益冲突声明只能由声明人本人签名撤回"], problems


def test_a_conflict_withdrawn_by_its_declarer_with_a_signed_withdrawal_verifies(folder: Path) -> None:
    with Workspace.open(folder) as ws:
        withdraw_conflict(ws, "T00001", "审核员乙", PASSPHRASE, "声明有误：其配偶已于去年离职")
        declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", "复核", "通过", "审核员乙", Decimal("200000")), PASSPHRASE)
        assert verify_workspace(ws).ok


def test_a_decision_signed_outside_the_app_without_a_declaration_is_named(folder: Path) -> None:
    """科长丙 signs a 复核 with his own key and writes it in; he never declared on T00001."""
    row = forged_decision(folder, "T00001", "复核", "科长丙", "科长丙", PASSPHRASE)
    forge_logged(folder, [insert_row("decisions", row)], actor="科长丙", action="复核决定", subject="T00001")
    problems = _problems(folder)
    assert len(problems) == 1 and f"决定 {row['uuid']}（T00001 复核，科长丙）记入审计日志" in problems[0] \
        and "科长丙 没有就 T00001 声明无利益冲突" in problems[0], problems


def test_reinstating_a_superseded_decision_is_named_and_decide_does_not_follow_it(folder: Path) -> None:
    newer = row_of(folder, "SELECT uuid FROM decisions WHERE current = 1")["uuid"]
    older = row_of(folder, "SELECT uuid FROM decisions WHERE current = 0")["uuid"]
    forge_logged(folder, [("UPDATE decisions SET current = 1 WHERE uuid = ?", [older]),
                          ("UPDATE decisions SET current = 0 WHERE uuid = ?", [newer])], actor="审核员甲")
    problems = _problems(folder)
    assert any(f"决定 {older}（T00001 初审）已被决定 {newer} 替代，却仍标为现行" in p for p in problems), problems
    with Workspace.open(folder) as ws:
        assert current_decision(ws, "T00001", "初审") is None
        declare_conflict(ws, "T00001", "科长丙", has_conflict=False, passphrase=PASSPHRASE)
        with pytest.raises(DecisionRefused, match="尚无初审决定"):
            decide(ws, DecisionInput("T00001", "复核", "通过", "科长丙", Decimal("300000")), PASSPHRASE)


def test_a_decision_deleted_with_a_matching_log_entry_is_named(folder: Path) -> None:
    newer = row_of(folder, "SELECT uuid FROM decisions WHERE current = 1")["uuid"]
    forge_logged(folder, [("DELETE FROM decisions WHERE uuid = ?", [newer]),
                          "UPDATE decisions SET current = 1"], actor="审核员甲")
    problems = _problems(folder)
    assert any(f"决定 {newer}（审计日志第" in p and "已从决定表中删除" in p for p in problems), problems


def test_evidence_swapped_under_a_decided_application_is_named(folder: Path, tmp_path: Path) -> None:
    """The insider stores another file and points the decided application's attachment at it."""
    with Workspace.open(folder) as ws:
        other = tmp_path / "另一份.pdf"
        other.write_bytes(b"%PDF-1.4\n% not what the reviewer saw\n")
        stored = EvidenceStore(ws.evidence_dir).add(other)
    forge_logged(folder, [
        insert_row("evidence", {"sha256": stored.sha256, "size": other.stat().st_size, "kind": "pdf"}),
        ("UPDATE application_evidence SET sha256 = ? WHERE application_id = 'T00001'", [stored.sha256]),
    ], actor="收件窗口", action="导入申报文件", subject="b.csv")
    problems = _problems(folder)
    assert any("T00001 初审" in p and "申报内容与签名时不同（附件内容）" in p for p in problems), problems
