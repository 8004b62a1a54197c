"""The 会评 menu: export a package from the bureau window, open it, export results on the laptop, merge them back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.review.decisions import DecisionInput, decide
from models.review.conflicts import declare_conflict
from demo.workspace import DEMO_PASSPHRASE
from models.sessions.session import open_session
from models.workspace.workspace import Workspace
from tests.workspace_support import returned_for

from gui.qt import QApplication, QColor, QDialog, QImage, QMenu, QPainter, QStyleOptionViewItem, QWidget

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The demo decides its first applications at both stages; these referrals still wait for 初审.
WAITING = ["LC2024-0019", "LC2023-0024", "LC2023-0030"]


@pytest.fixture
def informed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr("gui.session_dialogs.inform", lambda parent, title, text: shown.append(text))
    return shown


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list:
    from gui.session_dialogs import MergeReportDialog

    shown: list[MergeReportDialog] = []

    def exec_(self: MergeReportDialog) -> int:
        shown.append(self)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(MergeReportDialog, "exec", exec_)
    return shown


def _choose_file(monkeypatch: pytest.MonkeyPatch, kind: str, path: Path) -> None:
    monkeypatch.setattr(f"gui.qt.QFileDialog.{kind}", lambda *args, **kwargs: (str(path), ""))


def _export_through_menu(qtbot, window, monkeypatch, informed: list[str], out: Path) -> list[str]:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    """Filter the queue to 待初审, then 导出会评包 with the dialog's defaults and 审核员甲."""
    from gui.session_dialogs import ExportSessionDialog

    window.queue.stage.setCurrentIndex(window.queue.stage.findData("待初审"))
    seen: dict[str, object] = {}

    def exec_(self: ExportSessionDialog) -> int:
        seen["ids"], seen["count"] = self.checked_ids(), self.count_label.text()
        self.set_reviewers(["审核员甲"])
        self.out_edit.setText(str(out))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportSessionDialog, "exec", exec_)
    window.actions_by_name["export_session"].trigger()
    qtbot.waitUntil(lambda: bool(informed), timeout=10_000)
    assert seen["ids"] == WAITING and seen["count"].startswith("已选 3 件")
    return informed[-1].splitlines()


def _decide_on_laptop(folder: Path, outcomes: dict[str, str]) -> None:
    with Workspace.open(folder, create=False) as laptop:
        for application_id, outcome in outcomes.items():
            declare_conflict(laptop, application_id, "审核员甲", has_conflict=False, passphrase=DEMO_PASSPHRASE)
            extra = returned_for() if outcome == "退回补正" else {}
            decide(laptop, DecisionInput(application_id, "初审", outcome, "审核员甲", opinion="会评意见", **extra),
                   DEMO_PASSPHRASE)


def _stage_text(window, application_id: str) -> str:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    from gui.session_menu import STAGE_COLUMN

    index = window.model.index(window.model.row_of(application_id), STAGE_COLUMN)
    option = QStyleOptionViewItem()
    window.session_menu.delegate.initStyleOption(option, index)
    return option.text


def _reload(qtbot, window) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    with qtbot.waitSignal(window.queue_loaded, timeout=10_000):
        pass


def test_session_round_trip_through_the_menu(qtbot, open_window, demo_folder: Path, tmp_path: Path,  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
                                             monkeypatch: pytest.MonkeyPatch, messages: list[str],
                                             informed: list[str], reports: list, choose_reviewer) -> None:
    bureau = open_window(demo_folder)
    choose_reviewer(bureau, "科长丙")  # the 负责人 exports and signs the package
    bureau.queue.mine_only.setChecked(False)  # the package takes applications from the whole queue
    menu = next(o for o in bureau.actions_by_name["export_session"].associatedObjects() if isinstance(o, QMenu))
    assert menu.title() == "会评" and [a.text() for a in bureau.menuBar().actions()][-2:] == ["会评", "帮助"]
    assert [a.text() for a in menu.actions()] == ["导出会评包…", "打开会评包…", "导出会评结果…", "合并会评结果…"]
    assert not bureau.actions_by_name["export_results"].isEnabled()

    package = tmp_path / "会评包.zip"
    with qtbot.waitSignal(bureau.queue_loaded, timeout=10_000):
        text = _export_through_menu(qtbot, bureau, monkeypatch, informed, package)
    assert package.is_file() and any(line.startswith("会评编号：") for line in text)
    assert all(_stage_text(bureau, i) == "会评中" for i in WAITING)

    # 打开会评包 into an empty folder; the new window is offered and started detached.
    laptop_folder = tmp_path / "laptop"
    laptop_folder.mkdir()
    started: list[tuple] = []
    monkeypatch.setattr("gui.session_dialogs.ask_yes_no", lambda parent, title, text: True)
    monkeypatch.setattr("gui.session_menu.start_detached", lambda *args: started.append(args) or True)
    monkeypatch.setattr("gui.session_dialogs.OpenSessionDialog.ask",
                        classmethod(lambda cls, parent: (package, laptop_folder)))
    bureau.actions_by_name["open_session"].trigger()
    qtbot.waitUntil(lambda: bool(started), timeout=10_000)
    _program, arguments, _cwd = started[0]
    assert arguments[-2:] == ["--workspace", str(laptop_folder)]

    _decide_on_laptop(laptop_folder, {i: "不通过" for i in WAITING})
    laptop = open_window(laptop_folder)
    choose_reviewer(laptop, "审核员甲")  # a session reviewer signs the results
    assert laptop.actions_by_name["export_results"].isEnabled()
    assert not laptop.actions_by_name["export_session"].isEnabled()
    results = tmp_path / "会评结果.zip"
    _choose_file(monkeypatch, "getSaveFileName", results)
    informed.clear()
    laptop.actions_by_name["export_results"].trigger()
    qtbot.waitUntil(lambda: bool(informed), timeout=10_000)
    assert results.is_file() and "含 3 个已签名的决定" in informed[-1]

    _choose_file(monkeypatch, "getOpenFileName", results)
    with qtbot.waitSignal(bureau.queue_loaded, timeout=10_000):
        bureau.actions_by_name["merge_results"].trigger()
    report = reports[-1].text()
    assert "已合并的决定（3）" in report
    assert all(f"{i} 初审：不通过" in report for i in WAITING)
    bureau.queue.stage.setCurrentIndex(0)  # 全部审核阶段: they have left 待初审
    assert all(_stage_text(bureau, i) == "待复核" for i in WAITING)

    with qtbot.waitSignal(bureau.queue_loaded, timeout=10_000):
        bureau.actions_by_name["merge_results"].trigger()
    assert reports[-1].outcome.summary.startswith("合并 0 个决定") and reports[-1].outcome.already_present == 3

    data = bytearray(results.read_bytes())
    data[len(data) // 2] ^= 0x01
    broken = tmp_path / "坏结果.zip"
    broken.write_bytes(bytes(data))
    _choose_file(monkeypatch, "getOpenFileName", broken)
    before = bureau.ws.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    bureau.actions_by_name["merge_results"].trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert messages[-1].startswith("未合并，本工作区没有任何改动") and len(reports) == 2
    assert bureau.ws.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == before


def test_open_refuses_a_folder_that_is_not_empty(qtbot, window, tmp_path: Path,  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
                                                 monkeypatch: pytest.MonkeyPatch, messages: list[str]) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    monkeypatch.setattr("gui.session_dialogs.OpenSessionDialog.ask",
                        classmethod(lambda cls, parent: (tmp_path / "p.zip", busy)))
    window.actions_by_name["open_session"].trigger()
    assert messages and "不是空的" in messages[-1]


def test_launch_command_runs_main_py_unfrozen_and_the_executable_frozen(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    import sys

    from gui.session_menu import launch_command

    program, arguments, cwd = launch_command(tmp_path)
    assert program == sys.executable and arguments[0].endswith("main.py") and Path(arguments[0]).is_file()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    program, arguments, cwd = launch_command(tmp_path)
    assert program == sys.executable and arguments == ["--workspace", str(tmp_path)]


# --- screenshots for the README's session walkthrough -----------------------------------------


def _composite(window: QWidget, dialog: QWidget, path: Path) -> None:
    """The window at 1366×768 with the dialog centred over it, as a reviewer sees it."""
    dialog.show()
    screen = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    shot = dialog.grab().toImage()
    painter = QPainter(screen)
    painter.fillRect(screen.rect(), QColor(0, 0, 0, 70))
    painter.drawImage((screen.width() - shot.width()) // 2, (screen.height() - shot.height()) // 2, shot)
    painter.end()
    dialog.close()
    assert screen.width() == 1366 and screen.height() == 768
    path.parent.mkdir(parents=True, exist_ok=True)
    assert screen.save(str(path))


def test_session_screenshots(qtbot, open_window, demo_folder: Path, tmp_path: Path,  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
                             monkeypatch: pytest.MonkeyPatch, messages: list[str], informed: list[str],
                             reports: list) -> None:
    """Saved into docs/screenshots when REVIEWDESK_SCREENSHOTS=1, otherwise into a temporary folder."""
    from gui.app import _ui_font

    folder = SCREENSHOTS if os.environ.get("REVIEWDESK_SCREENSHOTS") == "1" else tmp_path / "shots"
    app = QApplication.instance()
    font = app.font()
    app.setFont(_ui_font(app))  # the font the desktop program uses
    try:
        _screenshots(qtbot, open_window, demo_folder, tmp_path, monkeypatch, reports, folder)
    finally:
        app.setFont(font)


def _screenshots(qtbot, open_window, demo_folder, tmp_path, monkeypatch, reports, folder) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    from models.sessions.session import export_results, export_session

    from gui.session_dialogs import ExportSessionDialog, MergeReportDialog

    bureau = open_window(demo_folder)
    bureau.queue.stage.setCurrentIndex(bureau.queue.stage.findData("待初审"))
    candidates, preselected = bureau.session_menu.candidates()
    dialog = ExportSessionDialog(candidates, preselected, list(bureau.session.roles.items()),
                                 Path("D:/会评/会评包-20261130.zip"), bureau)
    dialog.set_reviewers(["审核员甲", "审核员乙"])
    qtbot.addWidget(dialog)
    _composite(bureau, dialog, folder / "session-export.png")

    package = tmp_path / "会评包.zip"
    from models.signing.keys import KdfParams

    export_session(bureau.ws, WAITING, ["审核员甲"], package, lead="科长丙", travel_kdf=KdfParams.cheap_for_tests(),
                   passphrases={"科长丙": DEMO_PASSPHRASE, "审核员甲": DEMO_PASSPHRASE})
    results = []
    for n, outcomes in enumerate(({i: "不通过" for i in WAITING[:2]}, {WAITING[0]: "退回补正", WAITING[2]: "不通过"})):
        laptop = tmp_path / f"laptop{n}"
        open_session(package, laptop)
        _decide_on_laptop(laptop, outcomes)
        with Workspace.open(laptop, create=False) as ws:
            export_results(ws, tmp_path / f"结果{n}.zip", signer="审核员甲", passphrase=DEMO_PASSPHRASE)
        results.append(tmp_path / f"结果{n}.zip")
    for path in results:
        _choose_file(monkeypatch, "getOpenFileName", path)
        with qtbot.waitSignal(bureau.queue_loaded, timeout=10_000):
            bureau.actions_by_name["merge_results"].trigger()
    outcome = reports[-1].outcome
    assert len(outcome.conflicts) == 1 and len(outcome.merged) == 1 and "请人工处理" in outcome.conflicts[0]
    bureau.queue.stage.setCurrentIndex(0)
    report = MergeReportDialog(outcome, bureau)
    qtbot.addWidget(report)
    _composite(bureau, report, folder / "session-merge.png")
