"""Nothing typed is lost: a decision typed but not saved survives moving away, a new window and a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.review.drafts import DraftStore
from models.workspace.workspace import Workspace

from gui.evidence_pane import Gate
from gui.main_window import MainWindow
from gui.qt import QApplication, QEvent, QKeyEvent, Qt, QWidget
from gui.queue_model import COLUMN_KEYS, DRAFT_MARK

OPINION = "营业执照复印件不清晰，待核"


def undecided(window: MainWindow) -> str:
    """An application nobody has decided yet, on which 审核员甲 has declared no conflict."""
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:
        touched = {row[0] for row in ws.db.execute(
            "SELECT application_id FROM decisions UNION SELECT application_id FROM conflicts "
            "WHERE reviewer = '审核员甲' AND has_conflict = 1")}
    return next(i for i in window.model.visible_ids() if i not in touched)


def open_as(qtbot, window: MainWindow, choose_reviewer, application_id: str) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    choose_reviewer(window, "审核员甲")
    window.activateWindow()
    window.open_application(application_id)
    qtbot.waitUntil(lambda: window.review.loaded is not None
                    and window.review.loaded.application_id == application_id, timeout=10_000)
    if window.review.gate() is Gate.UNDECLARED:
        key(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.review.gate() is Gate.OPEN


def type_text(widget: QWidget, text: str) -> None:
    """Types ``text`` key by key, as a keyboard with an input method would (QTest types ASCII only)."""
    widget.setFocus()
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def key(qtbot, window: MainWindow, key_: Qt.Key, modifier: Qt.KeyboardModifier) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    qtbot.keyClick(window.focusWidget() or window, key_, modifier)


def test_a_typed_decision_survives_moving_away_a_new_window_and_a_crash(
        qtbot, open_window, demo_folder: Path, messages, choose_reviewer, quit_answers, isolated_drafts):
    window = open_window(demo_folder)
    target = undecided(window)
    open_as(qtbot, window, choose_reviewer, target)
    form = window.review.assessment.form
    assert form.isEnabled() and "草稿" not in form.saved_label.text()

    form.outcome.setCurrentIndex(form.outcome.findData("不通过"))
    type_text(form.opinion, OPINION)
    type_text(form.note, "电话已联系")
    key(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)

    # What a crash would leave: the drafts file already holds every field, outside the workspace.
    store = DraftStore(demo_folder)
    assert store.path.is_relative_to(isolated_drafts) and not store.path.is_relative_to(demo_folder)
    qtbot.waitUntil(lambda: (d := store.get(target, "审核员甲")) is not None and d.note == "电话已联系",
                    timeout=3_000)
    draft = store.get(target, "审核员甲")
    assert (draft.stage, draft.outcome, draft.opinion, draft.ticks) == ("初审", "不通过", OPINION, (0,))
    assert "草稿" in form.saved_label.text()
    stage_cell = window.model.index(window.model.row_of(target), COLUMN_KEYS.index("stage"))
    assert window.model.data(stage_cell).endswith(DRAFT_MARK)  # the queue shows it too

    form.opinion.setFocus()
    key(qtbot, window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert window.review.current_id != target
    assert OPINION not in form.opinion.toPlainText()
    key(qtbot, window, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.review.loaded.application_id == target, timeout=10_000)
    assert form.opinion.toPlainText() == OPINION and form.outcome.currentData() == "不通过"
    assert window.review.assessment.ticked() == {0} and "草稿" in form.saved_label.text()

    window.close()
    assert quit_answers == [[target]]
    window.ws.close()

    again = open_window(demo_folder)
    open_as(qtbot, again, choose_reviewer, target)
    form = again.review.assessment.form
    assert form.opinion.toPlainText() == OPINION and form.note.toPlainText() == "电话已联系"
    assert form.outcome.currentData() == "不通过" and again.review.assessment.ticked() == {0}
    assert "草稿" in form.saved_label.text()
    assert again.review.drafts.unsaved_in_sitting() == []  # reopening a draft is no new unsaved work

    with Workspace.open(demo_folder, create=False, lock=False) as ws:  # a draft is no event and no decision
        assert not ws.db.execute("SELECT 1 FROM decisions WHERE application_id = ?", [target]).fetchall()
        assert not [row for row in ws.db.execute("SELECT * FROM audit") if OPINION in str(row)]

    stage_cell = again.model.index(again.model.row_of(target), COLUMN_KEYS.index("stage"))
    assert again.model.data(stage_cell).endswith(DRAFT_MARK)
    key(qtbot, again, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert messages == []
    assert store.get(target, "审核员甲") is None and "草稿" not in form.saved_label.text()
    assert not again.model.data(stage_cell).endswith(DRAFT_MARK)
    store.close()


def test_quitting_with_unsaved_work_asks_first_and_can_be_cancelled(
        qtbot, open_window, demo_folder: Path, messages, choose_reviewer, monkeypatch: pytest.MonkeyPatch):
    window = open_window(demo_folder)
    target = undecided(window)
    open_as(qtbot, window, choose_reviewer, target)
    type_text(window.review.assessment.form.opinion, "还没写完")
    asked: list[list[str]] = []
    monkeypatch.setattr("gui.draft_keeper.QuitWithDrafts.ask",
                        classmethod(lambda cls, parent, ids: asked.append(ids) or False))
    key(qtbot, window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert asked == [[target]] and window.isVisible() and not window.closing

    window.review.assessment.form.opinion.clear()  # undone by hand: nothing left to ask about
    window.close()
    assert asked == [[target]] and not window.isVisible()


def test_a_draft_survives_the_program_being_killed(demo_folder: Path, isolated_drafts: Path):
    """Typed, then the process dies without closing anything: the draft is on disk."""
    import os
    import subprocess
    import sys

    with Workspace.open(demo_folder, create=False, lock=False) as ws:
        target = ws.db.execute("SELECT application_id FROM conflicts WHERE reviewer = '审核员甲' AND has_conflict = 0 "
                               "AND application_id NOT IN (SELECT application_id FROM decisions)").fetchone()[0]
    script = f"""
import os, time
from pathlib import Path
from gui.app import create_application
from gui.main_window import MainWindow
from models.workspace.workspace import Workspace
app = create_application()
window = MainWindow(Workspace.open(Path({str(demo_folder)!r})))
window.show()
deadline = time.time() + 30
while not window.queue_ready and time.time() < deadline:
    app.processEvents()
window.preview_as("审核员甲")
window.open_application({target!r})
while (window.review.loaded is None or window.review.gate().value != "open") and time.time() < deadline:
    app.processEvents()
window.review.assessment.form.opinion.setFocus()
window.review.assessment.form.opinion.insertPlainText({OPINION!r})
until = time.time() + 1.0
while time.time() < until:
    app.processEvents()
os._exit(9)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], timeout=120,
                            capture_output=True, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 9, result.stderr
    with DraftStore(demo_folder) as store:
        draft = store.get(target, "审核员甲")
    assert draft is not None and draft.opinion == OPINION
