"""Imports and restores are signed by the person who makes them; ``audit verify`` names every entry that is not.

Each attack is an insider's: SQL on the workspace file and a consistent audit entry (tests/insider.py),
unsigned, or signed with some key they hold. The chain, the replay and the re-derived assessments all hold;
the signed record does not.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.people import add_reviewer, disable_reviewer, revoke_reviewer
from models.signing.reviewers import ReviewerError
from models.signing.signatures import ALGORITHM
from models.intake.importing import import_file
from models.signing.signed_entries import IMPORT_ACTION, ActingSigner, SigningRefused, unlock_importer
from models.workspace import signed_scope
from models.workspace.anchors import RESTORE_ACTION
from models.workspace.backup import BackupError, Restorer, restore_backup, write_backup
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.insider import forge_logged, forge_signed, row_of, scratch_copy
from tests.workspace_support import (AUTH, CHEAP, PASSPHRASE, RESTORER, import_as, intake_row, returned_for,
                                     signer_of, staffed_workspace, write_csv)

AUDITOR = "审计员庚"
UPGRADE = {"申报事项": "技术改造项目", "产业": "纺织服装", "总投资额(万元)": "800", "设备购置额(万元)": "600"}
RAISED = UPGRADE | {"设备购置额(万元)": "2000", "总投资额(万元)": "2400"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """T00001, a 技术改造项目 nobody has decided yet, imported by 审核员甲; an 审计员 among the people."""
    ws = staffed_workspace(tmp_path / "ws")
    add_reviewer(ws, AUDITOR, "审计员", PASSPHRASE, auth=AUTH, kdf=CHEAP)
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1, **UPGRADE)]))
    ws.close()
    return tmp_path / "ws"


def _problems(folder: Path) -> list[str]:
    with Workspace.open(folder) as ws:
        return verify_workspace(ws).problems


def _entry(folder: Path, action: str) -> dict[str, Any]:
    return row_of(folder, "SELECT seq, actor, subject, details, prev_hash FROM audit WHERE action = ? "
                  "ORDER BY seq DESC", [action])


def _raised_rows(folder: Path, tmp_path: Path) -> list[tuple[str, list[Any]]]:
    """The insider's statements: T00001's 设备购置额 raised, and its assessment exactly as the engine gives it for
    the raised fields (taken from a genuine import in a scratch copy), so the re-derivation agrees."""
    scratch = scratch_copy(folder, tmp_path / "scratch")
    with Workspace.open(scratch, lock=False, check_anchors=False) as ws:
        import_as(ws, write_csv(tmp_path / "raised.csv", [intake_row(1, **RAISED)]), update=True)
    app = row_of(scratch, "SELECT total_investment_yuan, equipment_yuan FROM applications WHERE application_id = 'T00001'")
    assessed = row_of(scratch, "SELECT * FROM assessments WHERE application_id = 'T00001'")
    columns = [c for c in assessed if c != "application_id"]
    return [("UPDATE applications SET total_investment_yuan = ?, equipment_yuan = ? WHERE application_id = 'T00001'",
             [app["total_investment_yuan"], app["equipment_yuan"]]),
            (f"UPDATE assessments SET {', '.join(f'{c} = ?' for c in columns)} WHERE application_id = 'T00001'",
             [assessed[c] for c in columns])]


def _facts(name: str = "b.csv") -> dict[str, str]:
    return {"file": name, "sha256": hashlib.sha256(name.encode()).hexdigest()}


def _cap(folder: Path) -> str:
    return str(row_of(folder, "SELECT cap_yuan FROM assessments WHERE application_id = 'T00001'")["cap_yuan"])


def _consistent_but_for_the_signature(problems: list[str]) -> None:
    """The chain holds, the tables are the replay, and every assessment is the engine's: only the record objects."""
    assert not [p for p in problems if p.startswith("表 ") or "内容已被改动" in p or "评估" in p], problems


def test_an_import_entry_carries_a_record_its_importer_signed_over_the_file_and_the_rows(folder: Path) -> None:
    entry = _entry(folder, IMPORT_ACTION)
    details = json.loads(entry["details"])
    record = details["record"]
    assert record | {"at": ""} == {
        "alg": ALGORITHM, "kind": IMPORT_ACTION, "subject": "a.csv", "by": "审核员甲", "at": "",
        "file": "a.csv", "sha256": details["sha256"], "previous": entry["prev_hash"],
        "changes": {"from": details["changes_from"], "sha256": details["changes_sha256"], "count": details["changes"]}}
    assert details["signature"] and entry["actor"] == "审核员甲"
    assert _problems(folder) == []


def test_updates_resubmissions_and_reopenings_are_signed_by_their_importer(folder: Path, tmp_path: Path) -> None:
    """(A chosen policy version's entry: tests/policy/test_versioned_decisions.py.)"""
    with Workspace.open(folder) as ws:
        import_as(ws, write_csv(tmp_path / "b.csv", [intake_row(2)]), by="科长丙")
        for application_id, outcome, extra in (("T00001", "退回补正", returned_for()), ("T00002", "通过", {})):
            declare_conflict(ws, application_id, "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
            decide(ws, DecisionInput(application_id, "初审", outcome, "审核员甲",
                                     Decimal("300000") if outcome == "通过" else None, **extra), PASSPHRASE)
        import_as(ws, write_csv(tmp_path / "c.csv", [intake_row(1, **UPGRADE)]), by="审核员乙", update=True)
        import_as(ws, write_csv(tmp_path / "d.csv", [intake_row(2, **{"申请金额(万元)": "40"})]), by="审核员乙",
                  update=True, supersede_reason="收件窗口更正申请金额")
        entries = ws.db.execute("SELECT actor, action, subject, details FROM audit WHERE action IN "
                                "('导入申报文件', '指定政策版本', '补正材料重新提交', '撤销决定并退回重审') ORDER BY seq").fetchall()
        assert verify_workspace(ws).problems == []
    assert [(actor, action, subject) for actor, action, subject, _ in entries] == [
        ("审核员甲", "导入申报文件", "a.csv"), ("科长丙", "导入申报文件", "b.csv"),
        ("审核员乙", "导入申报文件", "c.csv"), ("审核员乙", "补正材料重新提交", "T00001"),
        ("审核员乙", "撤销决定并退回重审", "T00002"), ("审核员乙", "导入申报文件", "d.csv")]
    for actor, action, subject, details in entries:
        record = json.loads(details)["record"]
        assert (record["by"], record["kind"], record["subject"]) == (actor, action, subject)
        assert record["file"] in ("a.csv", "b.csv", "c.csv", "d.csv") and record["sha256"]


def test_an_unsigned_consistent_import_entry_raising_a_field_is_named(folder: Path, tmp_path: Path) -> None:
    before = _cap(folder)
    forge_logged(folder, _raised_rows(folder, tmp_path), actor="审核员甲", action=IMPORT_ACTION, subject="b.csv",
                 details={"sha256": _facts()["sha256"], "rows": 1, "updated": ["T00001"]})
    assert _cap(folder) != before  # the forged fields raised the cap, and the engine agrees with them
    problems = _problems(folder)
    _consistent_but_for_the_signature(problems)
    assert any(p.endswith("（导入申报文件 b.csv，审核员甲）不予承认：没有审核员甲本人的签名：导入、恢复须由操作人以本人密钥签名")
               for p in problems), problems


def test_a_files_only_resubmission_is_signed_and_a_forged_one_is_named(folder: Path, tmp_path: Path) -> None:
    """``resubmit`` (补充附件) changes an application as an import does: an insider's unsigned one is named."""
    from models.review.correction_evidence import add_evidence
    from models.review.corrections import ADDED_EVIDENCE, RESUBMITTED

    scan = tmp_path / "认定文件.pdf"
    scan.write_bytes(b"%PDF-1.4\n%scan\n")
    with Workspace.open(folder) as ws:
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", **returned_for()), PASSPHRASE)
        with pytest.raises(SigningRefused, match="审计员庚 的证书角色是审计员，不能补充补正附件"):
            add_evidence(ws, "T00001", [scan], signer_of(ws, AUDITOR))
        add_evidence(ws, "T00001", [scan], signer_of(ws, "审核员乙"))
        assert verify_workspace(ws).problems == []
    assert json.loads(_entry(folder, RESUBMITTED)["details"])["record"]["by"] == "审核员乙"
    forge_logged(folder, _raised_rows(folder, tmp_path), actor="审核员乙", action=RESUBMITTED, subject="T00001",
                 details={"file": ADDED_EVIDENCE, "superseded": [], "changed_fields": []})
    problems = _problems(folder)
    assert any(p.endswith("（补正材料重新提交 T00001，审核员乙）不予承认：没有审核员乙本人的签名：导入、恢复须由操作人以本人密钥签名")
               for p in problems), problems


@pytest.mark.parametrize(("key_of", "why"), [
    (AUDITOR, "签名人 审计员庚 的证书角色是审计员，只有初审、复核、负责人可以导入申报文件"),
    ("管理员丁", "签名人 管理员丁 的证书角色是系统管理员，只有初审、复核、负责人可以导入申报文件"),
])
def test_an_import_signed_by_someone_whose_role_may_not_import_is_named(folder: Path, tmp_path: Path, key_of: str,
                                                                         why: str) -> None:
    forge_signed(folder, _raised_rows(folder, tmp_path), signer=key_of, key_of=key_of, passphrase=PASSPHRASE,
                 action=IMPORT_ACTION, subject="b.csv", facts=_facts())
    problems = _problems(folder)
    _consistent_but_for_the_signature(problems)
    assert any(p.endswith(f"（导入申报文件 b.csv，{key_of}）不予承认：{why}") for p in problems), problems


def test_an_import_in_one_persons_name_signed_with_another_persons_key_is_named(folder: Path, tmp_path: Path) -> None:
    forge_signed(folder, _raised_rows(folder, tmp_path), signer="审核员甲", key_of="审核员乙", passphrase=PASSPHRASE,
                 action=IMPORT_ACTION, subject="b.csv", facts=_facts())
    problems = _problems(folder)
    _consistent_but_for_the_signature(problems)
    assert any(p.endswith("（导入申报文件 b.csv，审核员甲）不予承认：签名无效：不是 审核员甲 本人的密钥所签，或签名记录已被改动")
               for p in problems), problems


def test_an_import_signed_by_a_revoked_or_disabled_person_is_named(folder: Path, tmp_path: Path) -> None:
    statements = _raised_rows(folder, tmp_path)
    with Workspace.open(folder) as ws:
        revoke_reviewer(ws, "审核员甲", auth=AUTH, reason="离职")
        disable_reviewer(ws, "审核员乙", auth=AUTH, reason="休假")
    forge_signed(folder, statements[:1], signer="审核员甲", key_of="审核员甲", passphrase=PASSPHRASE,
                 action=IMPORT_ACTION, subject="b.csv", facts=_facts())
    forge_signed(folder, statements[1:], signer="审核员乙", key_of="审核员乙", passphrase=PASSPHRASE,
                 action=IMPORT_ACTION, subject="c.csv", facts=_facts("c.csv"))
    problems = _problems(folder)
    assert any("（导入申报文件 b.csv，审核员甲）不予承认：审核员甲 的证书已于" in p and "吊销，此后" in p for p in problems), problems
    assert any("（导入申报文件 c.csv，审核员乙）不予承认：签名人 审核员乙 已于审计日志第" in p and "停用期间不能导入申报文件" in p
               for p in problems), problems


def test_a_genuine_record_copied_into_a_new_entry_counts_for_nothing(folder: Path, tmp_path: Path) -> None:
    genuine = json.loads(_entry(folder, IMPORT_ACTION)["details"])
    copied = {key: value for key, value in genuine.items() if not key.startswith("changes")}
    forge_logged(folder, _raised_rows(folder, tmp_path), actor="审核员甲", action=IMPORT_ACTION, subject="a.csv",
                 details=copied)
    problems = _problems(folder)
    _consistent_but_for_the_signature(problems)
    assert any(p.endswith("（导入申报文件 a.csv，审核员甲）不予承认：签名记录接续的不是审计日志的上一条：这是复制来的旧签名记录，"
                          "或签名时的上一条已被改写") for p in problems), problems


def test_a_record_signed_over_other_rows_or_another_file_does_not_cover_the_entry(folder: Path, tmp_path: Path) -> None:
    """A genuine signature by an importer, over a record that says other rows, or another file, than the entry."""
    statements = _raised_rows(folder, tmp_path)
    forge_signed(folder, statements[:1], signer="审核员甲", key_of="审核员甲", passphrase=PASSPHRASE,
                 action=IMPORT_ACTION, subject="b.csv", facts=_facts(), details={"sha256": "0" * 64})
    forge_signed(folder, statements[1:], signer="审核员甲", key_of="审核员甲", passphrase=PASSPHRASE,
                 action=IMPORT_ACTION, subject="c.csv", facts=_facts("c.csv"), signed_rows_digest="0" * 64)
    problems = _problems(folder)
    assert any("（导入申报文件 b.csv，审核员甲）不予承认：签名记录的 sha256 为" in p and "签名的不是这个文件" in p
               for p in problems), problems
    assert any(p.endswith("（导入申报文件 c.csv，审核员甲）不予承认：签名记录中的数据改动摘要与该条审计记录所记录的数据改动不符："
                          "签名的不是这些改动") for p in problems), problems


def test_an_import_by_a_person_whose_role_may_not_import_is_refused_before_anything_is_written(
        folder: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", [intake_row(2)])
    with Workspace.open(folder) as ws:
        entries = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        for name, role in ((AUDITOR, "审计员"), ("管理员丁", "系统管理员")):
            with pytest.raises(SigningRefused, match=f"{name} 的证书角色是{role}，不能导入申报文件"):
                import_as(ws, path, by=name)
            with pytest.raises(SigningRefused, match="不能导入申报文件"):
                unlock_importer(ws, name, PASSPHRASE)  # the CLI's way in: refused before the key is touched
        with pytest.raises(SigningRefused, match="签名密钥与 审核员甲 的证书不符"):
            import_file(ws, path, signer=ActingSigner("审核员甲", signer_of(ws, "审核员乙").key))
        assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == entries
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 1
        disable_reviewer(ws, "审核员乙", auth=AUTH, reason="休假")
        with pytest.raises(ReviewerError, match="审核员乙 已停用"):
            import_as(ws, path, by="审核员乙")


def test_a_restore_is_signed_and_an_unsigned_or_forged_restore_entry_is_named(folder: Path, tmp_path: Path) -> None:
    with Workspace.open(folder) as ws:
        backup = write_backup(ws, tmp_path / "b.zip")
    with pytest.raises(BackupError, match="须由系统管理员或负责人以本人口令签名"):
        restore_backup(backup, tmp_path / "r0")
    with pytest.raises(SigningRefused, match="审核员甲 的证书角色是初审，不能恢复备份"):
        restore_backup(backup, tmp_path / "r0", restorer=Restorer("审核员甲", PASSPHRASE))
    assert not (tmp_path / "r0").exists()
    restored = restore_backup(backup, tmp_path / "r1", restorer=RESTORER)
    entry = _entry(restored, RESTORE_ACTION)
    record = json.loads(entry["details"])["record"]
    assert (record["by"], record["backup"], record["backup_sha256"]) == (
        "管理员丁", "b.zip", hashlib.sha256(backup.read_bytes()).hexdigest())
    assert (record["head_seq"], record["previous"]) == (entry["seq"] - 1, entry["prev_hash"])
    assert _problems(restored) == []

    head = row_of(restored, "SELECT seq, hash FROM audit ORDER BY seq DESC")
    forge_logged(restored, [], actor="管理员丁", action=RESTORE_ACTION, subject="b.zip",
                 details={"backup": "b.zip", "head_seq": head["seq"], "head_hash": head["hash"]})
    forge_signed(restored, [], signer="审核员甲", key_of="审核员甲", passphrase=PASSPHRASE, action=RESTORE_ACTION,
                 subject="c.zip", facts={"backup": "c.zip", "backup_sha256": "0" * 64, "head_seq": 1, "head_hash": ""})
    problems = _problems(restored)
    assert any(p.endswith("（从备份恢复 b.zip，管理员丁）不予承认：没有管理员丁本人的签名：导入、恢复须由操作人以本人密钥签名")
               for p in problems), problems
    assert any(p.endswith("（从备份恢复 c.zip，审核员甲）不予承认：签名人 审核员甲 的证书角色是初审，只有系统管理员、负责人可以恢复备份")
               for p in problems), problems


def test_unsigned_imports_from_before_the_upgrade_stand_and_later_ones_are_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace made and used by the version before this one, which wrote imports unsigned."""
    with monkeypatch.context() as old_version:
        old_version.setattr(signed_scope, "SIGNED_KINDS", (signed_scope.PEOPLE_STATUS,))
        staffed_workspace(tmp_path / "ws").close()
        forge_logged(tmp_path / "ws", [], actor="收件窗口", action=IMPORT_ACTION, subject="old.csv",
                     details={"sha256": "0" * 64, "rows": 0})
    folder = tmp_path / "ws"
    with Workspace.open(folder) as ws:  # the upgrade: this version marks where signing begins
        boundary = signed_scope.signed_from(ws.db, signed_scope.IMPORTS_AND_RESTORES)
        assert boundary is not None and boundary > 1
        report = verify_workspace(ws)
        assert report.ok, report.problems
        assert f"导入、恢复记录自审计日志第 {boundary} 条起须有操作人签名；此前的 1 条由审计链担保" in report.lines
    forge_logged(folder, [], actor="收件窗口", action=IMPORT_ACTION, subject="new.csv", details={"rows": 0})
    named = [p for p in _problems(folder) if "不予承认" in p]
    assert len(named) == 1 and "（导入申报文件 new.csv，收件窗口）不予承认：没有收件窗口本人的签名" in named[0], named
