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


# --- each table: one record type, one place that reads and writes it ----------------------------------------

RECORD_MODULES = {
    "applications": "models.workspace.records", "application_versions": "models.workspace.records",
    "assessments": "models.workspace.records", "imports": "models.workspace.records",
    "decisions": "models.workspace.decision_rows", "conflicts": "models.workspace.conflict_rows",
    "reviewers": "models.workspace.people_rows", "reviewer_certificates": "models.workspace.people_rows",
    "ca": "models.workspace.people_rows", "sessions": "models.workspace.session_rows",
    "session_applications": "models.workspace.session_rows", "evidence": "models.workspace.evidence_rows",
    "application_evidence": "models.workspace.evidence_rows", "settings": "models.workspace.workspace",
    "resubmissions": "models.review.corrections", "audit": "models.workspace.audit",
    "audit_changes": "models.workspace.projection", "sheets": "sheets.registry", "sheet_records": "sheets.registry",
    "drafts": "models.review.drafts",  # a file of its own in the user's data folder, never the workspace
}
"""The one module that writes each table (and reads it whole: the record type is defined there)."""

SEES_EVERY_TABLE = {
    # The migrations create and convert every table: one schema path.
    "models.workspace.schema", "models.workspace.schema_people", "models.workspace.schema_corrections",
    "models.workspace.schema_supersedes", "models.workspace.migrations",
    # Alembic's runner records its stop for older builds in _sqlite_migrations and appends the snapshot event.
    "models.workspace.schema_upgrade",
    # The SQLite and PostgreSQL capture triggers' text: each writes audit_changes for its table.
    "models.workspace.dialect",
    # Capture triggers and the replay of the audit log write audit_changes for every table.
    "models.workspace.projection",
    # A restore writes the audit entry of a backup it brings back, beside audit.append.
    "models.workspace.backup",
}
"""Modules allowed to write any table: audit, replay and projection, migrations and restore."""

_WRITE = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|DELETE\s+FROM)\s+\"?(\w+)|\bUPDATE\s+\"?(\w+)\"?\s+SET\b",
                    re.I)
_STAR = re.compile(r"\bSELECT\s+(?:DISTINCT\s+)?(?:\w+\.)?\*", re.I)
_BARE_FLAG = re.compile(r"\bcurrent\s*(?:=|==|!=|<>)\s*[01]\b", re.I)
_API_WRITE = {"insert", "insert_all", "upsert", "upsert_all", "update", "delete", "delete_where"}
APP_PACKAGES = ("models", "sheets", "demo", "gui", "cli")  # bench measures bare SQLite baselines on files of its own


def _sql_texts(path: Path) -> list[tuple[int, str]]:
    """Every string constant and f-string of the module (its placeholders as ``{}``), docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    inside_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append((node.lineno, "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings | inside_fstrings:
            found.append((node.lineno, node.value))
    return found


def _api_writes(path: Path) -> list[tuple[int, str]]:
    """``db.table("x").insert(...)`` and the like: sqlite-utils writes, by table."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _API_WRITE
                and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Attribute)
                and node.func.value.func.attr == "table" and node.func.value.args
                and isinstance(node.func.value.args[0], ast.Constant)):
            found.append((node.lineno, str(node.func.value.args[0].value)))
    return found


_WRITE_HELPERS = {"insert_sql": 0, "insert_in_order_sql": 0, "row_replace": 0, "replace_row": 1}
"""The helpers that write a statement for a table (``models.workspace.database``, ``dialect``): the argument naming it."""


def _helper_writes(path: Path) -> list[tuple[int, str]]:
    """``insert_sql("x", …)`` and the like: statements built for a table by the SQL helpers."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            position = _WRITE_HELPERS.get(str(name))
            if (position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant)
                    and isinstance(node.args[position].value, str)):
                found.append((node.lineno, node.args[position].value.lower()))
    return found


def _writes(path: Path) -> list[tuple[int, str]]:
    sql = [(line, (match.group(1) or match.group(2)).lower()) for line, text in _sql_texts(path)
           for match in _WRITE.finditer(text)]
    return sorted(set(sql + _api_writes(path) + _helper_writes(path)))


APP_MODULES = sorted(name for name in MODULES if name.split(".")[0] in APP_PACKAGES)


@pytest.mark.parametrize("name", APP_MODULES)
def test_each_table_is_written_by_its_record_module_only(name: str) -> None:
    if name in SEES_EVERY_TABLE:
        return
    wrong = [f"line {line}: writes {table}" + (f" (its record module is {RECORD_MODULES[table]})"
                                               if table in RECORD_MODULES else " (a table with no record module)")
             for line, table in _writes(MODULES[name]) if RECORD_MODULES.get(table) != name]
    assert not wrong, f"{name}: " + "; ".join(wrong)


@pytest.mark.parametrize("name", APP_MODULES)
def test_no_select_star_and_current_only_as_decision_rows_defines_it(name: str) -> None:
    texts = _sql_texts(MODULES[name])
    star = [line for line, text in texts if _STAR.search(text)]
    assert not star, f"{name} reads whole rows with SELECT * on lines {star}: ask the table's record module"
    if name != "models.workspace.decision_rows":
        flags = [line for line, text in texts if "decisions" in text.lower() or re.search(r"\bd\d*\.", text)
                 if _BARE_FLAG.search(text)]
        assert not flags, (f"{name} tests the bare current flag on lines {flags}: use decision_rows.CURRENT or "
                           "current_in(alias), which also refuse a decision another supersedes")


def test_the_record_scan_sees_what_it_guards(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'def f(db, alias):\n'
        '    """Docstrings may say INSERT INTO decisions."""\n'
        '    db.execute("UPDATE decisions SET current = 1 WHERE uuid = ?", ["u"])\n'
        '    db.execute(f"INSERT OR REPLACE INTO assessments ({alias}) VALUES (?)", [1])\n'
        '    db.execute("DELETE FROM conflicts WHERE application_id = ? "\n'
        '               "AND reviewer = ?", ["a", "b"])\n'
        '    db.table("reviewers").insert({})\n'
        '    db.execute(insert_sql("sessions", ["session_id"]), {})\n'
        '    return db.execute(f"SELECT a.* FROM applications a JOIN decisions {alias} ON {alias}.current = 1")\n',
        encoding="utf-8")
    assert [table for _, table in _writes(sample)] == ["decisions", "assessments", "conflicts", "reviewers", "sessions"]
    texts = [text for _, text in _sql_texts(sample)]
    assert sum(bool(_STAR.search(t)) for t in texts) == 1 and sum(bool(_BARE_FLAG.search(t)) for t in texts) == 2
    assert not any("Docstrings" in t for t in texts)
    assert {t for _, t in _writes(MODULES["models.workspace.records"])} >= {"applications", "assessments", "imports"}
