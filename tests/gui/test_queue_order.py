"""保存并下一件 lands only where the reviewer may act next; applications they are recused from are marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from demo.workspace import DEMO_PASSPHRASE
from models.review.queue_index import load_queue_index
from models.workspace.workspace import Workspace

from gui.evidence_pane import Gate
from gui.qt import Qt
from gui.queue_model import COLUMN_KEYS, RECUSED_MARK

STAGE = COLUMN_KEYS.index("stage")


def first_stage_done(folder: Path, ids: list[str]) -> None:
    """审核员甲 decides 初审 on ``ids`` (set-up through the same functions the CLI uses)."""
    with Workspace.open(folder, create=False, lock=False) as ws:
        for application_id in ids:
            declare_conflict(ws, application_id, "审核员甲", has_conflict=False, passphrase=DEMO_PASSPHRASE)
            decide(ws, DecisionInput(application_id, "初审", "不通过", "审核员甲", opinion="条件不符"), DEMO_PASSPHRASE)


@pytest.fixture
def waiting(demo_folder: Path) -> list[str]:
    """Applications without a 初审, in queue order; the first and the third get one, the second does not."""
    with Workspace.open(demo_folder, create=False, lock=False) as ws:
        index = load_queue_index(ws.db)
    untouched = [i for i, stage in zip(index.ids, index.stages) if stage == "待初审"]
    assert len(untouched) >= 3
    first_stage_done(demo_folder, [untouched[0], untouched[2]])
    return untouched[:3]


def next_waiting_for_second(window, after: str) -> str | None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    """The first application below ``after`` that shows 待复核 and 审核员乙 is not recused from."""
    index, model = window.model.index_data, window.model
    for row in range(model.row_of(after) + 1, model.rowCount()):
        application_id = model.application_id(row)
        if (index.stages[index.position_of[application_id]] == "待复核"
                and application_id not in index.recusals.get("审核员乙", set())):
            return application_id
    return None


def open_as_second(qtbot, window, choose_reviewer, application_id: str) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    window.queue.mine_only.setChecked(False)  # the whole queue: 保存并下一件 itself skips what 乙 may not act on
    choose_reviewer(window, "审核员乙")
    window.activateWindow()
    window.open_application(application_id)
    qtbot.waitUntil(lambda: window.review.loaded is not None and window.review.current_id == application_id,
                    timeout=10_000)
    if window.review.gate() is Gate.UNDECLARED:
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.review.gate() is Gate.OPEN


def test_save_and_next_skips_what_has_no_first_stage_yet(qtbot, open_window, demo_folder, waiting, messages,
                                                         choose_reviewer):
    window = open_window(demo_folder)
    ready, no_first, also_ready = waiting
    open_as_second(qtbot, window, choose_reviewer, ready)
    form = window.review.assessment.form
    assert form.stage.currentText() == "复核"
    form.choose_outcome("不通过")
    form.opinion.setFocus()
    expected = next_waiting_for_second(window, ready)
    qtbot.keyClick(form.opinion, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert messages == []
    assert window.model.row_of(ready) < window.model.row_of(no_first) < window.model.row_of(also_ready)
    assert expected is not None and window.review.current_id == expected != no_first
    open_as_second(qtbot, window, choose_reviewer, no_first)
    assert "初审" in form.saved_label.text() and not form.save_button.isEnabled()  # 乙 is told why not yet
    window.actions_by_name["save"].trigger()  # Ctrl+S says the same, and signs nothing
    assert messages == [form.blocked] and "初审" in messages[0]
    assert window.review.loaded.case.current("复核") is None


def test_recused_applications_are_marked_for_that_reviewer_and_skipped(qtbot, open_window, demo_folder, waiting,
                                                                      messages, choose_reviewer, monkeypatch):
    window = open_window(demo_folder)
    ready, _, also_ready = waiting
    open_as_second(qtbot, window, choose_reviewer, ready)
    window.open_application(also_ready)
    qtbot.waitUntil(lambda: window.review.loaded is not None and window.review.current_id == also_ready,
                    timeout=10_000)
    monkeypatch.setattr("gui.review_view.ConflictReasonDialog.ask", classmethod(lambda cls, parent: "企业负责人是本人亲属"))
    window.actions_by_name["declare_conflict"].trigger()
    assert window.review.gate() is Gate.CONFLICT
    row = window.model.row_of(also_ready)
    assert window.model.data(window.model.index(row, STAGE)).endswith(RECUSED_MARK)

    window.open_application(ready)
    qtbot.waitUntil(lambda: window.review.loaded is not None and window.review.current_id == ready, timeout=10_000)
    window.review.assessment.form.choose_outcome("不通过")
    expected = next_waiting_for_second(window, ready)
    window.actions_by_name["save_next"].trigger()
    assert messages == [] and window.review.current_id == (expected or ready) != also_ready

    choose_reviewer(window, "审核员甲")
    assert not window.model.data(window.model.index(row, STAGE)).endswith(RECUSED_MARK)


def test_each_reviewers_queue_lists_what_they_may_act_on_next(qtbot, open_window, demo_folder, waiting,
                                                               choose_reviewer):
    window = open_window(demo_folder)
    window.queue.mine_only.setChecked(True)
    assert not window.queue.mine_only.isEnabled() and window.model.rowCount() == len(window.model.index_data)
    index = window.model.index_data
    for reviewer, shown in (("审核员甲", "待初审"), ("审核员乙", "待复核"), ("科长丙", "待负责人")):
        choose_reviewer(window, reviewer)
        listed = window.model.visible_ids()
        everyone = [index.ids[p] for p, label in enumerate(index.stages) if label == shown]
        assert listed and listed == everyone, reviewer
        assert window.queue.selected_application() == listed[0]  # Enter opens their first to-do
    ready, no_first, _ = waiting
    assert window.model.row_of(no_first) is None  # 丙's list holds cases sent up, not applications without 初审
    window.queue.mine_only.setChecked(False)
    assert window.model.row_of(no_first) is not None and window.model.row_of(ready) is not None
