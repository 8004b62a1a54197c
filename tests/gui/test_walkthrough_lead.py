"""Issue 15's walkthrough, steps 1, 4 and 5, through the widgets only, on a real workspace.

1. 审核员甲 types an opinion, moves away, the window is restarted, and the draft is found again.
4. 审核员乙 sends a case to the 负责人; 科长丙 finds it in his queue and signs his decision.
5. A referral is decided with 转主管部门 and no amount.

Afterwards ``audit verify`` passes. (Steps 2 and 3, 补正, are in test_walkthrough_correction.py.)
"""

from __future__ import annotations

from pathlib import Path

from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace

from gui.evidence_pane import Gate
from gui.main_window import REVIEW_TAB, MainWindow
from gui.qt import QApplication, QEvent, QKeyEvent, Qt, QWidget
from gui.queue_model import COLUMN_KEYS, DRAFT_MARK

CTRL = Qt.KeyboardModifier.ControlModifier
STAGE, APPROVED = COLUMN_KEYS.index("stage"), COLUMN_KEYS.index("approved")
OPINION = "本事项由项目落地奖励政策规定，拟转主管部门"


def type_text(widget: QWidget, text: str) -> None:
    """Types ``text`` key by key, as a keyboard with an input method would (QTest types ASCII only)."""
    widget.setFocus()
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def cell(window: MainWindow, application_id: str, column: int) -> str:
    return window.model.data(window.model.index(window.model.row_of(application_id), column))


def label(window: MainWindow, application_id: str) -> str:
    """The 审核阶段 the window's queue index holds for the application."""
    index = window.model.index_data
    return index.stages[index.position_of[application_id]]


def open_from_queue(qtbot, window: MainWindow, application_id: str) -> None:  # noqa: ANN001 - pytest-qt's qtbot
    """Click the application's row in the queue, press Enter, and declare no conflict (Ctrl+D) if asked."""
    window.tabs.setCurrentIndex(0)
    table = window.queue.table
    row = window.model.row_of(application_id)
    assert row is not None, f"{application_id} is not in the queue shown"
    table.scrollTo(window.model.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(window.model.index(row, 0)).center())
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == REVIEW_TAB
    qtbot.waitUntil(lambda: window.review.loaded is not None and window.review.loaded.application_id == application_id,
                    timeout=10_000)
    if window.review.gate() is Gate.UNDECLARED:
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_D, CTRL)
    assert window.review.gate() is Gate.OPEN


def choose(combo, value: str) -> None:  # noqa: ANN001 - a QComboBox
    at = combo.findData(value)
    if at < 0:
        at = combo.findText(value)
    assert at >= 0, f"{value} is not offered: {[combo.itemText(n) for n in range(combo.count())]}"
    combo.setCurrentIndex(at)


def offered(combo) -> list[str]:  # noqa: ANN001 - a QComboBox
    return [combo.itemText(n) for n in range(combo.count())]


def test_draft_lead_decision_and_referral_walkthrough(qtbot, open_window, demo_folder: Path, messages,
                                                      choose_reviewer, quit_answers):
    # (1) 甲 types an opinion on a referral item and moves away; the window is closed and opened again.
    window = open_window(demo_folder)
    choose_reviewer(window, "审核员甲")
    assert window.queue.mine_only.isChecked()
    index = window.model.index_data
    mine = window.model.visible_ids()
    assert mine and all(label(window, i) == "待初审" for i in mine)
    referral = next(i for i in mine if index.statuses[index.position_of[i]] == "referral")
    open_from_queue(qtbot, window, referral)
    form = window.review.assessment.form
    assert offered(form.stage) == ["初审"]
    type_text(form.opinion, OPINION)
    qtbot.waitUntil(lambda: "草稿" in form.saved_label.text(), timeout=3_000)
    qtbot.keyClick(form.opinion, Qt.Key.Key_Down, CTRL)
    assert window.review.current_id != referral and OPINION not in form.opinion.toPlainText()
    window.close()
    assert quit_answers == [[referral]]  # quitting with unsaved work asked first
    window.ws.close()

    window = open_window(demo_folder)
    choose_reviewer(window, "审核员甲")
    assert cell(window, referral, STAGE).endswith(DRAFT_MARK)
    open_from_queue(qtbot, window, referral)
    form = window.review.assessment.form
    assert form.opinion.toPlainText() == OPINION and "草稿" in form.saved_label.text()

    # (5) The referral: 转主管部门 needs no amount, and the pane names the policy instead of 通过 0.00万元.
    choose(form.outcome, "转主管部门")
    policy = window.review.loaded.case.item.referral_policy
    assert not form.amount.isEnabled() and form.amount.text() == ""
    assert policy and policy in form.cap_hint.text() and "不核定金额" in form.cap_hint.text()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert messages == []
    decided = window.review.loaded.case.current("初审")
    assert (decided.outcome, decided.amount_yuan, decided.reviewer) == ("转主管部门", None, "审核员甲")
    pane = window.review.assessment.decisions.text()
    assert "转主管部门" in pane and "万元" not in pane
    assert cell(window, referral, STAGE).startswith("已转主管部门")

    # (4) 乙 sends a case waiting for its 复核 up to the 负责人.
    choose_reviewer(window, "审核员乙")
    waiting = window.model.visible_ids()
    assert waiting and all(label(window, i) == "待复核" for i in waiting)
    sent = waiting[0]
    open_from_queue(qtbot, window, sent)
    form = window.review.assessment.form
    assert offered(form.stage) == ["复核"] and "提交负责人" in offered(form.outcome)
    choose(form.outcome, "提交负责人")
    type_text(form.opinion, "金额较大，请负责人审定")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert messages == []
    assert cell(window, sent, STAGE).startswith("待负责人")

    # 科长丙's queue lists the cases sent up, this one among them; he decides at the 负责人 stage only.
    choose_reviewer(window, "科长丙")
    lead_queue = window.model.visible_ids()
    assert sent in lead_queue and all(label(window, i) == "待负责人" for i in lead_queue)
    open_from_queue(qtbot, window, sent)
    form = window.review.assessment.form
    assert offered(form.stage) == ["负责人"]
    assert offered(form.outcome)[1:] == ["通过", "部分通过", "不通过", "退回补正", "转主管部门"]
    choose(form.outcome, "部分通过")
    form.amount.selectAll()
    qtbot.keyClicks(form.amount, "12.5")
    type_text(form.opinion, "同意部分通过")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert messages == []
    lead = window.review.loaded.case.current("负责人")
    assert (lead.outcome, str(lead.amount_yuan), lead.reviewer) == ("部分通过", "125000.00", "科长丙")
    assert lead.signature and '"stage":"负责人"' in lead.record.replace(" ", "")
    assert cell(window, sent, STAGE).startswith("负责人已决定") and cell(window, sent, APPROVED) == "12.50万元"

    with Workspace.open(demo_folder, create=False, lock=False) as ws:
        report = verify_workspace(ws)
    assert report.ok, report
