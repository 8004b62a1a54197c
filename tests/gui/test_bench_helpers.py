"""The GUI benchmark helpers run and return seconds (tiny sizes; no timing asserted)."""

from __future__ import annotations

from pathlib import Path

from models.workspace.workspace import Workspace

from bench import gui_figures as bench


def test_make_workspace_imports_generated_applications(tmp_path: Path):
    folder = bench.make_workspace(tmp_path / "ws", count=40)
    with Workspace.open(folder, create=False, lock=False) as ws:
        assert ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 40


def test_start_up_and_its_baseline_are_measured(tmp_path: Path):
    folder = bench.make_workspace(tmp_path / "ws", count=40)
    assert 0 < bench.startup_to_painted(folder) < 60
    assert 0 < bench.bare_window_baseline() < 60


def test_next_application_is_measured(demo_folder: Path):
    assert 0 < bench.next_application_seconds(demo_folder, moves=2) < 30


def test_filter_keystroke_is_measured():
    assert 0 < bench.filter_keystroke_seconds(2_000) < 30
