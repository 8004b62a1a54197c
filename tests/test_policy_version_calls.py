"""The policy version is an explicit dependency: above ``policy/`` it comes from the stored record.

``load_policy()`` without a version, and ``DEFAULT_VERSION``, appear only at the
entry points (the CLI's ``main`` and self-test, GUI start-up, demo generation and
the benchmarks). The version in force today (``current_version``) is read only
where nothing is stored yet: reading an intake file before its 申报年度 are known,
and browsing the measures or asking what an enterprise may still apply for.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("models", "sheets", "gui", "cli")
ENTRY_POINTS = {"cli/main.py", "cli/selftest.py", "cli/selftest_workflow.py", "gui/app.py"}
TODAYS_VERSION = {
    "models/intake/assessing.py": "an intake file is first read before its 申报年度 settle the version",
    "models/intake/validate.py": "read_applications without a policy reads with today's version",
    "gui/policy_browser.py": "the 政策原文 view shows the measures in force",
    "gui/calculator.py": "what an enterprise may still apply for is asked of the measures in force",
    "gui/main_window.py": "关于 names the version in force",
}


def _python_files() -> list[str]:
    return sorted(str(path.relative_to(REPO_ROOT)) for package in CHECKED
                  for path in (REPO_ROOT / package).rglob("*.py"))


def hidden_versions(source: str) -> list[tuple[int, str]]:
    """(line, what) for every ``load_policy()`` with no version and every use of ``DEFAULT_VERSION``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) == "load_policy" and not node.args and not node.keywords:
            found.append((node.lineno, "load_policy()"))
        elif isinstance(node, (ast.Name, ast.Attribute)) and _name(node) == "DEFAULT_VERSION":
            found.append((node.lineno, "DEFAULT_VERSION"))
        elif isinstance(node, ast.alias) and node.name == "DEFAULT_VERSION":
            found.append((getattr(node, "lineno", 0), "DEFAULT_VERSION"))
    return found


def todays_version_uses(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and _name(node.func) == "current_version"]


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def test_the_checks_see_what_they_look_for() -> None:
    source = ("from policy.catalog import DEFAULT_VERSION, load_policy\n"
              "a = load_policy()\nb = load_policy('v')\nc = catalog.load_policy()\nd = current_version()\n")
    assert hidden_versions(source) == [(1, "DEFAULT_VERSION"), (2, "load_policy()"), (4, "load_policy()")]
    assert todays_version_uses(source) == [5]


@pytest.mark.parametrize("path", [p for p in _python_files() if p not in ENTRY_POINTS])
def test_above_policy_the_version_is_never_implicit(path: str) -> None:
    found = hidden_versions((REPO_ROOT / path).read_text(encoding="utf-8"))
    assert not found, f"{path}: the version must come from the stored record: {found}"


@pytest.mark.parametrize("path", [p for p in _python_files() if p not in ENTRY_POINTS])
def test_todays_version_is_read_only_where_nothing_is_stored_yet(path: str) -> None:
    uses = todays_version_uses((REPO_ROOT / path).read_text(encoding="utf-8"))
    assert not uses or path in TODAYS_VERSION, f"{path}: lines {uses} read the version in force today"


def test_every_allowed_use_of_todays_version_is_still_there() -> None:
    unused = [path for path in TODAYS_VERSION if not todays_version_uses((REPO_ROOT / path).read_text("utf-8"))]
    assert not unused, f"no longer needed, drop them from TODAYS_VERSION: {unused}"
