"""`audit verify --anchor` when this PC's anchors were deleted: the file's head is what catches a truncation."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from models.workspace.anchors import anchors_dir
from tests.workspace_support import staffed_workspace

ROOT = Path(__file__).resolve().parents[2]


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "--workspace", str(folder), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8")


def test_a_truncated_log_with_the_anchors_deleted_fails_against_a_backups_head(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    staffed_workspace(folder).close()
    assert run(folder, "backup", "--out", tmp_path / "备份.zip").returncode == 0
    conn = sqlite3.connect(folder / "reviewdesk.db")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")  # the backup's own entry
    conn.commit()
    conn.close()
    shutil.rmtree(anchors_dir())
    assert run(folder, "audit", "verify").stdout.splitlines()[-1] == "校验通过"  # nothing on this PC remembers
    result = run(folder, "audit", "verify", "--anchor", tmp_path / "备份.zip")
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert "校验通过" not in lines and lines[-1] == "校验未通过：1 处问题", lines
    assert any(line.startswith("备份.zip：审计日志已被截断") for line in lines), lines
