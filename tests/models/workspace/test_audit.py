"""The audit log is append-only, and tampering behind the app's back is caught by audit verify."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from models.workspace.audit import head_hash, verify_chain
from models.review.decisions import DecisionInput, decide
from models.review.conflicts import declare_conflict
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, write_csv


def test_update_delete_and_replace_are_refused(ws: Workspace) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="只能追加"):
        ws.db.execute("UPDATE audit SET actor = '别人' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="只能追加"):
        ws.db.execute("DELETE FROM audit WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError):
        ws.db.execute("INSERT OR REPLACE INTO audit VALUES (1, 'a', 'b', 'c', 'd', '{}', '', 'x')")
    with pytest.raises(sqlite3.IntegrityError, match="按顺序"):
        ws.db.execute("INSERT INTO audit VALUES (99, 'a', 'b', 'c', 'd', '{}', '', 'x')")
    assert verify_chain(ws.db).ok


def test_editing_a_row_with_triggers_dropped_is_caught_and_named(ws: Workspace) -> None:
    assert verify_chain(ws.db).rows >= 5
    ws.db.execute("DROP TRIGGER audit_no_update")
    ws.db.execute("UPDATE audit SET actor = '冒名者' WHERE seq = 3")
    ws.db.conn.commit()
    report = verify_workspace(ws)
    assert not report.ok
    assert "审计日志第 3 条内容已被改动" in report.problems[0]


def test_deleting_a_row_with_triggers_dropped_is_caught(ws: Workspace) -> None:
    ws.db.execute("DROP TRIGGER audit_no_delete")
    ws.db.execute("DELETE FROM audit WHERE seq = 2")
    ws.db.conn.commit()
    assert verify_chain(ws.db).broken_at == 2


def test_changing_a_decision_amount_in_the_database_is_caught(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    assert verify_workspace(ws).ok
    ws.db.execute("UPDATE decisions SET amount_yuan = '500000.00'")
    ws.db.conn.commit()
    report = verify_workspace(ws)
    assert not report.ok
    assert any("amount_yuan 与签名记录不符" in p for p in report.problems)


def test_changing_the_signed_record_breaks_the_signature(ws: Workspace, tmp_path: Path) -> None:
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    ws.db.execute("UPDATE decisions SET record = replace(record, '300000.00', '500000.00'), amount_yuan = '500000.00'")
    ws.db.conn.commit()
    assert any("签名无效" in p for p in verify_workspace(ws).problems)


def test_head_hash_moves_with_every_entry(ws: Workspace) -> None:
    before = head_hash(ws.db)
    ws.set_setting("pdf_font", "/x.ttf", "管理员")
    assert head_hash(ws.db) != before and len(before) == 64
