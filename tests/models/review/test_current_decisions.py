"""What makes a decision current is said once: its flag set and no newer decision superseding it.

An insider who sets a superseded decision's flag back with SQL (and logs it consistently) gets no second current
decision anywhere the review reads one: not in the queue, its index, the case, the history nor the 补正 list.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.casefile import load_case
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, current_outcomes, decide
from models.review.history import WorkspaceHistory
from models.review.queue import queue_rows
from models.review.queue_index import load_queue_index
from models.review.corrections import pending_corrections
from models.workspace.database import INSERTION_ORDER
from models.workspace.decision_rows import current_decision, current_decisions
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.insider import forge_logged
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, str, str]:
    """T00001: a 初审 退回补正, then superseded by the same reviewer's 初审 通过 at 30万元; (folder, old, new)."""
    ws = staffed_workspace(tmp_path / "ws")
    import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    old = decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", missing_items=("营业执照",),
                                   deadline=date.today() + timedelta(days=10)), PASSPHRASE)
    new = decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    ws.close()
    return tmp_path / "ws", old.uuid, new.uuid


def test_a_superseded_decision_whose_flag_is_set_back_is_not_current(folder: tuple[Path, str, str]) -> None:
    path, old, new = folder
    forge_logged(path, [("UPDATE decisions SET current = 1 WHERE uuid = ?", [old])],
                 actor="审核员甲", action="初审决定", subject="T00001")
    with Workspace.open(path) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM decisions WHERE current = 1").fetchone()[0] == 2  # the forgery
        rows = queue_rows(ws.db, {})
        assert [(r.application_id, r.stage, r.first_reviewer) for r in rows] == [("T00001", "待复核", "审核员甲")]
        index = load_queue_index(ws.db)
        assert index.ids == ["T00001"] and index.outcomes_at(0) == {"初审": "通过"}
        assert [d.uuid for d in current_decisions(ws.db, "T00001")] == [new]
        found = current_decision(ws.db, "T00001", "初审")
        assert found is not None and found.uuid == new
        assert current_outcomes(ws, "T00001") == {"初审": "通过"}
        case = load_case(ws, "T00001")
        assert [(d.uuid, d.current) for d in case.decisions] == [(new, True), (old, False)]
        assert pending_corrections(ws.db) == {}  # the old 退回补正 does not make it 待补正 again
        assert WorkspaceHistory(ws.db).pending_applications(case.application.uscc)[0].state == "已初审、待复核"
        problems = verify_workspace(ws).problems
        assert any(f"决定 {old}" in p and f"已被决定 {new} 替代，却仍标为现行" in p for p in problems), problems


def test_without_the_forgery_the_same_reads_agree(folder: tuple[Path, str, str]) -> None:
    path, old, new = folder
    with Workspace.open(path) as ws:
        assert ws.db.execute("SELECT uuid FROM decisions WHERE current = 1").fetchall() == [(new,)]
        assert [r.stage for r in queue_rows(ws.db, {})] == ["待复核"]
        assert verify_workspace(ws).ok


def test_each_record_type_has_every_column_of_its_table(folder: tuple[Path, str, str]) -> None:
    from models.workspace import conflict_rows, evidence_rows, people_rows, records, session_rows

    path, _, _ = folder
    with Workspace.open(path) as ws:
        def columns(table: str) -> tuple[str, ...]:
            return tuple(row[1] for row in ws.db.execute(f"PRAGMA table_info({table})"))

        assert columns("applications") == records.TABLE_COLUMNS
        assert columns("assessments") == records.ASSESSMENT_COLUMNS
        assert columns("conflicts") == (*conflict_rows.COLUMNS, INSERTION_ORDER)  # the table's, not the record's
        assert columns("reviewers") == people_rows.PERSON_COLUMNS
        assert columns("reviewer_certificates") == people_rows.CERTIFICATE_COLUMNS
        assert columns("ca") == ("id", *people_rows.CA_COLUMNS)
        assert columns("sessions") == session_rows.COLUMNS
        assert set(columns("application_evidence")) | set(columns("evidence")) == set(evidence_rows.LINK_COLUMNS)
        stored = records.application(ws.db, "T00001")
        assert stored is not None and records.application_row(ws.db, "T00001") == dict(
            zip(records.TABLE_COLUMNS, (*records.application_values(stored.application)[:-1], stored.import_id,
                                        stored.version, int(stored.demo), stored.seq,
                                        stored.application.item_text)))
        assessed = records.assessment(ws.db, "T00001")
        assert assessed is not None and assessed.cap is not None and assessed.signed_fields()["record_hash"] == \
            load_case(ws, "T00001").cap.record_hash
