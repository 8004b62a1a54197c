"""GUI test fixtures: demo workspaces copied from one made per session, isolated QSettings, captured messages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.workspace import create_demo
from models.signing.keys import KdfParams
from models.workspace.locking import LOCK_NAME
from models.workspace.workspace import Workspace

DEMO_COUNT = 30


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Window layout and geometry go to a fresh folder, never to the developer's own settings."""
    from gui.qt import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def isolated_drafts(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Drafts go to a fresh data folder (platformdirs reads XDG_DATA_HOME), never to the developer's own."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def quit_answers(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Quitting with unsaved drafts is asked about; here the answer is 退出, and each question is recorded."""
    asked: list[list[str]] = []

    def ask(cls, parent, application_ids: list[str]) -> bool:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        asked.append(list(application_ids))
        return True

    monkeypatch.setattr("gui.draft_keeper.QuitWithDrafts.ask", classmethod(ask))
    return asked


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "demo"
    create_demo(folder, count=DEMO_COUNT, kdf=KdfParams.cheap_for_tests())
    return folder


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Path:
    """A workspace with its CA and the three reviewers, and no applications."""
    from demo.workspace import staff_demo

    folder = tmp_path / "ws"
    with Workspace.open(folder) as ws:
        staff_demo(ws, KdfParams.cheap_for_tests())
    return folder


@pytest.fixture
def demo_folder(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the session's demo workspace (30 applications, some decided)."""
    target = tmp_path / "ws"
    shutil.copytree(demo_template, target, ignore=shutil.ignore_patterns(LOCK_NAME))
    return target


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes the GUI would have shown, in order (none is actually shown)."""
    shown: list[str] = []
    monkeypatch.setattr("gui.errors.show_message", lambda parent, title, text, expected=True: shown.append(text))
    return shown


@pytest.fixture
def open_window(qtbot):  # noqa: ANN001, ANN201 - pytest-qt's qtbot
    """Opens a main window over a workspace folder, shown at 1366×768 with its queue loaded; closed afterwards."""
    from gui.main_window import MainWindow

    opened = []

    def open_(folder: Path) -> MainWindow:
        ws = Workspace.open(folder)
        window = MainWindow(ws)
        qtbot.addWidget(window)
        opened.append(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitUntil(lambda: window.queue_ready, timeout=10_000)
        return window

    yield open_
    for window in opened:
        window.close()
        window.ws.close()


@pytest.fixture
def window(open_window, demo_folder: Path, messages: list[str]):  # noqa: ANN001, ANN201 - pytest fixtures and test doubles go unannotated
    return open_window(demo_folder)


@pytest.fixture
def demo_passphrase(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PassphraseDialog.ask answers the demo passphrase; the names asked for are recorded."""
    from demo.workspace import DEMO_PASSPHRASE

    asked: list[str] = []

    def ask(parent, reviewer: str) -> str:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        asked.append(reviewer)
        return DEMO_PASSPHRASE

    monkeypatch.setattr("gui.passphrase_dialog.PassphraseDialog.ask", classmethod(lambda cls, p, r: ask(p, r)))
    return asked


@pytest.fixture
def choose_reviewer(qtbot, demo_passphrase: list[str]):  # noqa: ANN001, ANN201 - pytest fixtures and test doubles go unannotated
    """Picks a reviewer in the toolbar combo (passphrase answered) and waits for the key to unlock."""

    def choose(window, name: str) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
        combo = window.reviewer_combo
        combo.setCurrentIndex(combo.findData(name))
        qtbot.waitUntil(lambda: window.session.current == name, timeout=10_000)

    return choose
