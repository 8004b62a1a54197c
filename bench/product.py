"""Figures of the finished product: the window, the review flow, the signed sheets and the bundle."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.run import Figure

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "ReviewDesk"


def bench_gui_startup(rows: int, repeats: int, workdir: Path) -> Figure:
    """Start to a painted main window on 10,000 applications, against a bare window with a table and a splitter."""
    from bench.gui_figures import bare_window_baseline, make_workspace, startup_to_painted

    workspace = make_workspace(workdir / "gui-10k", count=10_000)
    seconds = min(startup_to_painted(workspace) for _ in range(repeats))
    baseline = min(bare_window_baseline() for _ in range(repeats))
    return Figure("GUI start to painted window, 10,000 applications", seconds, "≤ 3× baseline",
                  seconds <= 3 * baseline, "bare PySide6 window", baseline)


def bench_gui_next(rows: int, repeats: int, workdir: Path) -> Figure:
    """Moving to the next application with its clause and the first PDF page rendered."""
    from bench.gui_figures import make_workspace, next_application_seconds

    workspace = workdir / "gui-10k"
    if not (workspace / "reviewdesk.db").exists():
        make_workspace(workspace, count=10_000)
    seconds = min(next_application_seconds(workspace) for _ in range(repeats))
    return Figure("GUI next application (clause + PDF page 1)", seconds, "≤ 0.05 s", seconds <= 0.05)


def bench_gui_filter(rows: int, repeats: int, workdir: Path) -> Figure:
    """One keystroke of search over 100,000 applications, repaint included."""
    from bench.gui_figures import filter_keystroke_seconds

    seconds = min(filter_keystroke_seconds(rows) for _ in range(repeats))
    return Figure(f"GUI search keystroke, {rows:,} applications", seconds, "≤ 0.05 s", seconds <= 0.05)


def _start_seconds(command: list[str], workspace: Path) -> float:
    """Wall time from launch until the screenshot of the main window is written (offscreen)."""
    shot = workspace.parent / "start.png"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    subprocess.run([*command, "--workspace", str(workspace), "--screenshot", str(shot)], check=True,
                   capture_output=True, env=environment, cwd=ROOT)
    return time.perf_counter() - started


def bench_bundle(rows: int, repeats: int, workdir: Path) -> Figure:
    """The bundle's start time to a painted window against the same from .venv; its size is in the name."""
    executable = BUNDLE / "ReviewDesk"
    if not executable.exists():
        raise RuntimeError("dist/ReviewDesk 尚未构建：先运行 make dist")
    size = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    from demo.workspace import create_demo
    from models.signing.keys import KdfParams

    workspace = workdir / "bundle-ws"
    if not (workspace / "reviewdesk.db").exists():
        create_demo(workspace, count=50, kdf=KdfParams.cheap_for_tests())
    frozen = min(_start_seconds([str(executable)], workspace) for _ in range(repeats))
    source = min(_start_seconds([sys.executable, "main.py"], workspace) for _ in range(repeats))
    return Figure(f"bundle start to painted window ({size:.0f} MB bundle)", frozen, "≤ 1.5× baseline",
                  frozen <= 1.5 * source, "from .venv", source)


from bench import sheet_figures  # noqa: E402 - after Figure, which it imports from bench.run

BENCHMARKS = [bench_gui_startup, bench_gui_next, bench_gui_filter, *sheet_figures.BENCHMARKS, bench_bundle]
