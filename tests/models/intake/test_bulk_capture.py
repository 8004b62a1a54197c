"""A bulk import captures its rows a statement at a time: the very changes the per-row triggers log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from models.intake import importing
from models.workspace import audit, projection
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from policy import engine
from tests.workspace_support import import_as, insert_behind_the_apps_back, intake_row, staffed_workspace, write_csv

FIXED_TIME = "2026-03-01T09:00:00+08:00"


class _TriggersCapture:
    """The path before set-based capture: the triggers stay and log each row as it is written."""

    def capture(self, table: str, key_column: str, keys: Sequence[str], written: int, then_by: str = "") -> None:
        pass


@contextmanager
def _per_row_triggers(db: object, tables: Sequence[str]) -> Iterator[_TriggersCapture]:
    yield _TriggersCapture()


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    evidence = tmp_path / "附件"
    for folder, name in (("T00002", "营业执照.pdf"), ("T00005", "营业执照.pdf"), ("T00005", "认定文件.pdf")):
        (evidence / folder).mkdir(parents=True, exist_ok=True)
        (evidence / folder / name).write_bytes(f"%PDF-1.4 {folder} {name}".encode())
    first = [intake_row(n) for n in range(1, 8)]
    first[1]["附件"] = "营业执照.pdf"
    first[4]["附件"] = "营业执照.pdf;认定文件.pdf"
    second = [intake_row(2, 企业名称="聊城测试企业2（更名）有限公司"), intake_row(5, 附件="认定文件.pdf"), intake_row(9)]
    return write_csv(tmp_path / "申报.csv", first), write_csv(tmp_path / "更新.csv", second), evidence


def _import_both(ws: Workspace, tmp_path: Path) -> None:
    first, second, evidence = _files(tmp_path)
    import_as(ws, first, evidence=evidence)
    import_as(ws, second, evidence=evidence, update=True)


def _logged(ws: Workspace) -> list[tuple[int, str, str, str, str | None]]:
    return ws.db.execute("SELECT seq, op, tbl, key, row FROM audit_changes "
                         "WHERE tbl NOT IN ('settings', 'ca', 'reviewers', 'reviewer_certificates') ORDER BY id").fetchall()  # each workspace's people and keys are its own


def _triggers(ws: Workspace) -> list[tuple[str, str]]:
    return ws.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()


def test_set_based_capture_logs_exactly_what_the_per_row_triggers_log(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    monkeypatch.setattr(audit, "now_text", lambda: FIXED_TIME)
    with staffed_workspace(tmp_path / "bulk") as bulk:
        triggers_before = _triggers(bulk)
        _import_both(bulk, tmp_path / "files")
        set_based = _logged(bulk)
        assert _triggers(bulk) == triggers_before
        assert verify_workspace(bulk).problems == []
    monkeypatch.setattr(projection, "set_based_capture", _per_row_triggers)
    with staffed_workspace(tmp_path / "rows") as rows:
        _import_both(rows, tmp_path / "files")
        per_row = _logged(rows)

    assert set_based == per_row
    tables = {table for _, op, table, _, _ in set_based if op == projection.PUT}
    assert {"applications", "application_evidence", "assessments", "application_versions"} <= tables
    assert sum(1 for _, op, table, _, _ in set_based if (op, table) == (projection.PUT, "applications")) == 7 + 3


def test_audit_verify_names_a_row_edited_with_sql_after_a_bulk_import(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    first, _, evidence = _files(tmp_path / "files")
    with Workspace.open(tmp_path / "ws") as ws:
        import_as(ws, first, evidence=evidence)
        assert verify_workspace(ws).problems == []
        ws.db.execute("UPDATE applications SET enterprise = '另一家公司' WHERE application_id = 'T00006'")
        ws.db.execute("UPDATE assessments SET cap_yuan = '9000000.00' WHERE application_id = 'T00004'")
        ws.db.execute("DELETE FROM application_evidence WHERE application_id = 'T00005' AND position = 1")
        ws.db.conn.commit()
        problems = verify_workspace(ws).problems

    assert any(p.startswith("表 applications 键 T00006 字段 enterprise：") and "另一家公司" in p for p in problems), problems
    assert any(p.startswith("表 assessments 键 T00004 字段 cap_yuan：") and "9000000.00" in p for p in problems), problems
    assert any(p.startswith("表 application_evidence 键 T00005/1：") and "已被删除" in p for p in problems), problems


def test_a_failed_bulk_import_keeps_the_capture_triggers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    real_assess = engine.assess

    def failing(app, policy, ledger):  # noqa: ANN001, ANN202 - the engine's own signature
        if app.application_id == "T00005":
            raise RuntimeError("磁盘已满")
        return real_assess(app, policy, ledger)

    with staffed_workspace(tmp_path / "ws") as ws:
        before = _triggers(ws)
        last_change = ws.db.execute("SELECT MAX(id) FROM audit_changes").fetchone()[0]
        monkeypatch.setattr(engine, "assess", failing)
        with pytest.raises(RuntimeError, match="磁盘已满"):
            import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 8)]))
        assert _triggers(ws) == before
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
        ws.db.execute("UPDATE settings SET value = value WHERE key = 'demo'")
        ws.db.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")  # still captured by its trigger
        ws.db.conn.commit()
        assert ws.db.execute("SELECT op, key FROM audit_changes WHERE tbl = 'settings' AND op = 'put' AND id > ?",
                             [last_change]).fetchall() == [("put", '["x"]')]


def test_set_based_capture_refuses_to_run_outside_a_transaction(tmp_path: Path) -> None:
    with (Workspace.open(tmp_path / "ws") as ws, pytest.raises(RuntimeError, match="transaction"),
          projection.set_based_capture(ws.db, importing.BULK_TABLES)):
        pass


def test_the_append_digest_equals_the_one_verify_recomputes(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        _import_both(ws, tmp_path / "files")
        ws.db.execute("INSERT INTO settings (key, value) VALUES ('含\x1f分隔', ?)", ["“引号”\\反斜杠\n换行"])
        ws.db.conn.commit()
        seqs = [seq for (seq,) in ws.db.execute("SELECT DISTINCT seq FROM audit_changes ORDER BY seq")]
        assert len(seqs) >= 3
        for seq in seqs:
            assert projection.logged_changes_digest(ws.db, seq, 1) == \
                projection.changes_digest(projection.changes_of(ws.db, seq, 1))


class _Undone(Exception):
    """Raised to roll the test's transaction back."""


def test_a_running_digest_falls_back_when_a_change_is_logged_below_one_it_read(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws, pytest.raises(_Undone), ws.db.atomic():
        seq = audit.head(ws.db)[0] + 1
        insert = "INSERT INTO audit_changes (id, seq, op, tbl, key, row) VALUES (?, ?, 'put', 'settings', ?, ?)"
        ws.db.execute(insert, [1000, seq, '["a"]', '{"key":"a","value":"甲"}'])
        ws.db.execute(insert, [1002, seq, '["c"]', '{"key":"c","value":"丙"}'])
        running = projection.RunningChangesDigest(ws.db, seq, 1000)
        running.advance()
        ws.db.execute(insert, [1001, seq, '["b"]', '{"key":"b","value":"乙"}'])
        ws.db.execute(insert, [1003, seq, '["d"]', None])

        assert running.result() == projection.logged_changes_digest(ws.db, seq, 1000)
        assert running.result()[1] == 4
        raise _Undone


def _indexes(ws: Workspace) -> list[tuple[str, str]]:
    return ws.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()


def test_a_large_import_builds_the_secondary_indexes_after_its_rows(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    monkeypatch.setattr(importing, "DEFERRED_INDEX_MIN_ROWS", 5)
    monkeypatch.setattr(importing, "worker_wanted", lambda rows, chunk_rows: False)  # the engine looks at the schema
    real_assess = engine.assess
    seen_while_writing: list[int] = []

    def failing(app, policy, ledger):  # noqa: ANN001, ANN202 - the engine's own signature
        if app.application_id == "T00006":
            seen_while_writing.append(ws.db.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'applications_uscc'").fetchone()[0])
            raise RuntimeError("磁盘已满")
        return real_assess(app, policy, ledger)

    with Workspace.open(tmp_path / "ws") as ws:
        before = _indexes(ws)
        assert "applications_uscc" in {name for name, _ in before}
        monkeypatch.setattr(engine, "assess", failing)
        with pytest.raises(RuntimeError, match="磁盘已满"):
            import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(n) for n in range(1, 8)]))
        assert seen_while_writing == [0]  # dropped while the chunks were written, back after the rollback
        assert _indexes(ws) == before
        monkeypatch.setattr(engine, "assess", real_assess)
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(n) for n in range(1, 8)]))

        assert _indexes(ws) == before
        assert ws.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        plan = " ".join(str(row) for row in ws.db.execute(
            "EXPLAIN QUERY PLAN SELECT application_id FROM applications WHERE uscc = ?", ["x"]))
        assert "applications_uscc" in plan
        assert verify_workspace(ws).problems == []


def test_a_bulk_import_whose_capture_logs_other_rows_than_it_wrote_is_rolled_back(tmp_path: Path) -> None:
    """A link row for T00003 slipped in with SQL would be logged as if the import had written it."""
    first, _, evidence = _files(tmp_path / "files")
    with staffed_workspace(tmp_path / "ws") as ws:
        insert_behind_the_apps_back(ws.db, "evidence", {"sha256": "ab" * 32, "size": 1, "kind": "pdf"})
        insert_behind_the_apps_back(ws.db, "application_evidence", {
            "application_id": "T00003", "position": 0, "name": "插入.pdf", "sha256": "ab" * 32})
        ws.db.conn.commit()
        before = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]

        with pytest.raises(projection.CaptureMismatch, match="表 application_evidence 写入 3 行，审计日志记录了 4 行"):
            import_as(ws, first, evidence=evidence)

        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
        assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before


def test_an_assessment_planted_for_a_new_application_rolls_the_import_back_named(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """New applications' assessments are inserted, never replacing one: a row slipped in with SQL is refused."""
    import sqlite3

    from models.failures import ReviewDeskError
    from models.workspace import records

    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    with staffed_workspace(tmp_path / "ws") as ws:  # the importer signs: the people are there before the count
        with sqlite3.connect(tmp_path / "ws" / "reviewdesk.db") as insider:  # foreign keys off, as any sqlite3 shell
            insider.execute(f"INSERT INTO assessments ({records.columns_sql(records.ASSESSMENT_COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(records.ASSESSMENT_COLUMNS))})",
                            ["T00005", "v", "h", "符合条件", None, None, None, "", "", "x", ""])
        insider.close()
        before = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        with pytest.raises(ReviewDeskError, match="表 assessments 中已有新申报 T00005 的评估.*整个导入已撤销"):
            import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 8)]))
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
        assert ws.db.execute("SELECT application_id FROM assessments").fetchall() == [("T00005",)]
        assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
        assert _triggers(ws) and "capture_assessments_insert" in {name for name, _ in _triggers(ws)}


def test_an_application_planted_past_the_check_rolls_the_import_back_named(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """New applications are inserted, never counted up: one held all the same (here, past the check for ids
    already in the workspace) makes the insert fail, and the import is rolled back naming it."""
    import sqlite3

    from models.failures import ReviewDeskError
    from models.workspace import records

    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)
    monkeypatch.setattr(importing, "_existing_ids", lambda ws, ids: set())
    with staffed_workspace(tmp_path / "ws") as ws:
        with sqlite3.connect(tmp_path / "ws" / "reviewdesk.db") as insider:  # foreign keys off, as any sqlite3 shell
            insider.execute(f"INSERT INTO applications ({records.columns_sql(records.TABLE_COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(records.TABLE_COLUMNS))})",
                            ["T00005", "插入企业", "x", "", "生物医药", "x", None, None, None, None, None, None, None,
                             None, None, None, "[]", "[]", 9, 1, 1, 0, 999, ""])
        insider.close()
        before = ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        with pytest.raises(ReviewDeskError, match="表 applications 中已有新申报 T00005，.*整个导入已撤销"):
            import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 8)]))
        assert ws.db.execute("SELECT application_id FROM applications").fetchall() == [("T00005",)]
        assert ws.db.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] == 0
        assert ws.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
