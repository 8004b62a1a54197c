"""Settings: reviewer profile and workspace folder in QSettings, the PDF font validated and audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gui.qt import QDialogButtonBox, QSettings
from gui.settings_dialog import (
    SettingsDialog,
    current_actor,
    default_reviewer_name,
    pdf_font_problem,
    remembered_workspace,
)
from models.exports.fonts import PDF_FONT_SETTING, chosen_font
from models.workspace.workspace import Workspace

TRUETYPE = b"\x00\x01\x00\x00" + b"\x00" * 60
CFF = b"OTTO" + b"\x00" * 60


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def dialog(qtbot, workspace: Workspace) -> SettingsDialog:
    widget = SettingsDialog(None, workspace)
    qtbot.addWidget(widget)
    return widget


def _ok(dialog: SettingsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_cff_font_is_refused_with_a_clear_message(dialog: SettingsDialog, tmp_path: Path, workspace: Workspace):
    font = tmp_path / "NotoSansCJK.otf"
    font.write_bytes(CFF)
    dialog.font_path.setText(str(font))
    assert "CFF" in dialog.font_status.text() and "TrueType" in dialog.font_status.text()
    assert not _ok(dialog).isEnabled()
    dialog.accept()
    assert chosen_font() is None and workspace.setting(PDF_FONT_SETTING) == ""
    assert pdf_font_problem(str(tmp_path / "missing.ttf")) == "找不到该字体文件"


def test_saves_reviewer_folder_and_font(dialog: SettingsDialog, tmp_path: Path, workspace: Workspace):
    font = tmp_path / "simsun.ttc"
    font.write_bytes(TRUETYPE)
    dialog.reviewer.setCurrentText("审核员甲")
    dialog.font_path.setText(str(font))
    assert _ok(dialog).isEnabled() and "可嵌入" in dialog.font_status.text()
    other = tmp_path / "另一个工作区"
    other.mkdir()
    assert dialog.set_next_folder(str(other))
    assert "新建" in dialog.folder_note.text()
    dialog.accept()
    assert default_reviewer_name() == "审核员甲" == current_actor()
    assert remembered_workspace() == other
    assert chosen_font() == str(font)  # this PC's preference: the workspace holds no font and logs no setting
    assert workspace.setting(PDF_FONT_SETTING) == ""
    assert workspace.db.execute("SELECT COUNT(*) FROM audit WHERE action = '修改设置'").fetchone()[0] == 0


def test_unchanged_font_is_not_rewritten(dialog: SettingsDialog, workspace: Workspace):
    dialog.accept()
    assert workspace.db.execute("SELECT COUNT(*) FROM audit WHERE action = '修改设置'").fetchone()[0] == 0
    assert remembered_workspace() is None and current_actor() == "审核台用户"


def test_folder_with_a_workspace_is_recognised(dialog: SettingsDialog, workspace: Workspace):
    assert dialog.set_next_folder(str(workspace.folder))
    assert dialog.folder_note.text() == "即当前工作区。"
    dialog.set_next_folder("")
    assert "默认位置" in dialog.folder_note.text()


def test_ask_returns_whether_saved(qtbot, workspace: Workspace, monkeypatch):
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: 0)
    assert SettingsDialog.ask(None, workspace) is False
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: 1)
    assert SettingsDialog.ask(None, workspace) is True


def test_renders(dialog: SettingsDialog, qtbot, tmp_path: Path):
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(tmp_path / "settings.png"))


def test_a_long_folder_path_is_kept_whole_and_does_not_widen_the_dialog(dialog: SettingsDialog, qtbot,
                                                                      tmp_path: Path):
    dialog.show()
    qtbot.waitExposed(dialog)
    width = dialog.width()
    folder = tmp_path / ("聊城市工业和信息化局生物医药纺织服装产业专项资金审核工作区二〇二六年度第一批申报材料" * 2) / "workspace"
    folder.mkdir(parents=True)
    assert dialog.set_next_folder(str(folder))
    qtbot.wait(10)
    assert dialog.next_folder.text() == str(folder)
    assert dialog.next_folder.toolTip() == str(folder)
    assert dialog.next_folder.isReadOnly()
    assert dialog.width() == width
    shown = dialog.next_folder
    assert shown.geometry().right() <= dialog.rect().right()
