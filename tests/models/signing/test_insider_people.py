"""An insider with SQL, the source code and their own key only tries to act as someone else or in another role.

Every forgery here comes with a consistent audit entry (tests/insider.py), so
the chain and the replay hold: what catches it is that a certificate names its
holder and role, signed by the workspace CA, and no table row can change that.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.ca import cert_to_pem, create_ca, fingerprint, issue_reviewer
from models.signing.keys import decrypt_private_key, encrypt_private_key
from models.signing.people import revoke_reviewer
from models.workspace.anchors import AnchorMismatch, anchors_dir
from models.workspace.audit import now_text
from models.signing.reviewers import ReviewerError
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.insider import forge_logged, forged_decision, insert_row, row_of
from tests.workspace_support import AUTH, CHEAP, PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """T00001 decided at 初审 by 审核员甲, T00002 at 初审 by 科长丙; both await 复核."""
    ws = staffed_workspace(tmp_path / "ws")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1), intake_row(2)]))
    for application_id, reviewer in (("T00001", "审核员甲"), ("T00002", "科长丙")):
        declare_conflict(ws, application_id, reviewer, has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(application_id, "初审", "通过", reviewer, Decimal("300000")), PASSPHRASE)
    ws.close()
    return tmp_path / "ws"


def _problems(folder: Path) -> list[str]:
    with Workspace.open(folder) as ws:
        return verify_workspace(ws).problems


def test_listing_ones_own_certificate_under_another_reviewers_name_does_not_let_one_sign_as_them(folder: Path) -> None:
    mine = row_of(folder, "SELECT * FROM reviewers WHERE name = '审核员甲'")
    key = decrypt_private_key(mine["key_blob"], PASSPHRASE, associated="审核员甲")
    rewrapped = encrypt_private_key(key, PASSPHRASE, CHEAP, associated="审核员乙")
    forge_logged(folder, [
        ("UPDATE reviewers SET certificate_pem = ?, fingerprint = ?, key_blob = ? WHERE name = '审核员乙'",
         [mine["certificate_pem"], mine["fingerprint"], rewrapped]),
        insert_row("reviewer_certificates", {"fingerprint": mine["fingerprint"] + "-乙", "name": "审核员乙",
                                             "certificate_pem": mine["certificate_pem"],
                                             "issued_at": "2024-01-01T00:00:00+08:00"}),
    ], actor="管理员丁", action="更换审核人员密钥", subject="审核员乙")
    with Workspace.open(folder) as ws:
        with pytest.raises(ReviewerError, match="登记给 审核员乙 的证书是签发给「审核员甲」的"):
            declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        with pytest.raises(ReviewerError, match="签发给「审核员甲」"):
            decide(ws, DecisionInput("T00001", "复核", "通过", "审核员乙", Decimal("300000")), PASSPHRASE)
    forge_logged(folder, [insert_row("decisions", forged_decision(folder, "T00001", "复核", "审核员乙", "审核员甲", PASSPHRASE))],
                 actor="审核员乙", action="复核决定", subject="T00001")
    problems = _problems(folder)
    unconfirmed = [p for p in problems if "没有本人或负责人的确认签名" in p]
    assert len(unconfirmed) == 1 and "更换审核人员密钥 审核员乙" in unconfirmed[0], problems  # no second person
    assert not [p for p in problems if (p.startswith("表 ") or "审计日志第" in p) and p not in unconfirmed], problems
    assert any(p.startswith("人员表 reviewers 键 审核员乙") and "签发给「审核员甲」" in p for p in problems), problems
    assert any(p.startswith("证书表 reviewer_certificates") and "签发给「审核员甲」" in p for p in problems), problems
    assert any("T00001 复核，审核员乙" in p and "签名无效" in p for p in problems), problems


def test_editing_ones_own_role_gives_no_right_to_decide_another_stage(folder: Path) -> None:
    forge_logged(folder, ["UPDATE reviewers SET role = '复核' WHERE name = '审核员甲'"],
                 actor="管理员丁", action="修改设置", subject="审核员甲")
    with Workspace.open(folder) as ws, \
            pytest.raises(ReviewerError, match="审核员甲 的证书签发的角色是初审，人员记录却是复核"):
        decide(ws, DecisionInput("T00002", "复核", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    forge_logged(folder, [insert_row("decisions", forged_decision(folder, "T00002", "复核", "审核员甲", "审核员甲", PASSPHRASE))],
                 actor="审核员甲", action="复核决定", subject="T00002")
    problems = _problems(folder)
    assert any("T00002 复核" in p and "证书角色是初审，不能作出复核决定" in p for p in problems), problems
    assert any(p.startswith("人员表 reviewers 键 审核员甲") and "角色是初审" in p for p in problems), problems


def test_one_person_signing_both_stages_outside_the_app_is_named(folder: Path) -> None:
    """科长丙 may decide either stage, but not both of one application: his own key signs the second."""
    forge_logged(folder, [insert_row("decisions", forged_decision(folder, "T00002", "复核", "科长丙", "科长丙", PASSPHRASE))],
                 actor="科长丙", action="复核决定", subject="T00002")
    problems = _problems(folder)
    assert problems == ["申报 T00002：科长丙 作出了初审、复核两个阶段的决定，同一人只能在一个阶段作出决定"], problems


def _revoke(folder: Path, name: str) -> str:
    with Workspace.open(folder) as ws:
        return revoke_reviewer(ws, name, auth=AUTH, reason="调离审核岗位")


def test_a_revocation_edited_back_out_of_the_tables_still_stands(folder: Path) -> None:
    revoked_at = _revoke(folder, "审核员乙")
    forge_logged(folder, ["UPDATE reviewers SET status = '在用', revoked_at = NULL WHERE name = '审核员乙'",
                          "UPDATE reviewer_certificates SET revoked_at = NULL WHERE name = '审核员乙'"],
                 actor="管理员丁", action="启用审核人员", subject="审核员乙")
    with Workspace.open(folder) as ws, pytest.raises(ReviewerError, match="审核员乙 的证书已于 .* 吊销（审计日志第"):
        declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
    forge_logged(folder, [insert_row("decisions", forged_decision(folder, "T00001", "复核", "审核员乙", "审核员乙", PASSPHRASE,
                                                                   decided_at=now_text()))],
                 actor="审核员乙", action="复核决定", subject="T00001")
    problems = _problems(folder)
    assert any(f"已于 {revoked_at} 吊销" in p and "吊销不能撤销" in p for p in problems), problems
    assert any("T00001 复核" in p and "签名无效" in p for p in problems), problems  # by time, or by log order


def test_a_decision_back_dated_before_its_signers_revocation_is_void_by_the_logs_order(folder: Path) -> None:
    """The revoked insider signs with a time before the revocation; the log holds it only after."""
    first = row_of(folder, "SELECT decided_at FROM decisions WHERE application_id = 'T00001'")["decided_at"]
    with Workspace.open(folder) as ws:
        declare_conflict(ws, "T00001", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
    _revoke(folder, "审核员乙")
    forge_logged(folder, [insert_row("decisions", forged_decision(folder, "T00001", "复核", "审核员乙", "审核员乙", PASSPHRASE,
                                                                   decided_at=first))],
                 actor="审核员乙", action="复核决定", subject="T00001")
    problems = _problems(folder)
    assert len(problems) == 1 and "T00001 复核" in problems[0] and f"签名时间 {first} 早于" in problems[0] \
        and "签名时间是倒填的，签名无效" in problems[0], problems


def test_replacing_the_ca_with_ones_own_to_issue_certificates_is_refused_and_named(folder: Path) -> None:
    own_ca = create_ca()
    key, certificate = issue_reviewer(own_ca, "审核员乙", "复核")
    blob = encrypt_private_key(key, PASSPHRASE, CHEAP, associated="审核员乙")
    forge_logged(folder, [
        ("UPDATE ca SET certificate_pem = ?", [cert_to_pem(own_ca.certificate)]),
        ("UPDATE reviewers SET certificate_pem = ?, fingerprint = ?, key_blob = ? WHERE name = '审核员乙'",
         [cert_to_pem(certificate), fingerprint(certificate), blob]),
        insert_row("reviewer_certificates", {"fingerprint": fingerprint(certificate), "name": "审核员乙",
                                             "certificate_pem": cert_to_pem(certificate),
                                             "issued_at": "2024-01-01T00:00:00+08:00"}),
    ], actor="管理员丁", action="更换审核人员密钥", subject="审核员乙")
    with pytest.raises(AnchorMismatch, match="本工作区的 CA 证书已被更换"):
        Workspace.open(folder)
    for anchor in anchors_dir().rglob("*.json"):  # the insider deletes this PC's anchors too
        anchor.unlink()
    problems = _problems(folder)
    assert any("把本工作区的 CA 证书换成了另一张" in p for p in problems), problems
    assert any("T00001 初审" in p and "不是本工作区 CA 签发的" in p for p in problems), problems
