"""A decision says what it changed: its own application and every one it re-assessed, nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from models.changes import Changes
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.workspace.workspace import Workspace
from tests.workspace_support import PASSPHRASE, import_as, intake_row, staffed_workspace, valid_uscc, write_csv

SAME = valid_uscc(7)


def _tech(n: int, uscc: str = SAME) -> dict[str, str]:
    return intake_row(n, **{"统一社会信用代码": uscc, "产业": "纺织服装", "申报事项": "技术改造项目",
                            "总投资额(万元)": "5000", "设备购置额(万元)": "1500", "亩产效益评价": "A",
                            "申请金额(万元)": ""})


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = staffed_workspace(tmp_path / "ws")
    import_as(workspace, write_csv(tmp_path / "a.csv", [_tech(1), _tech(2), _tech(3, valid_uscc(8))]))
    yield workspace
    workspace.close()


def _decide(ws: Workspace, stage: str, reviewer: str) -> Changes:
    declare_conflict(ws, "T00001", reviewer, has_conflict=False, passphrase=PASSPHRASE)
    return decide(ws, DecisionInput("T00001", stage, "通过", reviewer, Decimal("1500000")), PASSPHRASE).changes


def test_a_first_decision_changes_its_own_application_only(ws: Workspace) -> None:
    assert _decide(ws, "初审", "审核员甲") == Changes(("T00001",))


def test_a_final_decision_names_the_applications_it_reassessed(ws: Workspace) -> None:
    _decide(ws, "初审", "审核员甲")
    before = ws.db.execute("SELECT record_hash FROM assessments WHERE application_id = 'T00002'").fetchone()[0]
    changes = _decide(ws, "复核", "审核员乙")
    logged = ws.db.execute("SELECT details FROM audit WHERE action = '重新评估' ORDER BY seq DESC").fetchone()[0]
    assert changes == Changes(("T00001", *json.loads(logged)["applications"]))
    assert "T00002" in changes.applications and "T00003" not in changes.applications  # another enterprise
    trace = ws.db.execute("SELECT record_hash, trace FROM assessments WHERE application_id = 'T00002'").fetchone()
    assert trace[0] != before and "申报编号 T00001 已核准 150.00万元" in trace[1]
    assert not changes.queue


def test_changes_combine_without_repeating() -> None:
    assert Changes(("a", "b")) | Changes(("b", "c"), queue=True) == Changes(("a", "b", "c"), queue=True)
