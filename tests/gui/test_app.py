"""Start-up: light imports, Chinese fonts and Qt strings, workspace errors as messages, background ops, logging."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.failures import ReviewDeskError
from models.workspace.workspace import Workspace

from gui import errors
from gui.app import RARE_CHARACTER_FAMILIES, _install_translations, create_application, run_gui
from gui.ops import Cancelled, Op, run_and_wait

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAVY_MODULES = ("pandas", "numpy", "reportlab", "pyhanko", "openpyxl")


def test_building_the_main_window_imports_no_heavy_library(demo_folder: Path, tmp_path: Path):
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from gui.qt import QSettings\n"
        f"QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {str(tmp_path)!r})\n"
        "from gui.app import create_application, open_main_window\n"
        "app = create_application()\n"
        f"window = open_main_window(Path({str(demo_folder)!r}))\n"
        "window.show()\n"
        "import time\n"
        "deadline = time.time() + 30\n"
        "while not window.queue_ready and time.time() < deadline:\n"
        "    app.processEvents()\n"
        "window.open_application(window.model.application_id(0))\n"
        "while window.review.loaded is None and time.time() < deadline:\n"
        "    app.processEvents()\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {list(HEAVY_MODULES)!r})\n"
        "print(json.dumps([window.queue_ready, window.review.loaded is not None, loaded]))\n"
        "window.close()\n"
        "window.ws.close()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    ready, shown, heavy = json.loads(result.stdout.strip().splitlines()[-1])
    assert ready and shown
    assert heavy == []


def test_qt_chinese_translation_loads(qapp):
    translators = _install_translations(qapp)
    try:
        assert len(translators) == 2, "qtbase_zh_CN.qm not found in Qt's TranslationsPath"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)


def test_the_ui_font_falls_back_for_rare_characters(qapp):
    from gui.app import _ui_font
    from gui.qt import QFont

    font = _ui_font(qapp)
    assert font.pointSizeF() >= 10
    families = font.families()
    assert families[0] == "Microsoft YaHei UI"
    assert "WenQuanYi Micro Hei" in families and "SimSun-ExtB" in families
    substitutes = [family.lower() for family in QFont.substitutes("SimSun")]
    assert substitutes[: len(RARE_CHARACTER_FAMILIES)] == [family.lower() for family in RARE_CHARACTER_FAMILIES]
    from gui.qt import QFontDatabase, QFontMetrics

    installed = set(QFontDatabase.families())
    if not {"HanaMinA", "HanaMinB"} <= installed:
        pytest.skip("fonts-hanazono is not installed")
    for char in "𠮷䶮堃":  # Ext B, Ext A, BMP: some family of the UI font draws each
        assert any(QFontMetrics(QFont(family)).inFontUcs4(ord(char)) for family in families if family in installed), char


def test_create_application_reuses_the_running_one(qapp):
    assert create_application() is qapp


def test_a_locked_workspace_is_a_message_and_exit_code_1(demo_folder: Path, messages: list[str]):
    with Workspace.open(demo_folder):
        assert run_gui(demo_folder) == 1
    assert messages and "正被" in messages[0]


def test_op_runs_in_the_background_and_reports_back(qtbot):
    import threading

    seen: list[object] = []
    Op(None, lambda progress: threading.current_thread() is threading.main_thread()).success(seen.append).run()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [False]


def test_run_and_wait_keeps_the_gui_thread_serving_events_and_returns_or_raises(qtbot):
    import threading

    from gui.qt import QTimer
    from models.failures import ReviewDeskError

    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    release = threading.Timer(0.5, lambda: None)

    def slow(progress) -> str:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        release.start()
        release.join()
        return "已签发" if threading.current_thread() is not threading.main_thread() else "GUI 线程"

    assert run_and_wait(None, slow, "测试") == "已签发"
    timer.stop()
    assert len(ticks) >= 10  # the GUI thread kept running its timers while the work ran

    def refused(progress) -> str:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        raise ReviewDeskError("工作区校验未通过")

    with pytest.raises(ReviewDeskError, match="工作区校验未通过"):
        run_and_wait(None, refused, "测试")


def test_op_cancel(qtbot):
    import time

    outcome: list[str] = []

    def slow(progress) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            progress.check()
            time.sleep(0.01)

    op = Op(None, slow).cancelled(lambda: outcome.append("cancelled")).with_progress("测试")
    op.run()
    op._dialog.canceled.emit()  # the 取消 button
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert outcome == ["cancelled"]
    assert issubclass(Cancelled, Exception)


def test_op_reports_progress_and_refuses_a_cancel_past_its_point_of_no_return(qtbot):
    import threading

    committed, release = threading.Event(), threading.Event()
    seen: list[object] = []

    def work(progress) -> str:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        progress.report("读取", 1, 2)
        progress.commit()
        committed.set()
        assert release.wait(10)
        progress.check()  # a refused cancel never stops committed work
        return "写完"

    op = Op(None, work).progress(lambda *step: seen.append(step)).success(seen.append) \
        .cancelled(lambda: seen.append("cancelled")).finished(lambda: seen.append("finished"))
    op.run()
    assert committed.wait(10)
    assert op.cancel() is False
    release.set()
    qtbot.waitUntil(lambda: "finished" in seen, timeout=5000)
    assert seen == [("读取", 1, 2), "写完", "finished"]


def test_a_cancelled_op_cannot_commit_and_a_detached_one_calls_nothing_back(qtbot):
    import threading

    started, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def work(progress) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        started.set()
        assert release.wait(10)
        progress.commit()
        outcome.append("wrote")  # never reached: the cancel came first

    op = Op(None, work).cancelled(lambda: outcome.append("cancelled")).finished(lambda: outcome.append("finished"))
    op.run()
    assert started.wait(10) and op.cancel() is True
    release.set()
    qtbot.waitUntil(lambda: "finished" in outcome, timeout=5000)
    assert outcome == ["cancelled", "finished"]

    from gui import ops

    silent: list[str] = []
    quiet = Op(None, lambda progress: "done").success(silent.append).finished(lambda: silent.append("finished"))
    quiet.run()
    quiet.detach()
    qtbot.waitUntil(lambda: not ops._running, timeout=5000)
    assert silent == []


def test_domain_errors_are_shown_plainly_and_bugs_are_logged(qtbot, tmp_path: Path, messages: list[str]):
    log_file = tmp_path / "reviewdesk.log"
    errors.log_to(log_file)
    try:
        def refused(progress: object) -> None:
            raise ReviewDeskError("工作区中没有申报编号 X")

        def buggy(progress: object) -> float:
            return 1 / 0

        Op(None, refused).run()
        Op(None, buggy).run()
        qtbot.waitUntil(lambda: len(messages) == 2, timeout=5000)
        assert "工作区中没有申报编号 X" in messages
        bug = next(m for m in messages if "意外错误" in m)
        assert "ZeroDivisionError" in bug and str(log_file) in bug
        for handler in logging.getLogger(errors.LOGGER_NAME).handlers:
            handler.flush()
        logged = log_file.read_text(encoding="utf-8")
        assert "Traceback" in logged and "ZeroDivisionError" in logged
        assert "没有申报编号" not in logged  # domain errors are not bugs
    finally:
        errors.stop_logging()


@pytest.mark.parametrize("view", ["queue", "review", "policy", "stats"])
def test_screenshots_are_1366_by_768(demo_folder: Path, tmp_path: Path, view: str):
    from gui.qt import QImage
    from gui.screenshot import take_screenshot

    out = tmp_path / f"{view}.png"
    select = None if view in ("queue", "stats") else "LC2023-0004"
    assert take_screenshot(demo_folder, out, view, select) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)


def test_screenshot_refuses_an_unknown_view_and_id(demo_folder: Path, tmp_path: Path):
    from gui.screenshot import take_screenshot

    assert take_screenshot(demo_folder, tmp_path / "x.png", "nonsense") == 2
    assert take_screenshot(demo_folder, tmp_path / "x.png", "review", "LC9999-0000") == 1
    assert not (tmp_path / "x.png").exists()


def test_screenshots_as_a_reviewer_with_a_draft_leave_no_draft_behind(demo_folder: Path, tmp_path: Path,
                                                                     isolated_drafts: Path):
    import os

    from models.review.drafts import DraftStore
    from gui.screenshot import take_screenshot

    assert take_screenshot(demo_folder, tmp_path / "lead.png", "queue", reviewer="科长丙") == 0
    assert take_screenshot(demo_folder, tmp_path / "x.png", "queue", reviewer="无此人") == 1
    assert take_screenshot(demo_folder, tmp_path / "draft.png", "review", reviewer="审核员乙", draft="草稿意见") == 0
    assert os.environ["XDG_DATA_HOME"] == str(isolated_drafts)
    with DraftStore(demo_folder) as store:
        assert store.applications_with_drafts("审核员乙") == set()


def test_the_window_names_itself_and_the_workspace(window):
    from gui.app import WINDOW_TITLE

    assert window.windowTitle().startswith(WINDOW_TITLE)
    assert window.ws.folder.name in window.windowTitle() and "演示数据" in window.windowTitle()
    assert [window.tabs.tabText(n) for n in range(window.tabs.count())] == ["待审队列", "审核", "政策原文", "统计"]


def test_qt_own_file_dialog_is_in_chinese(qapp, qtbot):
    """Qt's own file dialog (not the desktop's, which follows the system language) with Qt's Chinese strings."""
    from gui.qt import QFileDialog, QLabel, QPushButton, Qt, QTreeView

    translators = _install_translations(qapp)
    try:
        dialog = QFileDialog(None, "选择申报文件", str(REPO_ROOT))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        qtbot.addWidget(dialog)
        dialog.show()
        labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
        buttons = [button.text() for button in dialog.findChildren(QPushButton)]
        model = dialog.findChild(QTreeView).model()
        headers = [model.headerData(n, Qt.Orientation.Horizontal) for n in range(model.columnCount())]
        assert "查找范围：" in labels and "取消" in buttons and "名称" in headers
        assert not [text for text in labels + buttons + headers if text and text.isascii()]
        root = model.index(str(REPO_ROOT))
        qtbot.waitUntil(lambda: model.rowCount(root) > 0, timeout=5_000)
        kinds = {model.index(row, 2, root).data() for row in range(model.rowCount(root))
                 if model.isDir(model.index(row, 0, root))}
        assert kinds == {"文件夹"}  # a folder's type, which qtbase_zh_CN leaves in English
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)


def test_the_application_uses_qt_dialogs_not_the_desktops():
    script = ("from gui.app import create_application\nfrom gui.qt import QApplication, Qt\ncreate_application()\n"
              "print(QApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
