"""Signed conflict declarations: nobody declares or withdraws in another reviewer's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.review.conflicts import ConflictRefused, conflict_declared, conflict_problem, declare_conflict, withdraw_conflict
from models.signing.keys import WrongPassphrase
from models.signing.people import Confirmation, rekey_reviewer
from models.signing.reviewers import get_reviewer, unlock
from models.workspace.workspace import Workspace
from tests.workspace_support import AUTH, CHEAP, PASSPHRASE, import_as, intake_row, write_csv

OTHER = "乙的新口令-0123456"


@pytest.fixture
def two(ws: Workspace, tmp_path: Path) -> Workspace:
    """T00001 imported; 审核员乙 has a passphrase of their own."""
    import_as(ws, write_csv(tmp_path / "in.csv", [intake_row(1)]))
    rekey_reviewer(ws, "审核员乙", OTHER, auth=AUTH, confirmation=Confirmation("审核员乙", PASSPHRASE), kdf=CHEAP)
    return ws


def _rows(ws: Workspace) -> list[tuple]:
    return ws.db.execute("SELECT * FROM conflicts").fetchall()


def test_declaring_in_another_reviewers_name_is_refused(two: Workspace) -> None:
    mine = unlock(two, "审核员甲", PASSPHRASE)
    with pytest.raises(ConflictRefused, match="不是 审核员乙 的密钥"):
        declare_conflict(two, "T00001", "审核员乙", has_conflict=True, reason="阻止其审核", key=mine)
    with pytest.raises(WrongPassphrase, match="审核员乙 的口令错误"):
        declare_conflict(two, "T00001", "审核员乙", has_conflict=True, reason="阻止其审核", passphrase=PASSPHRASE)
    with pytest.raises(ConflictRefused, match="须由 审核员乙 本人签名"):
        declare_conflict(two, "T00001", "审核员乙", has_conflict=False)
    assert _rows(two) == []


def test_withdrawing_another_reviewers_conflict_needs_their_passphrase_and_a_reason(two: Workspace) -> None:
    declare_conflict(two, "T00001", "审核员乙", has_conflict=True, reason="其配偶在该企业任职", passphrase=OTHER)
    before = _rows(two)
    with pytest.raises(WrongPassphrase):
        withdraw_conflict(two, "T00001", "审核员乙", PASSPHRASE, "由甲代为撤回")
    with pytest.raises(ConflictRefused, match="须写明原因"):
        withdraw_conflict(two, "T00001", "审核员乙", OTHER, "  ")
    with pytest.raises(ConflictRefused, match="如声明有误，须由本人输入口令并写明原因撤回"):
        declare_conflict(two, "T00001", "审核员乙", has_conflict=False, passphrase=OTHER)
    assert _rows(two) == before and conflict_declared(two, "T00001", "审核员乙") is True

    withdraw_conflict(two, "T00001", "审核员乙", OTHER, "误填：配偶已于去年离职")
    assert conflict_declared(two, "T00001", "审核员乙") is None
    events = two.db.execute("SELECT actor, action, details FROM audit WHERE subject = 'T00001' "
                            "AND action LIKE '%利益冲突声明' ORDER BY seq").fetchall()
    assert [(actor, action) for actor, action, _ in events] == [
        ("审核员乙", "利益冲突声明"), ("审核员乙", "撤回利益冲突声明")]
    withdrawal = json.loads(events[1][2])
    assert withdrawal["reason"] == "误填：配偶已于去年离职" and withdrawal["signature"]


def test_a_declaration_edited_in_the_database_no_longer_verifies(two: Workspace) -> None:
    declare_conflict(two, "T00001", "审核员甲", has_conflict=True, reason="亲属任职", passphrase=PASSPHRASE)
    certificate = get_reviewer(two, "审核员甲").certificate
    row = dict(next(two.db.query("SELECT * FROM conflicts")))
    assert conflict_problem(row, certificate) is None
    assert "has_conflict 与签名记录不符" in conflict_problem({**row, "has_conflict": 0}, certificate)
    assert "没有声明人的签名" in conflict_problem({**row, "signature": ""}, certificate)
    other = get_reviewer(two, "审核员乙").certificate
    assert "签名无效" in conflict_problem({**row, "reviewer": "审核员乙"}, other)


def test_audit_verify_names_a_declaration_edited_or_inserted_with_sql(two: Workspace) -> None:
    from models.workspace.verification import verify_workspace

    declare_conflict(two, "T00001", "审核员甲", has_conflict=True, reason="亲属任职", passphrase=PASSPHRASE)
    assert verify_workspace(two).ok
    two.db.execute("UPDATE conflicts SET has_conflict = 0")
    two.db.execute("INSERT INTO conflicts (application_id, reviewer, has_conflict, reason, declared_at, insertion_order) "
                   "VALUES ('T00001', '审核员乙', 1, '冒名', '2000-01-01T00:00:00+08:00', 99)")
    problems = verify_workspace(two).problems
    assert any("审核员甲 对 T00001" in p and "has_conflict 与签名记录不符" in p for p in problems)
    assert any("审核员乙 对 T00001" in p and "没有声明人的签名" in p for p in problems)
