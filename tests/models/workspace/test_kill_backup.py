"""A backup or restore killed on the way leaves no record of it, no copies; the next run cleans up and says so."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from models.workspace.backup import restore_backup, write_backup
from models.workspace.workspace import Workspace
from tests.workspace_support import RESTORER, staffed_workspace

ROOT = Path(__file__).resolve().parents[3]


def _die_at_replace(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child that is killed (os._exit) where the finished file would be put in place."""
    script = textwrap.dedent('''
        import os, sys
        import models.workspace.backup as backup
        real_replace = os.replace
        def killed(source, target, *args, **kwargs):
            if str(target).endswith(".zip") or ".restore-" in str(source):  # the backup's own files, not anchors
                os._exit(9)
            return real_replace(source, target, *args, **kwargs)
        backup.os.replace = killed
    ''') + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _sigkill_after(owner: str, name: str, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child that SIGKILLs itself right after the first call of ``owner.name`` returns."""
    module, _, attribute = owner.partition(":")
    imported = f"from {module} import {attribute} as patched" if attribute else f"import {module} as patched"
    script = textwrap.dedent(f'''
        import os, signal
        {imported}
        real = patched.{name}
        def killed(*args, **kwargs):
            real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        patched.{name} = killed
    ''') + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def _backups_recorded(folder: Path) -> int:
    with Workspace.open(folder, create=False) as ws:
        return ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = '备份'").fetchone()[0]


@pytest.mark.skipif(sys.platform == "win32", reason="os._exit stands for SIGKILL")
def test_a_killed_backup_leaves_no_record_and_no_copy(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder, out = tmp_path / "ws", tmp_path / "备份" / "b.zip"
    Workspace.open(folder, create=True).close()
    result = _die_at_replace(f'''
        from models.workspace.workspace import Workspace
        with Workspace.open({str(folder)!r}, create=False) as ws:
            backup.write_backup(ws, {str(out)!r})
    ''')
    assert result.returncode == 9, result.stderr
    assert _backups_recorded(folder) == 0
    assert not [p for p in folder.rglob("*") if p.name.startswith(".backup-") or p.suffix == ".partial"]
    assert not out.exists()
    left = [p.name for p in out.parent.iterdir()]
    assert any(name.startswith(".backup-") for name in left) and "b.zip.partial" in left

    with caplog.at_level("WARNING", logger="reviewdesk"), Workspace.open(folder, create=False) as ws:
        write_backup(ws, out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.zip"]
    assert "已清理上次备份中断时留下的临时文件" in caplog.text
    assert _backups_recorded(folder) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="os._exit stands for SIGKILL")
def test_a_killed_restore_leaves_nothing_beside_the_target(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        archive = write_backup(ws, tmp_path / "b.zip")
    target = tmp_path / "恢复" / "新"
    result = _die_at_replace(f"backup.restore_backup({str(archive)!r}, {str(target)!r}, restorer=backup.Restorer('管理员丁', '测试口令-123456'))")
    assert result.returncode == 9, result.stderr
    assert not target.exists()
    assert [p.name[:9] for p in target.parent.iterdir()] == [".restore-"]

    with caplog.at_level("WARNING", logger="reviewdesk"):
        restore_backup(archive, target, restorer=RESTORER)
    assert sorted(p.name for p in target.parent.iterdir()) == ["新"]
    assert "已清理上次恢复中断时留下的临时文件" in caplog.text


def test_a_backup_that_inflates_a_hundredfold_is_refused_before_inflating(tmp_path: Path) -> None:
    import json
    import zipfile

    from models.workspace.backup import BackupError

    bomb = tmp_path / "炸弹.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        with out.open("reviewdesk.db", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(b"\0" * (1 << 20))
        out.writestr("manifest.json", json.dumps({"format": "reviewdesk-backup/1",
                                                  "files": {"reviewdesk.db": "0" * 64}}))
    with pytest.raises(BackupError, match=r"reviewdesk.db 压缩比超过 200:1.*疑似压缩炸弹"):
        restore_backup(bomb, tmp_path / "新", restorer=RESTORER)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["炸弹.zip"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_backup_killed_while_zipping_leaves_no_record_and_nothing_in_the_workspace(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder, out = tmp_path / "ws", tmp_path / "备份" / "b.zip"
    Workspace.open(folder, create=True).close()
    files = _files(folder)
    result = _sigkill_after("zipfile:ZipFile", "write", f'''
        import zipfile
        from models.workspace.backup import write_backup
        from models.workspace.workspace import Workspace
        with Workspace.open({str(folder)!r}, create=False) as ws:
            write_backup(ws, {str(out)!r})
    ''')
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _backups_recorded(folder) == 0
    assert _files(folder) == files
    assert not out.exists() and (out.parent / "b.zip.partial").exists()

    with caplog.at_level("WARNING", logger="reviewdesk"), Workspace.open(folder, create=False) as ws:
        write_backup(ws, out)
    assert "已清理上次备份中断时留下的临时文件" in caplog.text
    assert sorted(p.name for p in out.parent.iterdir()) == ["b.zip"]
    assert _backups_recorded(folder) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_restore_killed_while_unpacking_leaves_no_workspace(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        archive = write_backup(ws, tmp_path / "b.zip")
    target = tmp_path / "恢复" / "新"
    result = _sigkill_after("models.workspace.backup", "_copy_hashing",
                            f"patched.restore_backup({str(archive)!r}, {str(target)!r}, restorer=patched.Restorer('管理员丁', '测试口令-123456'))")
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert not target.exists()

    with caplog.at_level("WARNING", logger="reviewdesk"):
        restore_backup(archive, target, restorer=RESTORER)
    assert "已清理上次恢复中断时留下的临时文件" in caplog.text
    assert sorted(p.name for p in target.parent.iterdir()) == ["新"]
    with Workspace.open(target, create=False) as ws:
        restores = ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = '从备份恢复'").fetchone()[0]
    assert restores == 1


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_restore_killed_after_recording_itself_is_not_in_place(tmp_path: Path) -> None:
    """The restore's entry is written into the staged copy: killed before the rename, there is no target at all."""
    folder = tmp_path / "ws"
    with staffed_workspace(folder) as ws:
        archive = write_backup(ws, tmp_path / "b.zip")
    target = tmp_path / "恢复" / "新"
    result = _sigkill_after("models.workspace.backup", "_record_restore",
                            f"patched.restore_backup({str(archive)!r}, {str(target)!r}, restorer=patched.Restorer('管理员丁', '测试口令-123456'))")
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert not target.exists()
    assert [p.name[:9] for p in target.parent.iterdir()] == [".restore-"]
