"""The review page: conflict before evidence, decisions refused in plain Chinese, keyboard, prefetch, layout."""

from __future__ import annotations

import pytest

from demo.workspace import DEMO_PASSPHRASE
from models.workspace.evidence import EvidenceStore
from models.workspace.workspace import Workspace

from gui.evidence_pane import Gate
from gui.main_window import QUEUE_TAB, REVIEW_TAB
from gui.qt import Qt
from gui.review_view import PANES, ConflictReasonDialog, ReviewView

CTRL = Qt.KeyboardModifier.ControlModifier


def undeclared_application(window, reviewer: str = "科长丙") -> str:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    """An application with a cap and a final 初审, waiting for its 复核, on which ``reviewer`` (by default 科长丙)
    has not declared yet."""
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:
        return ws.db.execute(
            "SELECT a.application_id FROM applications a JOIN assessments s USING (application_id) "
            "JOIN decisions f ON f.application_id = a.application_id AND f.stage = '初审' AND f.current = 1 "
            "WHERE s.cap_yuan IS NOT NULL AND f.outcome IN ('通过', '部分通过', '不通过') AND NOT EXISTS (SELECT 1 FROM "
            "decisions r WHERE r.application_id = a.application_id AND r.stage = '复核') AND a.application_id NOT IN "
            "(SELECT application_id FROM conflicts WHERE reviewer = ?) ORDER BY a.seq LIMIT 1", [reviewer]).fetchone()[0]


def open_case(qtbot, window, application_id: str) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    window.activateWindow()
    window.open_application(application_id)
    qtbot.waitUntil(lambda: window.review.loaded is not None and window.review.current_id == application_id,
                    timeout=10_000)


def key(qtbot, window, code: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    qtbot.keyClick(window.focusWidget() or window, code, modifier)


def test_a_declared_conflict_keeps_evidence_hidden_and_deciding_off(qtbot, window, choose_reviewer, monkeypatch):
    choose_reviewer(window, "科长丙")
    application_id = undeclared_application(window)
    open_case(qtbot, window, application_id)
    review = window.review
    assert review.gate() is Gate.UNDECLARED and not review.evidence.evidence_visible
    monkeypatch.setattr(ConflictReasonDialog, "ask", classmethod(lambda cls, parent: "申报企业法定代表人系本人亲属"))
    window.actions_by_name["declare_conflict"].trigger()
    assert review.gate() is Gate.CONFLICT
    assert not review.evidence.evidence_visible
    assert "已声明存在利益冲突" in review.evidence.gate.message.text()
    assert not review.assessment.form.isEnabled()
    key(qtbot, window, Qt.Key.Key_D, CTRL)  # cannot be undone by the shortcut
    assert review.gate() is Gate.CONFLICT
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:
        row = ws.db.execute("SELECT has_conflict, reason FROM conflicts WHERE application_id = ? AND reviewer = ?",
                            [application_id, "科长丙"]).fetchone()
    assert row == (1, "申报企业法定代表人系本人亲属")

    # Withdrawing it asks a reason and 科长丙's passphrase again, though his key is unlocked.
    asked: list[str] = []
    monkeypatch.setattr(ConflictReasonDialog, "ask_withdrawal", classmethod(lambda cls, parent: "误点：与该企业无关"))
    monkeypatch.setattr("gui.passphrase_dialog.PassphraseDialog.ask",
                        classmethod(lambda cls, p, r: asked.append(r) or DEMO_PASSPHRASE))
    assert review.evidence.gate.withdraw_button.isVisibleTo(review.evidence.gate)
    qtbot.mouseClick(review.evidence.gate.withdraw_button, Qt.MouseButton.LeftButton)
    assert asked == ["科长丙"]
    qtbot.waitUntil(lambda: review.gate() is Gate.UNDECLARED, timeout=10_000)
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM conflicts WHERE application_id = ? AND reviewer = ?",
                             [application_id, "科长丙"]).fetchone()[0] == 0
        withdrawal = ws.db.execute("SELECT actor FROM audit WHERE action = '撤回利益冲突声明'").fetchall()
    assert withdrawal == [("科长丙",)]


def test_a_wrong_passphrase_is_refused_and_the_reviewer_stays_unchanged(qtbot, window, messages, monkeypatch):
    monkeypatch.setattr("gui.passphrase_dialog.PassphraseDialog.ask", classmethod(lambda cls, p, r: "不对的口令"))
    combo = window.reviewer_combo
    combo.setCurrentIndex(combo.findData("审核员乙"))
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert "口令错误" in messages[0]
    assert window.session.current is None
    assert combo.currentData() == ""
    assert combo.isEnabled()


def test_cancelling_the_passphrase_changes_nothing(window, monkeypatch):
    monkeypatch.setattr("gui.passphrase_dialog.PassphraseDialog.ask", classmethod(lambda cls, p, r: None))
    combo = window.reviewer_combo
    combo.setCurrentIndex(combo.findData("科长丙"))
    assert window.session.current is None and combo.currentData() == ""


def test_an_amount_over_the_cap_needs_a_reason(qtbot, window, choose_reviewer, messages):
    choose_reviewer(window, "科长丙")
    application_id = undeclared_application(window)
    open_case(qtbot, window, application_id)
    key(qtbot, window, Qt.Key.Key_D, CTRL)
    cap = window.review.loaded.case.cap.cap_yuan
    form = window.review.assessment.form
    form.choose_outcome("通过")
    form.amount.setText(str(cap / 10000 + 1))
    assert window.review.save() is False
    assert "超过上限" in messages[-1] and "超限理由" in messages[-1]
    form.override.setText("经局务会研究同意")
    assert window.review.save() is True
    stage = form.stage.currentText()
    assert window.review.loaded.case.current(stage).override_reason == "经局务会研究同意"


def test_an_unreadable_form_is_a_message_not_a_crash(qtbot, window, choose_reviewer, messages):
    choose_reviewer(window, "科长丙")
    open_case(qtbot, window, undeclared_application(window))
    key(qtbot, window, Qt.Key.Key_D, CTRL)
    form = window.review.assessment.form
    form.outcome.setCurrentIndex(0)
    assert window.review.save() is False
    assert messages[-1] == "请选择审核结论"
    form.choose_outcome("部分通过")
    form.amount.setText("十万")
    assert window.review.save() is False
    assert "不是有效的万元数" in messages[-1]
    form.amount.setText("-5")
    assert window.review.save() is False


def test_j_and_k_move_but_type_inside_text_boxes(qtbot, window, choose_reviewer):
    choose_reviewer(window, "审核员甲")
    first, second, third = (window.model.application_id(n) for n in range(3))
    open_case(qtbot, window, first)
    window.review.setFocus()
    key(qtbot, window, Qt.Key.Key_J)
    assert window.review.current_id == second
    key(qtbot, window, Qt.Key.Key_Down, CTRL)
    assert window.review.current_id == third
    key(qtbot, window, Qt.Key.Key_Up, CTRL)
    key(qtbot, window, Qt.Key.Key_K)
    assert window.review.current_id == first
    opinion = window.review.assessment.form.opinion
    if opinion.isEnabled():
        opinion.setFocus()
        opinion.moveCursor(opinion.textCursor().MoveOperation.End)
        qtbot.keyClicks(opinion, "jk")
        assert opinion.toPlainText().endswith("jk")
        assert window.review.current_id == first


def test_the_next_case_is_loaded_before_it_is_asked_for(qtbot, window):
    first, second = window.model.application_id(0), window.model.application_id(1)
    open_case(qtbot, window, first)
    qtbot.waitUntil(lambda: window.loader.cached(second) is not None, timeout=10_000)
    window.review.go(1)
    assert window.review.current_id == second
    assert window.review.loaded is not None  # shown at once, nothing waited for


def test_ctrl_digit_ticks_and_opens_the_file_named_for_that_requirement(qtbot, window, choose_reviewer):
    choose_reviewer(window, "审核员甲")
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:  # 技术改造: an invoice and a certificate
        with_invoice = ws.db.execute("SELECT application_id FROM application_evidence WHERE name LIKE '%invoice%' "
                                     "AND application_id IN (SELECT application_id FROM conflicts "
                                     "WHERE reviewer = '审核员甲' AND has_conflict = 0)").fetchone()[0]
    open_case(qtbot, window, with_invoice)
    review = window.review
    assert review.evidence.evidence_visible
    checklist = review.assessment.checklist
    assert "设备购置发票及清单" in checklist.item(1).text() and "invoice.pdf" in checklist.item(1).text()
    assert "未找到对应附件" in checklist.item(0).text()  # 项目备案（核准）文件: no file is named for it
    key(qtbot, window, Qt.Key.Key_2, CTRL)
    assert review.assessment.ticked() == {1}
    files = review.evidence.files
    assert "invoice.pdf" in files.item(files.currentRow()).text()
    key(qtbot, window, Qt.Key.Key_2, CTRL)
    assert review.assessment.ticked() == set()
    window.review.go(1)
    window.review.go(-1)
    assert window.session.ticks(with_invoice) == set()


def test_page_down_in_the_attachment_is_its_page_not_the_next_application(qtbot, window, choose_reviewer):
    choose_reviewer(window, "审核员甲")
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:
        with_pdf = ws.db.execute("SELECT application_id FROM application_evidence WHERE position = 0 AND name "
                                 "LIKE '%.pdf' AND application_id IN (SELECT application_id FROM conflicts "
                                 "WHERE reviewer = '审核员甲' AND has_conflict = 0)").fetchone()[0]
    open_case(qtbot, window, with_pdf)
    pdf = window.review.evidence.pdf
    pdf.view.setFocus()
    key(qtbot, window, Qt.Key.Key_PageDown)
    assert window.review.current_id == with_pdf and pdf.current_page() == 0  # a one-page file: nowhere to go


def test_an_altered_evidence_file_is_marked_and_not_shown(qtbot, window, choose_reviewer):
    window.queue.mine_only.setChecked(False)
    choose_reviewer(window, "审核员甲")
    application_id = window.model.application_id(10)  # not prefetched: the tampering happens first
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:
        sha = ws.db.execute("SELECT sha256 FROM application_evidence WHERE application_id = ? ORDER BY position",
                            [application_id]).fetchone()[0]
    stored = EvidenceStore(window.ws.evidence_dir).path_of(sha)
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes() + b"tampered")
    open_case(qtbot, window, application_id)
    evidence = window.review.evidence
    assert evidence.files.item(0).text().startswith("✗")
    assert "改动" in evidence.files.item(0).text()
    assert evidence.viewers.currentWidget() is evidence.notice


def test_pdf_pages_and_zoom(qtbot, window, choose_reviewer):
    choose_reviewer(window, "审核员甲")
    open_case(qtbot, window, window.model.application_id(0))
    pdf = window.review.evidence.pdf
    assert window.review.evidence.viewers.currentWidget() is pdf
    assert pdf.page_count() >= 1 and pdf.current_page() == 0
    pdf.zoom_by(+1)
    zoomed = pdf.view.zoomFactor()
    pdf.zoom_by(+1)
    assert pdf.view.zoomFactor() > zoomed
    pdf.zoom_by(-1)
    assert pdf.view.zoomFactor() == pytest.approx(zoomed)
    pdf.fit_width()
    assert pdf.bar.zoom.text() == "适宽"
    pdf.go_to_page(5)  # past the end: stays
    assert pdf.current_page() == 0


def test_image_zoom(qtbot, window, choose_reviewer):
    choose_reviewer(window, "审核员甲")
    with Workspace.open(window.ws.folder, create=False, lock=False) as ws:
        application_id, position = ws.db.execute(
            "SELECT application_id, position FROM application_evidence WHERE name LIKE '%.png' AND application_id IN "
            "(SELECT application_id FROM conflicts WHERE reviewer = '审核员甲' AND has_conflict = 0)").fetchone()
    open_case(qtbot, window, application_id)
    evidence = window.review.evidence
    evidence.open_file(position)
    assert evidence.viewers.currentWidget() is evidence.image
    before = evidence.image.label.pixmap().width()
    evidence.image.zoom_by(+1)
    assert evidence.image.label.pixmap().width() > before


def test_pane_order_and_sizes_are_remembered(qtbot, window):
    review = window.review
    review.move_pane("clause", +1)
    assert review.pane_order() == ["evidence", "clause", "assessment"]
    review.splitter.setSizes([500, 300, 500])
    review.save_layout()
    again = ReviewView(window.ws, window.session, window.loader, window.model)
    qtbot.addWidget(again)
    assert again.pane_order() == ["evidence", "clause", "assessment"]
    assert again.splitter.saveState() == review.splitter.saveState()
    again.reset_layout()
    assert again.pane_order() == list(PANES)


def test_tabs_and_actions_follow_the_page(qtbot, window):
    assert window.tabs.currentIndex() == QUEUE_TAB
    assert not window.actions_by_name["save"].isEnabled()
    window.activateWindow()
    key(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert window.tabs.currentIndex() == REVIEW_TAB
    assert window.actions_by_name["save"].isEnabled()
    assert window.review.current_id == window.model.application_id(0)  # the selected one opens


def test_printing_asks_for_a_reviewer_first(window, messages):
    window.actions_by_name["print_sheet"].trigger()
    assert len(messages) == 1 and "请先在工具栏选择审核人" in messages[0]


def test_the_legend_lists_the_shortcuts():
    from gui.actions import legend_html

    legend = legend_html()
    for text in ("Ctrl+S", "Ctrl+Return", "J", "PgDown", "Ctrl+1 … Ctrl+9", "F1", "Ctrl+F", "Ctrl+P", "Ctrl+E"):
        assert text in legend, text



def test_the_clause_button_opens_the_measures_at_that_clause(qtbot, window):
    from gui.main_window import POLICY_TAB

    open_case(qtbot, window, window.model.application_id(0))
    clause_id = window.review.loaded.case.item.clause.id
    assert window.review.clause.units.text().startswith("<b>责任单位：</b>")
    assert "background-color" in window.review.clause.text.toHtml()  # the number-setting sentence is marked
    window.review.clause.source_button.click()
    assert window.tabs.currentIndex() == POLICY_TAB
    browser = window.policy_page.content
    if hasattr(browser, "current"):
        assert browser.current() == ("clause", clause_id)
