"""Backups: one ZIP with a consistent database copy, the evidence store and a manifest.

The reviewers' encrypted keys and the CA live in the database, so they travel
with it. A restore checks every file against the manifest before anything is
put in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from models import audit
from models.failures import ReviewDeskError
from models.workspace import DB_NAME, EVIDENCE_DIR, Workspace, sqlite_backup

MANIFEST = "manifest.json"
FORMAT = "reviewdesk-backup/1"


class BackupError(ReviewDeskError):
    """A backup cannot be written or restored."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_backup(ws: Workspace, out: str | Path, actor: str = "系统") -> Path:
    """Write the backup ZIP to ``out`` (temp name, renamed when complete)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with ws.db.atomic():
        audit.append(ws.db, actor, "备份", out.name)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=ws.folder) as scratch:
        db_copy = Path(scratch) / DB_NAME
        sqlite_backup(ws.db, db_copy)
        files = {DB_NAME: db_copy}
        for stored in sorted(ws.evidence_dir.rglob("*")):
            if stored.is_file():
                files[f"{EVIDENCE_DIR}/{stored.relative_to(ws.evidence_dir).as_posix()}"] = stored
        manifest = {"format": FORMAT, "files": {name: _sha256(path) for name, path in files.items()}}
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            for name, path in files.items():
                archive.write(path, name)
        os.replace(partial, out)
    return out


def restore_backup(backup: str | Path, folder: str | Path) -> Path:
    """Restore into ``folder``, which must not hold a workspace yet. Raises :class:`BackupError`."""
    backup, folder = Path(backup), Path(folder).expanduser().resolve()
    if (folder / DB_NAME).exists():
        raise BackupError(f"{folder} 已有工作区，恢复须指定一个新的空文件夹")
    try:
        archive = zipfile.ZipFile(backup)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"无法读取备份 {backup.name}：{error}") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except (KeyError, ValueError):
            raise BackupError(f"{backup.name} 不是审核台备份（缺少清单）") from None
        if manifest.get("format") != FORMAT or DB_NAME not in manifest.get("files", {}):
            raise BackupError(f"{backup.name} 不是审核台备份（清单格式不符）")
        expected: dict[str, str] = manifest["files"]
        if set(archive.namelist()) - {MANIFEST} != set(expected):
            raise BackupError(f"{backup.name} 的文件与清单不一致")
        for name in expected:
            if name.startswith("/") or ".." in Path(name).parts or "\\" in name:
                raise BackupError(f"{backup.name} 含有不安全的路径 {name}")
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=folder.parent))
        try:
            for name, digest in expected.items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(name) as source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink)
                if _sha256(target) != digest:
                    raise BackupError(f"备份中的 {name} 已损坏（SHA-256 不符）")
            if folder.exists():
                if any(folder.iterdir()):
                    raise BackupError(f"{folder} 不是空文件夹，恢复须指定一个新的空文件夹")
                folder.rmdir()
            os.replace(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    with Workspace.open(folder, create=False) as ws:
        with ws.db.atomic():
            audit.append(ws.db, "系统", "从备份恢复", backup.name)
    return folder
