"""A workspace written by ReviewDesk 0.1.0 (before the log became the truth) opens, migrates and verifies."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
OLD_PASSPHRASE = "测试口令-123"  # the test passphrase of 0.1.0, before the 10-character minimum

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "workspace-0.1.0.zip"


def _unpack(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    with zipfile.ZipFile(FIXTURE) as archive:
        archive.extractall(folder)
    return folder


def test_an_old_workspace_is_backed_up_migrated_snapshotted_and_verifies(tmp_path: Path) -> None:
    folder = _unpack(tmp_path)
    with Workspace.open(folder) as ws:
        snapshot = ws.db.execute("SELECT details FROM audit WHERE action = '数据库结构快照'").fetchone()
        assert "0003_audit_changes" in json.loads(snapshot[0])["migrations"]
        report = verify_workspace(ws)
        assert report.ok, report.problems
        assert "各数据表与审计日志重放结果一致" in report.lines
    assert list((folder / "backups").glob("升级前-0003_audit_changes-*.db"))


def test_an_old_workspace_goes_on_working_and_tampering_after_the_upgrade_is_named(tmp_path: Path) -> None:
    folder = _unpack(tmp_path)
    with Workspace.open(folder) as ws:
        declare_conflict(ws, "T00003", "审核员甲", has_conflict=False, passphrase=OLD_PASSPHRASE)
        decide(ws, DecisionInput("T00003", "初审", "通过", "审核员甲", Decimal("500000")), OLD_PASSPHRASE)
        assert verify_workspace(ws).ok
        ws.db.execute("UPDATE applications SET enterprise = '改名公司' WHERE application_id = 'T00001'")
        ws.db.conn.commit()
        problems = verify_workspace(ws).problems
    assert any("表 applications 键 T00001 字段 enterprise" in p and "改名公司" in p for p in problems), problems


def test_only_the_declarations_in_the_upgrade_snapshot_may_stand_unsigned(tmp_path: Path) -> None:
    folder = _unpack(tmp_path)
    with Workspace.open(folder) as ws:
        legacy = ws.db.execute("SELECT declared_at FROM conflicts WHERE signature IS NULL OR signature = ''"
                               " LIMIT 1").fetchone()[0]
        ws.db.execute("INSERT INTO conflicts (application_id, reviewer, has_conflict, reason, declared_at, "
                      "insertion_order) VALUES ('T00003', '审核员乙', 1, '冒名', ?, 99)", [legacy])
        ws.db.execute("UPDATE conflicts SET declared_at = '2000-01-01T00:00:00+00:00' "
                      "WHERE application_id = 'T00001' AND reviewer = '审核员乙'")
        ws.db.conn.commit()
        problems = verify_workspace(ws).problems
    assert any("审核员乙 对 T00003" in p and "没有声明人的签名" in p for p in problems), problems
    assert any("审核员乙 对 T00001" in p and "没有声明人的签名" in p for p in problems), problems
    assert not any("审核员甲 对 T00001" in p for p in problems), problems
