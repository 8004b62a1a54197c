"""A workspace deleted and made again in its folder: refused for a real one (a new log over the old one's anchor),
allowed for a demo; restoring the real one there from its backup still works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from demo.workspace import create_demo
from models.signing.keys import KdfParams
from models.workspace.anchors import AnchorMismatch
from models.workspace.backup import restore_backup, write_backup
from models.workspace.verification import verify_workspace
from models.workspace.workspace import Workspace
from tests.insider import forge_logged
from tests.workspace_support import RESTORER, import_as, intake_row, staffed_workspace, write_csv


def test_a_new_workspace_where_a_real_one_vanished_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
        backup = write_backup(ws, tmp_path / "b.zip")
    shutil.rmtree(folder)
    with pytest.raises(AnchorMismatch, match="拒绝在 .* 新建工作区：本机曾在这里打开过另一个工作区.*新工作区请建在另一个文件夹"):
        Workspace.open(folder)
    assert not folder.exists()
    restore_backup(backup, folder, restorer=RESTORER)
    with Workspace.open(folder) as restored:
        assert verify_workspace(restored).ok
        assert restored.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 1


def test_a_demo_deleted_is_made_again_in_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    create_demo(folder, count=3, kdf=KdfParams.cheap_for_tests())
    shutil.rmtree(folder)
    assert "演示工作区已创建" in create_demo(folder, count=3, kdf=KdfParams.cheap_for_tests())
    with Workspace.open(folder) as ws:
        assert ws.is_demo and verify_workspace(ws).ok


def test_a_demo_setting_forged_into_a_real_workspace_does_not_let_it_be_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    staffed_workspace(folder).close()
    forge_logged(folder, [("INSERT INTO settings (key, value) VALUES ('demo', '1')", [])],
                 actor="管理员丁", action="修改设置", subject="demo")
    with Workspace.open(folder) as ws:
        assert ws.is_demo  # the setting alone says so, as in older versions
    shutil.rmtree(folder)
    with pytest.raises(AnchorMismatch, match="拒绝在 .* 新建工作区"):
        Workspace.open(folder)
