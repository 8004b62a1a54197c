"""The bulk tables' rows logged as JSON arrays, their column list once (revision 0011_array_rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.intake import importing
from models.workspace import projection, schema_upgrade
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import import_as, intake_row, write_csv


def _logged(ws: Workspace, table: str, op: str = projection.PUT) -> list[tuple[int, str]]:
    return ws.db.execute("SELECT seq, row FROM audit_changes WHERE tbl = ? AND op = ? ORDER BY id", [table, op]).fetchall()


def _made_by_the_previous_build(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace at 0010_baseline whose import logged every row as a JSON object, as the build before did."""
    with monkeypatch.context() as before:
        before.setattr(projection, "ARRAY_ROW_TABLES", frozenset())
        before.setattr(schema_upgrade, "REVISIONS", (schema_upgrade.BASELINE,))
        before.setattr(schema_upgrade, "HEAD", schema_upgrade.BASELINE)
        with Workspace.open(folder) as ws:
            ws.db.execute("UPDATE alembic_version SET version_num = ?", [schema_upgrade.BASELINE])
            import_as(ws, write_csv(tmp_path / "早.csv", [intake_row(n) for n in range(1, 8)]))
            # not verified here: this build's verification reads the columns of the later revisions
            assert all(row.startswith("{") for _, row in _logged(ws, "applications"))


def test_a_workspace_of_the_previous_build_migrates_forward_verifies_and_logs_arrays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 3)  # several statements of the set-based capture
    folder = tmp_path / "ws"
    _made_by_the_previous_build(folder, tmp_path, monkeypatch)
    with Workspace.open(folder) as ws:
        assert schema_upgrade.current_revision(ws.db) == schema_upgrade.HEAD
        snapshot = json.loads(ws.db.execute("SELECT details FROM audit WHERE action = '数据库结构快照' "
                                            "ORDER BY seq DESC").fetchone()[0])
        assert snapshot["migrations"] == list(schema_upgrade.REVISIONS[1:])
        report = verify_workspace(ws)
        assert report.ok, report.problems
        import_as(ws, write_csv(tmp_path / "晚.csv", [intake_row(n) for n in range(8, 15)]))
        report = verify_workspace(ws)
        assert report.ok, report.problems

        shapes = {shape.name: shape for shape in projection.projected_tables(ws.db)}
        for table in projection.ARRAY_ROW_TABLES:
            assert [json.loads(row) for _, row in _logged(ws, table, projection.COLUMNS)] == [
                list(shapes[table].columns)]
        rows = [json.loads(row) for _, row in _logged(ws, "applications")]
        assert [type(row) for row in rows] == [dict] * 7 + [list] * (7 + 7)  # the import, the snapshot, the import
        assert all(len(row) == len(shapes["applications"].columns) for row in rows[7:])
        assert rows[-1][shapes["applications"].columns.index("application_id")] == "T00014"
        assert all(row.startswith("{") for _, row in _logged(ws, "imports"))  # the other tables keep objects

        ws.db.execute("UPDATE applications SET enterprise = '另一家公司' WHERE application_id = 'T00002'")
        ws.db.execute("UPDATE assessments SET cap_yuan = '9000000.00' WHERE application_id = 'T00012'")
        ws.db.conn.commit()
        problems = verify_workspace(ws).problems
    assert any(p.startswith("表 applications 键 T00002 字段 enterprise：审计日志为 \"聊城") and
               p.endswith("数据库中为 \"另一家公司\"") for p in problems), problems
    assert any(p.startswith("表 assessments 键 T00012 字段 cap_yuan：审计日志为 ") and
               p.endswith("数据库中为 \"9000000.00\"") for p in problems), problems
    assert len([p for p in problems if p.startswith("表 ")]) == 2, problems


def test_the_logged_column_list_is_covered_by_the_entry_hash(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(n) for n in range(1, 4)]))
        assert verify_workspace(ws).ok
        ws.db.execute("DROP TRIGGER audit_changes_no_update")
        ws.db.execute("UPDATE audit_changes SET row = replace(row, '\"enterprise\",\"uscc\"', '\"uscc\",\"enterprise\"') "
                      "WHERE op = 'cols' AND tbl = 'applications'")
        ws.db.conn.commit()
        assert ws.db.execute("SELECT COUNT(*) FROM audit_changes WHERE op = 'cols' AND row LIKE '%\"uscc\",\"enterprise\"%'"
                             ).fetchone() == (1,)
        report = verify_workspace(ws)
    assert not report.ok
    assert any("数据库结构快照" in p and "所记录的数据改动已被改动" in p for p in report.problems), report.problems


def test_a_row_is_named_field_by_field_whichever_form_was_logged(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        shape = next(s for s in projection.projected_tables(ws.db) if s.name == "assessments")
    columns = shape.columns
    logged_array = json.dumps(["T1", *(["x"] * (len(columns) - 1))])
    logged_object = json.dumps(dict(zip(columns, ["T1", *(["x"] * (len(columns) - 1))])))
    found = json.dumps(["T1", *(["x"] * (len(columns) - 2)), "y"])
    for logged in (logged_array, logged_object):
        differences = list(projection._row_differences(shape, '["T1"]', logged, found, columns))
        assert [(d.field, d.expected, d.found) for d in differences] == [(columns[-1], "x", "y")]
