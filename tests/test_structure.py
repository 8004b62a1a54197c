"""The architecture, checked: layers point one way, no import circles, no SQL in gui/, Qt only through gui/qt.py.

The layers, bottom up: ``policy`` (the measures) ← ``models`` (the core) ←
``sheets`` (signed PDFs) ← ``demo`` ← ``gui`` and ``cli`` (the two ways in)
← ``bench``. An import may point down, never up, anywhere in a module (lazy
imports inside functions included). Circles are counted among module-level
imports, the ones that run when a module loads.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"policy": 0, "models": 1, "sheets": 2, "demo": 3, "gui": 4, "cli": 4, "bench": 5, "main": 6}
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I | re.S)


def _modules() -> dict[str, Path]:
    found = {"main": REPO_ROOT / "main.py"}
    for package in LAYERS:
        folder = REPO_ROOT / package
        if folder.is_dir():
            for path in sorted(folder.rglob("*.py")):
                parts = path.relative_to(REPO_ROOT).with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path, module_level_only: bool) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found: list[tuple[int, str]] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names
                         if f"{node.module}.{alias.name}" in MODULES)
    return found


def _project_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_the_tree_is_found() -> None:
    assert {"models.workspace.audit", "models.review.decisions", "policy.engine", "gui.qt"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down_the_layers(name: str) -> None:
    layer = name.split(".")[0]
    wrong = []
    for line, imported in _imports(MODULES[name], module_level_only=False):
        target = _project_module(imported)
        if target is None:
            continue
        other = target.split(".")[0]
        if LAYERS[other] > LAYERS[layer]:
            wrong.append(f"{MODULES[name].relative_to(REPO_ROOT)}:{line} ({layer}) imports {target} ({other})")
    assert not wrong, "\n".join(wrong)


def _cycles() -> list[list[str]]:
    graph = {name: sorted({t for _, i in _imports(path, module_level_only=True)
                           if (t := _project_module(i)) and t != name})
             for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circles_among_module_level_imports() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("gui")))
def test_gui_holds_no_sql(name: str) -> None:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = [node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)]
    assert not found, f"{name} has SQL on lines {found}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_qt_only_through_gui_qt(name: str) -> None:
    if name == "gui.qt":
        return
    wrong = [line for line, imported in _imports(MODULES[name], module_level_only=False)
             if imported.split(".")[0] in {"PySide6", "shiboken6"}]
    assert not wrong, f"{name} imports Qt directly on lines {wrong}; import it from gui.qt"


SUPPRESSION = re.compile(r"#\s*(type:\s*ignore|noqa)\b(?P<rest>.*)$")
EXPLAINED = re.compile(r"^(\[[\w\-, ]+\]\s+#|:\s*[A-Z]+[0-9]*(,\s*[A-Z]+[0-9]*)*\s+(-|—|#))\s*\S")


def _suppressions() -> list[tuple[Path, int, str]]:
    skipped = {".venv", "build", "dist", ".git"}
    files = [p for p in REPO_ROOT.rglob("*.py") if not skipped & set(p.relative_to(REPO_ROOT).parts)]
    found = []
    for path in sorted([*files, REPO_ROOT / "build.spec"]):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = SUPPRESSION.search(line)
            if match and "SUPPRESSION = " not in line:
                found.append((path, number, match.group("rest")))
    return found


def test_every_type_ignore_and_noqa_names_its_code_and_says_why() -> None:
    found = _suppressions()
    unexplained = [f"{path.relative_to(REPO_ROOT)}:{number}" for path, number, rest in found
                   if not EXPLAINED.match(rest)]
    assert len(found) > 100  # the scan sees them
    assert not unexplained, "type: ignore[code]  # why, or noqa: CODE - why: " + ", ".join(unexplained)
