"""停用 and 启用 are signed by the 系统管理员; a person's status is what those signed records give.

Each attack is an insider's: SQL on the workspace file and a consistent audit
entry (tests/insider.py), perhaps signed with their own reviewer key. The chain
and the replay hold; the signed records do not.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.keys import decrypt_private_key
from models.signing.people import disable_reviewer, enable_reviewer
from models.signing.reviewers import ReviewerError, require_active
from models.signing.signatures import ALGORITHM, sign_record
from models.signing.status import DISABLE_ACTION, ENABLE_ACTION, logged_status, status_record
from models.workspace import signed_scope
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from tests.insider import forge_logged, row_of
from tests.workspace_support import ADMIN, AUTH, PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

RE_ENABLE = "UPDATE reviewers SET status = '在用' WHERE name = '审核员乙'"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """T00001 decided at 初审 by 审核员甲; 审核员乙 (复核) disabled by 管理员丁."""
    ws = staffed_workspace(tmp_path / "ws")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    disable_reviewer(ws, "审核员乙", auth=AUTH, reason="休假")
    ws.close()
    return tmp_path / "ws"


def _problems(folder: Path) -> list[str]:
    with Workspace.open(folder) as ws:
        return verify_workspace(ws).problems


def _last_details(folder: Path, action: str) -> dict:
    return json.loads(row_of(folder, "SELECT details FROM audit WHERE action = ? ORDER BY seq DESC", [action])["details"])


def _refused_everywhere(folder: Path, tmp_path: Path, match: str) -> None:
    with Workspace.open(folder) as ws:
        with pytest.raises(ReviewerError, match=match):
            declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        with pytest.raises(ReviewerError, match=match):
            decide(ws, DecisionInput("T00001", "复核", "通过", "审核员乙", Decimal("300000")), PASSPHRASE)
        with pytest.raises(ReviewerError, match=match):
            export_sheets(ws, tmp_path / "out", ["T00001"], "审核员乙", PASSPHRASE)
    assert not list(tmp_path.glob("out/*"))


def test_disabling_and_enabling_are_signed_records_of_the_administrator(folder: Path) -> None:
    details = _last_details(folder, DISABLE_ACTION)
    record = details["record"]
    assert record | {"at": "", "previous": "", "person_fingerprint": ""} == {
        "alg": ALGORITHM, "kind": DISABLE_ACTION, "person": "审核员乙", "by": ADMIN, "reason": "休假",
        "at": "", "previous": "", "person_fingerprint": ""}
    assert details["signature"]
    with Workspace.open(folder) as ws:
        assert logged_status(ws, "审核员乙").disabled
        enable_reviewer(ws, "审核员乙", auth=AUTH, reason="返岗")
        assert not logged_status(ws, "审核员乙").disabled
        report = verify_workspace(ws)
        assert report.ok, report.problems
        declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
    enabled = _last_details(folder, ENABLE_ACTION)["record"]
    disabled_hash = row_of(folder, "SELECT hash FROM audit WHERE action = ?", [DISABLE_ACTION])["hash"]
    assert enabled["previous"] == disabled_hash  # each record names the entry it follows


def test_re_enabling_with_sql_and_a_forged_consistent_entry_is_refused_and_named(folder: Path, tmp_path: Path) -> None:
    forge_logged(folder, [RE_ENABLE], actor=ADMIN, action=ENABLE_ACTION, subject="审核员乙",
                 details={"by": ADMIN, "reason": "返岗"})
    assert row_of(folder, "SELECT status FROM reviewers WHERE name = '审核员乙'")["status"] == "在用"
    _refused_everywhere(folder, tmp_path, r"审核员乙 已于 .* 由 管理员丁 停用（审计日志第 \d+ 条.*没有系统管理员的签名")
    problems = _problems(folder)
    assert not [p for p in problems if p.startswith("表 ") or "审计日志完整" in p], problems  # chain and replay hold
    assert any(f"（{ENABLE_ACTION} 审核员乙，管理员丁）不予承认：没有系统管理员的签名" in p for p in problems), problems
    assert "人员表 reviewers 键 审核员乙：status 现为 在用，按系统管理员签名的停用、启用记录应为 停用" in problems


def test_an_enable_record_signed_with_a_reviewers_own_key_does_not_count(folder: Path, tmp_path: Path) -> None:
    """审核员甲 (初审) signs the record in the administrator's name with their own key."""
    blob = row_of(folder, "SELECT key_blob FROM reviewers WHERE name = '审核员甲'")["key_blob"]
    key = decrypt_private_key(blob, PASSPHRASE, associated="审核员甲")
    previous = row_of(folder, "SELECT hash FROM audit WHERE action = ?", [DISABLE_ACTION])["hash"]
    for by in ("审核员甲", ADMIN):
        record = status_record(ENABLE_ACTION, "审核员乙", "", by, "返岗", previous)
        forge_logged(folder, [RE_ENABLE], actor=by, action=ENABLE_ACTION, subject="审核员乙", details={
            "by": by, "reason": "返岗", "record": record,
            "signature": base64.b64encode(sign_record(key, record)).decode("ascii")})
    _refused_everywhere(folder, tmp_path, "不予承认")
    problems = _problems(folder)
    assert any("（启用审核人员 审核员乙，审核员甲）不予承认：签名人 审核员甲 的证书角色是初审，只有系统管理员可以停用、启用人员"
               in p for p in problems), problems
    assert any("（启用审核人员 审核员乙，管理员丁）不予承认：签名无效" in p for p in problems), problems


def test_a_genuine_enable_record_copied_into_a_new_entry_does_not_count(folder: Path, tmp_path: Path) -> None:
    with Workspace.open(folder) as ws:
        enable_reviewer(ws, "审核员乙", auth=AUTH, reason="返岗")
        disable_reviewer(ws, "审核员乙", auth=AUTH, reason="再次休假")
    first_enable = _last_details(folder, ENABLE_ACTION)
    forge_logged(folder, [RE_ENABLE], actor=ADMIN, action=ENABLE_ACTION, subject="审核员乙", details=first_enable)
    _refused_everywhere(folder, tmp_path, "复制来的旧签名记录")
    assert any("不予承认：签名记录接续的不是此人上一条停用、启用记录" in p for p in _problems(folder))


def test_an_unsigned_disable_from_before_the_upgrade_stands_and_later_unsigned_ones_are_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace made and used by the version before this one, which wrote 停用 unsigned."""
    with monkeypatch.context() as old_version:
        old_version.setattr(signed_scope, "creation_details", dict)
        old_version.setattr(signed_scope, "mark_upgrade", lambda db, actor: None)
        staffed_workspace(tmp_path / "ws").close()
        forge_logged(tmp_path / "ws", ["UPDATE reviewers SET status = '停用' WHERE name = '审核员乙'"], actor=ADMIN,
                     action=DISABLE_ACTION, subject="审核员乙", details={"by": ADMIN, "reason": "休假"})
    folder = tmp_path / "ws"
    with Workspace.open(folder) as ws:  # the upgrade: this version marks where signing begins
        assert signed_scope.signed_from(ws.db, signed_scope.PEOPLE_STATUS) is not None
        assert logged_status(ws, "审核员乙").disabled
        report = verify_workspace(ws)
        assert report.ok, report.problems
    forge_logged(folder, [RE_ENABLE], actor=ADMIN, action=ENABLE_ACTION, subject="审核员乙",
                 details={"by": ADMIN, "reason": "返岗"})
    problems = _problems(folder)
    assert any("（启用审核人员 审核员乙，管理员丁）不予承认：没有系统管理员的签名" in p for p in problems), problems
    with Workspace.open(folder) as ws:
        with pytest.raises(ReviewerError, match="没有系统管理员的签名"):
            require_active(ws, "审核员乙")
        enable_reviewer(ws, "审核员乙", auth=AUTH, reason="返岗")  # the signed record repairs it
        assert not logged_status(ws, "审核员乙").disabled


def test_a_forged_marker_cannot_move_the_start_of_signing_back(folder: Path) -> None:
    forge_logged(folder, [], actor="系统", action=signed_scope.CREATE_ACTION, subject="x", details={})
    forge_logged(folder, [], actor="系统", action=signed_scope.MARK_ACTION, subject="",
                 details={"signed_kinds": [signed_scope.PEOPLE_STATUS]})
    forge_logged(folder, [RE_ENABLE], actor=ADMIN, action=ENABLE_ACTION, subject="审核员乙",
                 details={"by": ADMIN, "reason": "返岗"})
    with Workspace.open(folder) as ws:
        assert signed_scope.signed_from(ws.db, signed_scope.PEOPLE_STATUS) == 2
        assert logged_status(ws, "审核员乙").disabled
