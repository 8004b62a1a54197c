"""Helpers shared by the sheet tests (fixtures are in conftest.py)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.workspace.workspace import DB_NAME, Workspace

FIRST_REVIEWER, SECOND_REVIEWER = "审核员甲", "审核员乙"


@dataclass(frozen=True)
class Exported:
    workspace: Path
    out: Path
    ids: list[str]  # exported applications
    both_stages: str  # one with 初审 and 复核 decisions
    first_only: str  # one with only a 初审 decision


def copy_workspace(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("reviewdesk.lock"))
    return target


def pick_ids(folder: Path) -> tuple[str, str]:
    """(an application with both decisions, its 复核 on the merits; one with only a 初审 decision)."""
    with Workspace.open(folder, create=False) as ws:
        rows = ws.db.execute(
            "SELECT application_id, GROUP_CONCAT(stage), MAX(stage = '复核' AND outcome IN ('通过', '部分通过', '不通过')) "
            "FROM decisions WHERE current = 1 GROUP BY application_id ORDER BY application_id").fetchall()
    both = next(app for app, stages, second_on_merits in rows if "复核" in stages and second_on_merits)
    first = next(app for app, stages, _ in rows if stages == "初审")
    return both, first


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return found


def run_tool(*args: str) -> str:
    return subprocess.run([tool(args[0]), *args[1:]], capture_output=True, text=True, check=False,
                          timeout=60).stdout


def write_lock_free(folder: Path) -> bool:
    """Whether another connection could start writing this moment (without waiting)."""
    other = sqlite3.connect(str(folder / DB_NAME), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()
