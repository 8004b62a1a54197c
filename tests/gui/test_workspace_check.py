"""工具 → 校验工作区, and the check that runs by itself after opening: a table edited with SQL is shown."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gui.workspace_check import ReportDialog
from models.workspace.workspace import DB_NAME


def _dialogs(window) -> list[ReportDialog]:  # noqa: ANN001 - a MainWindow
    return [child for child in window.findChildren(ReportDialog) if child.isVisible()]


def test_the_menu_command_shows_the_full_report_of_an_intact_workspace(qtbot, window):
    window.actions_by_name["verify_workspace"].trigger()
    qtbot.waitUntil(lambda: bool(_dialogs(window)), timeout=20_000)
    report = _dialogs(window)[0].text.toPlainText()
    assert report.splitlines()[-1] == "校验通过"
    assert "各数据表与审计日志重放结果一致" in report
    assert window.workspace_check.label.text().startswith("工作区校验通过")


def test_opening_a_workspace_edited_with_sql_warns_without_being_asked(qtbot, open_window, demo_folder: Path,
                                                                       messages: list[str]):
    with sqlite3.connect(demo_folder / DB_NAME) as db:
        (application_id,) = db.execute("SELECT application_id FROM applications ORDER BY seq LIMIT 1").fetchone()
        db.execute("UPDATE applications SET requested_yuan = '9999999' WHERE application_id = ?", [application_id])
    window = open_window(demo_folder)
    qtbot.waitUntil(lambda: bool(_dialogs(window)), timeout=20_000)
    report = _dialogs(window)[0].text.toPlainText()
    assert report.splitlines()[-1].startswith("校验未通过")
    assert application_id in report
    assert "未通过" in window.workspace_check.label.text()


def test_a_large_workspace_is_not_checked_by_itself_but_on_request(qtbot, open_window, demo_folder: Path,
                                                                   messages: list[str], monkeypatch) -> None:  # noqa: ANN001 - pytest's fixture
    from gui import workspace_check

    monkeypatch.setattr(workspace_check, "AUTOMATIC_UP_TO_ROWS", 10)  # the demo replays more rows than that
    window = open_window(demo_folder)
    qtbot.waitUntil(lambda: window.workspace_check.label.text() == workspace_check.TOO_LARGE,
                    timeout=workspace_check.FIRST_CHECK_DELAY_MS + 10_000)
    assert not _dialogs(window)
    window.actions_by_name["verify_workspace"].trigger()
    qtbot.waitUntil(lambda: bool(_dialogs(window)), timeout=20_000)
    assert _dialogs(window)[0].text.toPlainText().splitlines()[-1] == "校验通过"
