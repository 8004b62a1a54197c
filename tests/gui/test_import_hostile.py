"""The import dialog survives each hostile file: the preview and the import show the CLI's own Chinese message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gui.import_dialog import ImportDialog
from tests.workspace_support import signer_of
from models.workspace.workspace import Workspace
from tests.cli.hostile import deep_json, far_corner_xlsx, inflating_xlsx, many_digits_csv, run_limited

HOSTILE: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "a lone cell at XFD1048576": ("远角.xlsx", far_corner_xlsx),
    "a sheet that inflates to 600 MB": ("炸弹.xlsx", inflating_xlsx),
    "JSON nested 1,000 levels": ("深.json", deep_json),
    "an amount of a million digits": ("大数.csv", many_digits_csv),
}


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws")
    yield ws
    ws.close()


def _cli_lines(path: Path) -> list[str]:
    result = run_limited("assess", path)
    assert result.returncode == 2, result.stderr[-2000:]
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_the_dialog_shows_the_cli_message_and_stays_alive(qtbot, workspace: Workspace, tmp_path: Path,
                                                          kind: str) -> None:
    name, build = HOSTILE[kind]
    path = build(tmp_path / name)
    expected = _cli_lines(path)
    dialog = ImportDialog(None, workspace.folder, signer=signer_of(workspace))
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.set_file(path)
    unreadable = "无法读取" in expected[0]
    if unreadable:
        assert expected[0] in dialog.preview_note.text()
    with qtbot.waitSignal(dialog.import_rejected, timeout=120_000):
        dialog.import_button.click()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30_000)

    assert dialog.problem_title.text().startswith(expected[0])
    model = dialog.problem_model
    rows = [[model.index(row, column).data() for column in range(3)] for row in range(model.rowCount())]
    if unreadable:
        assert rows == [["—", "（整个文件）", expected[0].split("无法读取：", 1)[1]]]
    else:
        assert [f"第{row}行 {column}: {message}" for row, column, message in rows] == expected[1:]
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 1
    assert workspace.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    dialog.set_file(path)  # and again: nothing held from the first try
    assert dialog.isVisible()
