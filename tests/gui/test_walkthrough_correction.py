"""补正 by the widgets: return an application with two items and a deadline, render its 补正告知书,
resubmit it through the import dialog, see what changed, and the log still verifies."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.workspace_support import intake_row, write_csv

from gui.evidence_pane import Gate
from gui.main_window import REVIEW_TAB
from gui.qt import QDate, Qt


@pytest.fixture
def drive_import(qtbot, monkeypatch):  # noqa: ANN001, ANN201 - pytest fixtures and test doubles go unannotated
    """The real ImportDialog, its ``exec`` replaced by choosing a file, ticking 更新 as asked, and pressing 导入."""
    from gui import import_dialog

    outcome: list[str] = []

    def drive(csv: Path, update: bool) -> list[str]:
        def exec_(dialog) -> int:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
            dialog.set_file(csv)
            dialog.set_evidence(None)
            dialog.update_box.setChecked(update)
            dialog.start_import()
            qtbot.waitUntil(lambda: dialog.imported or dialog.rejection is not None, timeout=30_000)
            qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)
            outcome.append(f"imported {dialog.result.imported} updated {dialog.result.updated}"
                           if dialog.imported else str(dialog.rejection))
            return 1 if dialog.imported else 0

        monkeypatch.setattr(import_dialog.ImportDialog, "exec", exec_)
        return outcome

    return drive


def _open(qtbot, window, application_id: str) -> None:  # noqa: ANN001 - pytest-qt's qtbot and the window
    window.activateWindow()
    window.queue.select_application(application_id)
    window.queue.table.setFocus()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == REVIEW_TAB
    qtbot.waitUntil(lambda: window.review.loaded is not None and window.review.current_id == application_id,
                    timeout=10_000)


def test_return_for_materials_notice_and_resubmission(qtbot, open_window, empty_workspace, tmp_path, messages,
                                                    drive_import, choose_reviewer, monkeypatch):
    window = open_window(empty_workspace)
    choose_reviewer(window, "审核员甲")  # the import is signed with the sitting's key
    outcome = drive_import(write_csv(tmp_path / "申报.csv", [intake_row(1), intake_row(2)]), update=False)
    window.actions_by_name["import_file"].trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10_000)
    assert outcome == ["imported 2 updated 0"]

    _open(qtbot, window, "T00001")
    review, form = window.review, window.review.assessment.form
    choose_reviewer(window, "审核员甲")
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert review.gate() is Gate.OPEN
    assert not form.correction.isVisible()
    form.choose_outcome("退回补正")
    assert form.correction.isVisible() and not form.amount.isEnabled()

    # Without items or a deadline the model refuses, in Chinese, and nothing is signed.
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert messages[-1].startswith("结论为退回补正时须列明需补正的材料")
    requirement = form.correction.checklist.item(0).data(Qt.ItemDataRole.UserRole)
    form.correction.checklist.item(0).setCheckState(Qt.CheckState.Checked)
    form.correction.other.setText("近三年财务审计报告")  # QTest types ASCII only
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert messages[-1].startswith("结论为退回补正时须填写补正期限")
    deadline = date.today() + timedelta(days=15)
    form.correction.deadline.setDate(QDate(deadline.year, deadline.month, deadline.day))
    form.opinion.setPlainText("请补正下列材料。")
    count = len(messages)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert messages[count:] == []
    assert window.model.data(window.model.index(window.model.row_of("T00001"), 7)) == "待补正"

    panel = review.assessment.correction_panel
    assert panel.isVisible() and panel.notice_button.isVisible()
    assert requirement in panel.text.text() and "近三年财务审计报告" in panel.text.text()
    notice = tmp_path / "T00001-补正告知书.pdf"
    monkeypatch.setattr("gui.correction_actions.NoticeFile.ask", classmethod(lambda cls, parent, suggested: notice))
    qtbot.mouseClick(panel.notice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(notice) in panel.issued.text(), timeout=20_000)
    assert notice.is_file()
    text = subprocess.run(["pdftotext", "-raw", str(notice), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = [line.strip() for line in text.splitlines()]
    assert "聊城测试企业1有限公司：" in lines
    assert f"1．{requirement}" in lines and "2．近三年财务审计报告" in lines
    assert f"请于{deadline.year}年{deadline.month}月{deadline.day}日前" in "".join(lines)

    # The enterprise resubmits: the intake desk imports the corrected row with 更新 ticked.
    corrected = intake_row(1, **{"申请金额(万元)": "45", "认定日期": "2023-10-20"})
    drive_import(write_csv(tmp_path / "补正.csv", [corrected]), update=True)
    with qtbot.waitSignal(window.queue_loaded, timeout=10_000):
        window.actions_by_name["import_file"].trigger()
    assert outcome[-1] == "imported 0 updated 1"
    _open(qtbot, window, "T00002")
    _open(qtbot, window, "T00001")
    assert window.model.data(window.model.index(window.model.row_of("T00001"), 7)) == "待初审"
    assert panel.isVisible() and not panel.notice_button.isVisible()
    shown = panel.text.text()
    assert "已补正，请重新审核" in shown
    assert "认定日期：2023-09-15 → 2023-10-20" in shown and "申请金额：50.00万元 → 45.00万元" in shown
    assert form.outcome.currentData() == ""  # back to review: the returned decision is superseded

    with Workspace.open(empty_workspace, create=False, lock=False) as ws:
        report = verify_workspace(ws)
        assert report.ok, report.problems
        actions = [a for (a,) in ws.db.execute("SELECT action FROM audit WHERE subject = 'T00001' ORDER BY seq")]
    assert actions[-3:] == ["初审决定", "生成补正告知书", "补正材料重新提交"]
