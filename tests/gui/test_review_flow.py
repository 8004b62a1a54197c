"""The whole day's work, by keyboard: import, open, declare, tick, decide 初审, switch reviewer, decide 复核, next."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policy.catalog import load_policy

from demo.applications import demo_rows, write_intake_csv
from demo.evidence import write_evidence
from models.workspace.workspace import Workspace

from gui.evidence_pane import Gate
from gui.main_window import QUEUE_TAB, REVIEW_TAB
from gui.qt import Qt

COUNT = 6


@pytest.fixture
def intake(tmp_path: Path) -> tuple[Path, Path]:
    """An intake CSV of six applications and the folder with their evidence files."""
    rows = demo_rows(load_policy(), COUNT, seed=7)
    evidence = tmp_path / "附件"
    evidence.mkdir()
    write_evidence(rows, evidence)
    csv = tmp_path / "申报.csv"
    write_intake_csv(rows, csv)
    return csv, evidence


@pytest.fixture
def drive_import_dialog(qtbot, monkeypatch):  # noqa: ANN001, ANN201 - pytest fixtures and test doubles go unannotated
    """The real ImportDialog, its ``exec`` replaced by choosing ``csv`` (and evidence) and pressing 导入."""
    import_dialog = pytest.importorskip("gui.import_dialog")
    outcome: list[str] = []

    def drive(csv: Path, evidence: Path | None) -> list[str]:
        def exec_(dialog) -> int:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
            dialog.set_file(csv)
            dialog.set_evidence(evidence)
            dialog.start_import()
            qtbot.waitUntil(lambda: dialog.imported or dialog.rejection is not None, timeout=30_000)
            qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
            outcome.append(f"imported {dialog.result.imported}" if dialog.imported else str(dialog.rejection))
            return 1 if dialog.imported else 0

        monkeypatch.setattr(import_dialog.ImportDialog, "exec", exec_)
        return outcome

    return drive


def press(qtbot, window, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    target = window.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def decisions(folder: Path) -> list[tuple[str, str, str, str]]:
    with Workspace.open(folder, create=False, lock=False) as ws:
        return ws.db.execute("SELECT application_id, stage, outcome, reviewer FROM decisions WHERE current = 1 "
                             "ORDER BY decided_at").fetchall()


def test_import_review_first_and_second_stage_then_next(qtbot, open_window, empty_workspace, intake, messages,
                                                       drive_import_dialog, choose_reviewer, demo_passphrase):
    window = open_window(empty_workspace)
    assert window.model.rowCount() == 0
    choose_reviewer(window, "审核员甲")  # the import is signed with the sitting's key
    outcome = drive_import_dialog(*intake)
    window.actions_by_name["import_file"].trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == COUNT, timeout=10_000)
    assert outcome == [f"imported {COUNT}"]
    window.reviewer_combo.setCurrentIndex(0)  # nobody chosen again: the review starts from there
    demo_passphrase.clear()
    first = window.model.application_id(0)

    window.activateWindow()
    window.queue.select_application(first)
    window.queue.table.setFocus()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == REVIEW_TAB
    qtbot.waitUntil(lambda: window.review.loaded is not None, timeout=10_000)
    review = window.review
    assert review.current_id == first
    assert review.gate() is Gate.NO_REVIEWER and not review.evidence.evidence_visible

    choose_reviewer(window, "审核员甲")
    assert demo_passphrase == ["审核员甲"]
    assert review.gate() is Gate.UNDECLARED and not review.evidence.evidence_visible
    assert not review.assessment.form.isEnabled()

    press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert review.gate() is Gate.OPEN and review.evidence.evidence_visible
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert review.assessment.ticked() == {0}
    assert review.assessment.checklist.item(0).checkState() == Qt.CheckState.Checked

    form = review.assessment.form
    assert form.stage.currentText() == "初审"
    form.choose_outcome("通过")
    assert form.amount.text()  # the recommended amount, in 万元
    form.opinion.setPlainText("材料齐全。")
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert messages == []
    assert decisions(empty_workspace) == [(first, "初审", "通过", "审核员甲")]
    assert window.model.data(window.model.index(0, 7)) == "待复核"
    assert "审核员甲：已审 1" in window.progress_label.text()

    choose_reviewer(window, "审核员乙")
    assert demo_passphrase == ["审核员甲", "审核员乙"]
    assert review.gate() is Gate.UNDECLARED  # each reviewer declares for himself
    press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert form.stage.currentText() == "复核"
    form.choose_outcome("通过")
    form.opinion.setFocus()
    press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert messages == []
    assert decisions(empty_workspace)[-1] == (first, "复核", "通过", "审核员乙")
    assert review.current_id == first  # the others have no 初审 yet: nothing else for 复核 to act on
    assert window.model.data(window.model.index(0, 7)) == "已复核"
    assert "全部：已审 1 / 共 6" in window.progress_label.text()

    choose_reviewer(window, "审核员甲")
    # Switching to 乙 locked 甲's key: acting as 甲 again asks 甲's passphrase again.
    assert demo_passphrase == ["审核员甲", "审核员乙", "审核员甲"]
    assert window.session.is_unlocked("审核员甲") and not window.session.is_unlocked("审核员乙")


def test_a_rejected_import_changes_nothing(qtbot, open_window, demo_folder, tmp_path, messages,
                                          drive_import_dialog, choose_reviewer):
    with Workspace.open(demo_folder, create=False, lock=False) as ws:
        stored = ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    window = open_window(demo_folder)
    choose_reviewer(window, "审核员甲")  # the import is signed with the sitting's key
    before = window.model.visible_ids()
    broken = tmp_path / "坏文件.csv"
    broken.write_text("申报编号,企业名称\nX-1,某公司\n", encoding="utf-8")
    outcome = drive_import_dialog(broken, None)
    with qtbot.assertNotEmitted(window.queue_loaded, wait=300):
        window.actions_by_name["import_file"].trigger()
    assert outcome and "未导入" in outcome[0]
    assert window.model.visible_ids() == before
    with Workspace.open(demo_folder, create=False, lock=False) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == stored
        assert ws.db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 1


def test_back_to_the_queue_and_search_by_keyboard(qtbot, window):
    window.activateWindow()
    window.open_application(window.model.application_id(2))
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.tabs.currentIndex() == QUEUE_TAB
    press(qtbot, window, Qt.Key.Key_Slash)
    assert window.queue.search.hasFocus()
    qtbot.keyClicks(window.queue.search, "lc2023-000")
    assert window.queue.search.text() == "lc2023-000"  # "/" and letters type, they do not jump
    assert 0 < window.model.rowCount() < 30


def test_an_import_is_signed_with_the_sittings_key_asking_the_passphrase_when_it_is_locked(
        qtbot, open_window, empty_workspace, intake, messages, drive_import_dialog, choose_reviewer, demo_passphrase,
        monkeypatch):
    import_dialog = pytest.importorskip("gui.import_dialog")
    window = open_window(empty_workspace)

    def nobody_chosen(dialog) -> int:  # noqa: ANN001 - a test double of QDialog.exec
        dialog.set_file(intake[0])
        dialog.set_evidence(intake[1])
        dialog.start_import()
        assert not dialog.is_running()
        return 0

    monkeypatch.setattr(import_dialog.ImportDialog, "exec", nobody_chosen)
    window.actions_by_name["import_file"].trigger()
    assert messages[-1] == import_dialog.NO_SIGNER and window.model.rowCount() == 0
    choose_reviewer(window, "审核员乙")
    window.session.lock()  # idle: the key is locked, the reviewer still chosen
    asked = len(demo_passphrase)
    outcome = drive_import_dialog(*intake)
    window.actions_by_name["import_file"].trigger()
    assert outcome == [f"imported {COUNT}"]
    assert demo_passphrase[asked:] == ["审核员乙"] and window.session.is_unlocked("审核员乙")
    with Workspace.open(empty_workspace, create=False, lock=False) as ws:
        actor, details = ws.db.execute("SELECT actor, details FROM audit WHERE action = '导入申报文件'").fetchone()
    assert actor == "审核员乙" and json.loads(details)["record"]["by"] == "审核员乙"
