"""People and keys: the insider's attacks of issue 11 on the CA, names, passphrases, roles and revocation."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, DecisionRefused, decide
from models.signing.keys import PassphraseError, WrongPassphrase, passphrase_strength
from models.signing.people import (
    AdminAuth, Confirmation, add_reviewer, disable_reviewer, enable_reviewer, rekey_reviewer, revoke_reviewer,
)
from models.signing.reviewers import ReviewerError, init_ca, unlock, unlock_ca
from models.signing.signatures import canonical_bytes, sign_record
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import ADMIN, AUTH, CA_PASSPHRASE, CHEAP, PASSPHRASE, intake_row, write_csv, insert_behind_the_apps_back

NEW = "新口令-0123456789"


def _count(ws: Workspace, table: str = "reviewers") -> int:
    return ws.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _last_event(ws: Workspace) -> tuple[str, str, str, dict]:
    actor, action, subject, details = ws.db.execute(
        "SELECT actor, action, subject, details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return actor, action, subject, json.loads(details)


def _imported(ws: Workspace, tmp_path: Path) -> Workspace:
    from tests.workspace_support import import_as

    import_as(ws, write_csv(tmp_path / "in.csv", [intake_row(1)]))
    return ws


def test_the_ca_key_cannot_be_stored_without_a_passphrase(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w") as ws:
        with pytest.raises(TypeError):
            init_ca(ws)  # type: ignore[call-arg]  # the call is wrong on purpose: the test checks it is refused
        with pytest.raises(PassphraseError, match="至少需要 10 个字符"):
            init_ca(ws, passphrase="123456", kdf=CHEAP)
        assert _count(ws, "ca") == 0
        init_ca(ws, passphrase=CA_PASSPHRASE, kdf=CHEAP)
        blob = ws.db.execute("SELECT key_blob FROM ca").fetchone()[0]
        assert not blob.startswith(b"-----BEGIN") and b"AES-256-GCM" in blob
        assert _last_event(ws)[3]["key_encrypted"] is True
        with pytest.raises(WrongPassphrase, match="CA 口令错误"):
            unlock_ca(ws, "不是CA的口令-00000")


def test_a_look_alike_name_with_a_zero_width_space_is_refused(ws: Workspace) -> None:
    with pytest.raises(ReviewerError, match="U\\+200B"):
        add_reviewer(ws, "审核员乙\u200b", "复核", NEW, auth=AUTH, kdf=CHEAP)
    for invisible in ("审核员\u2060乙", "审\u3164核员", "审核员乙\u00ad"):
        with pytest.raises(ReviewerError, match="不可见字符"):
            add_reviewer(ws, invisible, "复核", NEW, auth=AUTH, kdf=CHEAP)
    assert _count(ws) == 4


def test_a_name_equal_after_nfkc_is_refused_and_names_are_stored_normalised(ws: Workspace) -> None:
    add_reviewer(ws, " Ｚｈａｎｇ Ｓａｎ ", "复核", NEW, auth=AUTH, kdf=CHEAP)
    assert ws.db.execute("SELECT 1 FROM reviewers WHERE name = 'Zhang San'").fetchone()
    with pytest.raises(ReviewerError, match="已有名为 Zhang San 的人员"):
        add_reviewer(ws, "zhang san", "初审", NEW, auth=AUTH, kdf=CHEAP)
    with pytest.raises(ReviewerError, match="已有名为 审核员乙"):
        add_reviewer(ws, "审核员乙", "复核", NEW, auth=AUTH, kdf=CHEAP)


def test_a_one_character_passphrase_is_refused_saying_why(ws: Workspace) -> None:
    with pytest.raises(PassphraseError, match="至少需要 10 个字符（现为 1 个）：加密的密钥会随备份和会评包离开本机"):
        add_reviewer(ws, "审核员戊", "复核", "1", auth=AUTH, kdf=CHEAP)
    assert _count(ws) == 4
    assert passphrase_strength("1").startswith("太短") and passphrase_strength("聊城市工信局-审核-2026").startswith("强")


def test_only_a_system_administrator_with_both_passphrases_adds_people(ws: Workspace) -> None:
    attempts = [
        (AdminAuth(CA_PASSPHRASE), ReviewerError, "须由系统管理员办理"),
        (AdminAuth(CA_PASSPHRASE, "审核员甲", PASSPHRASE), ReviewerError, "只有系统管理员可以管理人员"),
        (AdminAuth(CA_PASSPHRASE, ADMIN, "错误的口令-0000000"), WrongPassphrase, f"{ADMIN} 的口令错误"),
        (AdminAuth("错误的CA口令-000000", ADMIN, PASSPHRASE), WrongPassphrase, "CA 口令错误"),
    ]
    for auth, error, message in attempts:
        with pytest.raises(error, match=message):
            add_reviewer(ws, "审核员戊", "复核", NEW, auth=auth, kdf=CHEAP)
    assert _count(ws) == 4
    add_reviewer(ws, "审核员戊", "复核", NEW, auth=AUTH, kdf=CHEAP)
    actor, action, subject, details = _last_event(ws)
    assert (actor, action, subject, details["by"]) == (ADMIN, "新增审核人员", "审核员戊", ADMIN)


def test_a_second_administrator_needs_the_first(ws: Workspace) -> None:
    with pytest.raises(ReviewerError, match="须由系统管理员办理"):
        add_reviewer(ws, "管理员己", "系统管理员", NEW, auth=AdminAuth(CA_PASSPHRASE), kdf=CHEAP)


def test_the_administrator_and_the_auditor_decide_nothing(ws: Workspace, tmp_path: Path) -> None:
    _imported(ws, tmp_path)
    add_reviewer(ws, "审计员庚", "审计员", NEW, auth=AUTH, kdf=CHEAP)
    for name, passphrase in ((ADMIN, PASSPHRASE), ("审计员庚", NEW)):
        with pytest.raises(Exception, match="不参与审核"):
            declare_conflict(ws, "T00001", name, has_conflict=False, passphrase=passphrase)
        with pytest.raises(DecisionRefused, match="不能作出初审决定"):
            decide(ws, DecisionInput("T00001", "初审", "通过", name, Decimal("500000")), passphrase)
    assert _count(ws, "decisions") == 0 and _count(ws, "conflicts") == 0


def _first_decision(ws: Workspace, tmp_path: Path) -> None:
    _imported(ws, tmp_path)
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000")), PASSPHRASE)


def test_revocation_takes_effect_from_its_time(ws: Workspace, tmp_path: Path) -> None:
    _first_decision(ws, tmp_path)
    kept_key = unlock(ws, "审核员甲", PASSPHRASE)  # the insider keeps the unlocked key
    revoked_at = revoke_reviewer(ws, "审核员甲", auth=AUTH, reason="调离岗位")
    assert _last_event(ws)[:3] == (ADMIN, "吊销审核人员证书", "审核员甲")
    with pytest.raises(ReviewerError, match="已于 .* 吊销"):
        unlock(ws, "审核员甲", PASSPHRASE)
    report = verify_workspace(ws)
    assert report.ok, report.problems
    assert any("作于吊销之前" in line and "仍然有效" in line for line in report.lines)

    # After the revocation, the kept key signs a new decision written in with SQL.
    row = dict(next(ws.db.query("SELECT * FROM decisions")))
    record = json.loads(row["record"])
    later = (datetime.fromisoformat(revoked_at) + timedelta(minutes=1)).isoformat(timespec="seconds")
    record["decision"] |= {"uuid": "forged-after-revocation", "decided_at": later}
    row |= {"uuid": "forged-after-revocation", "decided_at": later, "current": 0,
            "record": canonical_bytes(record).decode(), "signature": base64.b64encode(
                sign_record(kept_key, record)).decode()}
    insert_behind_the_apps_back(ws.db, "decisions", row)
    report = verify_workspace(ws)
    assert not report.ok
    assert any("forged-after-revocation" in p and "吊销" in p and "签名无效" in p for p in report.problems)


def test_a_revoked_or_disabled_reviewer_cannot_decide(ws: Workspace, tmp_path: Path) -> None:
    _imported(ws, tmp_path)
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    key = unlock(ws, "审核员甲", PASSPHRASE)
    disable_reviewer(ws, "审核员甲", auth=AUTH, reason="休假")
    from models.review.decisions import decide_with_key

    with pytest.raises(ReviewerError, match="已停用"):
        decide_with_key(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000")), key)
    enable_reviewer(ws, "审核员甲", auth=AUTH, reason="返岗")
    decide_with_key(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("500000")), key)
    with pytest.raises(ReviewerError, match="不能停用自己"):
        disable_reviewer(ws, ADMIN, auth=AUTH, reason="试试")


def test_rekey_keeps_earlier_signatures_valid(ws: Workspace, tmp_path: Path) -> None:
    _first_decision(ws, tmp_path)
    rekey_reviewer(ws, "审核员甲", NEW, auth=AUTH, confirmation=Confirmation("科长丙", PASSPHRASE), kdf=CHEAP)
    assert _last_event(ws)[:3] == (ADMIN, "更换审核人员密钥", "审核员甲")
    with pytest.raises(WrongPassphrase):
        unlock(ws, "审核员甲", PASSPHRASE)
    unlock(ws, "审核员甲", NEW)
    report = verify_workspace(ws)
    assert report.ok, report.problems
    assert any("更换密钥" in line and "仍然有效" in line for line in report.lines)


def test_an_old_workspaces_clear_ca_key_is_refused_until_protected(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from models.signing.ca import cert_to_pem, create_ca
    from models.signing.reviewers import protect_ca

    bundle = create_ca()
    with Workspace.open(tmp_path / "old") as ws:
        ws.db.execute("INSERT INTO ca (id, certificate_pem, key_blob, origin, created_at) VALUES (1, ?, ?, 'generated', "
                      "'2025-01-01T00:00:00+08:00')", [cert_to_pem(bundle.certificate), bundle.key.private_bytes(
                          Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())])
        with pytest.raises(ReviewerError, match="未加密存放.*ca protect"):
            add_reviewer(ws, ADMIN, "系统管理员", PASSPHRASE, auth=AdminAuth(CA_PASSPHRASE), kdf=CHEAP)
        protect_ca(ws, CA_PASSPHRASE, kdf=CHEAP)
        add_reviewer(ws, ADMIN, "系统管理员", PASSPHRASE, auth=AdminAuth(CA_PASSPHRASE), kdf=CHEAP)
        assert _last_event(ws)[:3] == (ADMIN, "新增审核人员", ADMIN)
