"""An overdue 补正 is marked and filterable in the queue; files added from the 补正 box are a resubmission."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from demo.workspace import DEMO_PASSPHRASE, staff_demo
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.keys import KdfParams
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import import_as, intake_row, write_csv

from gui.main_window import REVIEW_TAB
from gui.qt import Qt

DEADLINE = date.today() + timedelta(days=7)


@pytest.fixture
def returned(tmp_path: Path) -> Path:
    """Three applications; T00001 returned for 补正 by 审核员甲, due in a week."""
    folder = tmp_path / "ws"
    with Workspace.open(folder) as ws:
        staff_demo(ws, KdfParams.cheap_for_tests())
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(n) for n in (1, 2, 3)]))
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=DEMO_PASSPHRASE)
        decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", missing_items=("认定文件",),
                                 deadline=DEADLINE), DEMO_PASSPHRASE)
    return folder


def _stage_cell(window, application_id: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole):  # noqa: ANN001, ANN202 - the window; Qt's variant
    return window.model.data(window.model.index(window.model.row_of(application_id), 7), role)


def test_an_overdue_return_is_marked_and_filtered(qtbot, open_window, returned, monkeypatch):
    window = open_window(returned)
    assert _stage_cell(window, "T00001") == "待补正"
    monkeypatch.setattr("models.review.corrections.local_today", lambda: DEADLINE + timedelta(days=1))
    window.reload_queue()
    qtbot.waitUntil(lambda: _stage_cell(window, "T00001") == "待补正·逾期", timeout=10_000)
    assert _stage_cell(window, "T00001", Qt.ItemDataRole.ForegroundRole).name() == "#b3261e"
    assert _stage_cell(window, "T00002", Qt.ItemDataRole.ForegroundRole) is None
    stage = window.queue.stage
    stage.setCurrentIndex(stage.findData("待补正·逾期"))
    assert window.model.visible_ids() == ["T00001"]
    stage.setCurrentIndex(stage.findData("待补正"))
    assert window.model.visible_ids() == []


def test_files_added_from_the_correction_box_send_it_back_to_review(qtbot, open_window, returned, tmp_path,
                                                                   messages, choose_reviewer, monkeypatch):
    window = open_window(returned)
    choose_reviewer(window, "审核员甲")
    window.queue.mine_only.setChecked(False)  # a case waiting for the applicant is not on 甲's to-do list
    window.activateWindow()
    window.queue.select_application("T00001")
    window.queue.table.setFocus()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == REVIEW_TAB
    qtbot.waitUntil(lambda: window.review.loaded is not None, timeout=10_000)
    panel = window.review.assessment.correction_panel
    assert panel.evidence_button.isVisible() and "认定文件" in panel.text.text()
    scan = tmp_path / "认定文件.pdf"
    scan.write_bytes(b"%PDF-1.4\n%supplied\n")
    monkeypatch.setattr("gui.correction_actions.EvidenceFiles.ask", classmethod(lambda cls, parent: [scan]))
    qtbot.mouseClick(panel.evidence_button, Qt.MouseButton.LeftButton)
    assert messages == []
    assert _stage_cell(window, "T00001") == "待初审"
    assert "新增附件：认定文件.pdf" in panel.text.text() and "由审核员甲补充附件" in panel.text.text()
    assert not panel.evidence_button.isVisible()
    assert [f.name for f in window.review.loaded.case.evidence] == ["认定文件.pdf"]
    with Workspace.open(returned, create=False, lock=False) as ws:
        assert verify_workspace(ws).ok
