"""An import's assessments written with their shared policy and time once per statement: the same rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.workspace import records
from models.workspace.workspace import Workspace
from tests.workspace_support import import_as, intake_row, write_csv

AT = "2026-03-01T09:00:00+08:00 it's “quoted”"


def _stored(application_id: str) -> records.StoredAssessment:
    return records.StoredAssessment(
        application_id=application_id, status="符合条件", uncapped_yuan="500000", cap_yuan="500000.00",
        recommended_yuan="300000.00", flags="", trace="依据“第一条”\n核定上限 50.00万元", record_hash="cd" * 32,
        policy_version="liaocheng-2023-10", policy_hash="ab" * 32, assessed_at=AT)


def test_imported_assessments_store_exactly_the_rows_put_assessment_rows_stores(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "申报.csv", [intake_row(1), intake_row(2)]))
        ws.db.conn.execute("BEGIN")
        records.put_assessment_rows(ws.db, [records.assessment_values(_stored("T00001"))])
        records.put_imported_assessments(ws.db, [records.imported_assessment_values(_stored("T00002"))],
                                         "liaocheng-2023-10", "ab" * 32, AT, replace=True)
        rows = ws.db.execute(f"SELECT {records.columns_sql(records.ASSESSMENT_COLUMNS)} FROM assessments "
                             "ORDER BY application_id").fetchall()
        ws.db.conn.execute("ROLLBACK")
    assert [row[0] for row in rows] == ["T00001", "T00002"]
    assert rows[1][1:] == rows[0][1:]
    assert records.assessment_from_row(dict(zip(records.ASSESSMENT_COLUMNS, rows[1]))) == _stored("T00002")


def test_a_shared_value_with_a_nul_is_refused_rather_than_cut_short() -> None:
    with pytest.raises(ValueError, match="NUL"):
        records._sql_text("a\x00b")
