"""A real workspace set up in the GUI alone: CA, 系统管理员, 负责人, two reviewers; import; decide both stages."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace

from gui.evidence_pane import Gate
from gui.main_window import REVIEW_TAB
from gui.qt import QDialogButtonBox, QMessageBox, Qt
from tests.gui.test_review_flow import decisions, drive_import_dialog, intake, press  # noqa: F401 - fixtures

PASSPHRASES = {"王管理": "王管理的口令-2026", "赵科长": "赵科长的口令-2026", "张初审": "张初审的口令-2026",
               "李复核": "李复核的口令-2026"}
CA_PASSPHRASE = "聊城工信局CA口令-2026"


@pytest.fixture
def typed_passphrases(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The real passphrase dialog, its field typed in by the person it asks for; who was asked, in order."""
    from gui.passphrase_dialog import PassphraseDialog

    asked: list[str] = []

    def exec_(dialog: PassphraseDialog) -> int:
        asked.append(dialog.reviewer)
        dialog.passphrase.setText(PASSPHRASES[dialog.reviewer])
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(PassphraseDialog, "exec", exec_)
    return asked


def _first_start(qtbot, monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path | None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    from gui.first_start import choose_first_workspace
    from gui.setup_dialog import BureauSetupDialog

    def choose(box: QMessageBox) -> int:
        next(b for b in box.buttons() if b.text() == "为本局新建工作区…").click()
        return 0

    def fill(dialog: BureauSetupDialog) -> int:
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.ca_passphrase.set_text("短")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        assert "至少需要 10 个字符" in dialog.problem.text() and not dialog.created
        dialog.ca_passphrase.set_text(CA_PASSPHRASE)
        assert dialog.ca_passphrase.strength.text().startswith("口令强度：")
        for name_edit, fields, name in ((dialog.admin_name, dialog.admin_passphrase, "王管理"),
                                        (dialog.lead_name, dialog.lead_passphrase, "赵科长")):
            name_edit.setText(name)
            fields.set_text(PASSPHRASES[name])
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(QMessageBox, "exec", choose)
    monkeypatch.setattr(BureauSetupDialog, "exec", fill)
    return choose_first_workspace(folder)


SHOT = __import__("os").environ.get("REVIEWDESK_PEOPLE_SHOT")  # a path: the dialog grabbed there, to look at


def _add_reviewers(qtbot, window, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    from gui.people_dialog import PeopleDialog

    def exec_(dialog: PeopleDialog) -> int:
        assert dialog.admin.currentText() == "王管理"
        dialog.admin_passphrase.setText(PASSPHRASES["王管理"])
        dialog.ca_passphrase.setText(CA_PASSPHRASE)
        for name, role in (("张初审", "初审"), ("李复核", "复核")):
            dialog.name.setText(name)
            dialog.role.setCurrentText(role)
            dialog.new_passphrase.set_text(PASSPHRASES[name])
            qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
            assert dialog.status.text().count(f"已添加 {name}（{role}）") == 1, dialog.status.text()
        dialog.name.setText("张初审\u200b")  # a look-alike is refused, saying why
        dialog.new_passphrase.set_text("张初审的口令-2027")
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
        assert "不可见字符 U+200B" in dialog.status.text()
        assert dialog.table.rowCount() == 4
        dialog.select("张初审")  # a re-key: refused from the 系统管理员 alone, done with the 负责人's confirmation
        dialog.rekey_passphrase.set_text(PASSPHRASES["张初审"])
        qtbot.mouseClick(dialog.rekey_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
        assert "须经张初审本人（用现在的口令）或一位负责人确认" in dialog.status.text(), dialog.status.text()
        dialog.confirmer.setCurrentText("赵科长")
        dialog.confirmer_passphrase.setText(PASSPHRASES["赵科长"])
        dialog.rekey_passphrase.set_text(PASSPHRASES["张初审"])
        qtbot.mouseClick(dialog.rekey_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
        assert "已为 张初审 更换密钥" in dialog.status.text(), dialog.status.text()
        if SHOT:
            dialog.grab().save(SHOT)
        return 0

    monkeypatch.setattr(PeopleDialog, "exec", exec_)
    window.actions_by_name["people"].trigger()


def _choose(qtbot, window, name: str) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    combo = window.reviewer_combo
    combo.setCurrentIndex(combo.findData(name))
    qtbot.waitUntil(lambda: window.session.current == name, timeout=20_000)


def test_a_bureau_workspace_from_the_gui_to_both_stages(qtbot, open_window, tmp_path: Path,  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
                                                       monkeypatch: pytest.MonkeyPatch, messages: list[str],
                                                       intake, drive_import_dialog,  # noqa: F811 - the fixtures imported above, by name
                                                       typed_passphrases: list[str]) -> None:
    folder = _first_start(qtbot, monkeypatch, tmp_path / "局工作区")
    assert folder == tmp_path / "局工作区"
    window = open_window(folder)
    assert not window.ws.is_demo
    assert "人员管理" in window.queue.count_label.text()  # the empty queue says what to do next

    _add_reviewers(qtbot, window, monkeypatch)
    people = [window.reviewer_combo.itemData(i) for i in range(1, window.reviewer_combo.count())]
    assert people == ["赵科长", "张初审", "李复核"]  # the 系统管理员 decides nothing: not offered
    qtbot.waitUntil(lambda: "导入申报文件" in window.queue.count_label.text(), timeout=10_000)

    _choose(qtbot, window, "张初审")  # the import is signed with the sitting's key
    drive_import_dialog(*intake)
    window.actions_by_name["import_file"].trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 6, timeout=20_000)
    first = window.model.application_id(0)
    window.activateWindow()
    window.queue.select_application(first)
    window.queue.table.setFocus()
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == REVIEW_TAB
    qtbot.waitUntil(lambda: window.review.loaded is not None, timeout=10_000)
    review, form = window.review, window.review.assessment.form

    _choose(qtbot, window, "张初审")
    press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert review.gate() is Gate.OPEN, messages
    form.choose_outcome("通过")
    form.opinion.setPlainText("材料齐全。")
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    _choose(qtbot, window, "李复核")
    press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert form.stage.currentText() == "复核"
    form.choose_outcome("通过")
    form.opinion.setFocus()
    press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert messages == []
    assert decisions(folder) == [(first, "初审", "通过", "张初审"), (first, "复核", "通过", "李复核")]

    _choose(qtbot, window, "张初审")  # switching back asks 张初审's passphrase again
    assert typed_passphrases == ["张初审", "李复核", "张初审"]
    with Workspace.open(folder, create=False, lock=False) as ws:
        report = verify_workspace(ws)
        actors = [a for (a,) in ws.db.execute("SELECT actor FROM audit WHERE action = '新增审核人员' ORDER BY seq")]
    assert report.ok, report.problems
    assert actors == ["王管理", "王管理", "王管理", "王管理"]
