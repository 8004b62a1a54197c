"""sheets/ runs in a plain Python process: no Qt, no GUI (printing through Qt is the GUI's job)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SHEETS = Path(__file__).resolve().parents[2] / "sheets"
FORBIDDEN = {"PySide6", "shiboken6", "gui", "qtpy", "PyQt5", "PyQt6", "PySide2"}


def test_no_module_of_sheets_imports_qt_or_the_gui() -> None:
    bad = []
    for path in sorted(SHEETS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            bad += [f"{path.name}: {name}" for name in names if name.split(".")[0] in FORBIDDEN]
    assert not bad


def test_importing_the_sheet_modules_loads_no_qt() -> None:
    code = ("import sys, sheets.batch, sheets.verify, sheets.blank_form, bench.sheet_figures, cli.sheet_commands; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=SHEETS.parent).stdout.strip()
    assert out == "[]"
