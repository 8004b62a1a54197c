"""The decisions table has one record type: every column, money as Decimal, newest first, the current one found."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from models.review.casefile import load_case
from models.review.conflicts import declare_conflict
from models.workspace.database import INSERTION_ORDER
from models.workspace.decision_rows import COLUMNS, current_decision, decisions_of
from models.review.decisions import DecisionInput, decide
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = staffed_workspace(tmp_path / "ws")
    import_as(workspace, write_csv(tmp_path / "a.csv", [intake_row(1)]))
    declare_conflict(workspace, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    yield workspace
    workspace.close()


def test_the_record_type_has_every_column_of_the_table(ws: Workspace) -> None:
    assert [row[1] for row in ws.db.execute("PRAGMA table_info(decisions)")] == [*COLUMNS, INSERTION_ORDER]


def test_a_superseded_decision_stays_listed_and_the_new_one_is_current(ws: Workspace) -> None:
    first = decide(ws, DecisionInput("T00001", "初审", "部分通过", "审核员甲", Decimal("300000")), PASSPHRASE)
    second = decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("400000.5")), PASSPHRASE)
    rows = decisions_of(ws.db, "T00001")
    assert [(r.uuid, r.current, r.supersedes) for r in rows] == [(second.uuid, True, first.uuid),
                                                                 (first.uuid, False, None)]
    assert rows[0].amount_yuan == Decimal("400000.50") and isinstance(rows[1].amount_yuan, Decimal)
    assert current_decision(ws.db, "T00001", "初审") == rows[0]
    assert current_decision(ws.db, "T00001", "复核") is None
    assert load_case(ws, "T00001").decisions == rows  # the case shows the same records
