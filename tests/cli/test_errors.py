"""How the CLI reports: domain errors as their Chinese message, a bug in one line with its traceback in the log."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, **(env or {})})


def test_a_damaged_workspace_is_one_line_and_its_traceback_goes_to_the_workspace_log(tmp_path: Path) -> None:
    from models.workspace.workspace import Workspace

    folder = tmp_path / "ws"
    Workspace.open(folder).close()
    with sqlite3.connect(folder / "reviewdesk.db") as db:  # a table renamed behind the program's back
        db.execute("ALTER TABLE applications RENAME TO gone")
    result = run("--workspace", folder, "list")
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["发生意外错误：OperationalError: no such table: applications",
                                          f"详细信息已写入日志：{folder / 'reviewdesk.log'}"]
    logged = (folder / "reviewdesk.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged and "queue_rows" in logged


def test_without_a_workspace_a_bug_is_logged_in_the_users_log_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.commands import reported

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "不是工作区"
    folder.mkdir()

    def buggy() -> int:
        return int("百")

    assert reported(buggy, folder) == 1
    told = capsys.readouterr().err.splitlines()
    log_file = tmp_path / "state" / "ReviewDesk" / "log" / "reviewdesk.log"
    assert told == ["发生意外错误：ValueError: invalid literal for int() with base 10: '百'",
                    f"详细信息已写入日志：{log_file}"]
    assert "Traceback" in log_file.read_text(encoding="utf-8") and not list(folder.iterdir())


def test_a_refusal_is_its_message_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.commands import reported
    from policy.catalog import PolicyDataError

    def refused() -> int:
        raise PolicyDataError(["items.toml: 事项 x: 数值 50 未见于原文"])

    assert reported(refused, None) == 1
    assert capsys.readouterr().err == "政策数据有误：\nitems.toml: 事项 x: 数值 50 未见于原文\n"
