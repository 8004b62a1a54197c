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
from dataclasses import dataclass
from pathlib import Path

from models import anchors, audit
from models.failures import ReviewDeskError
from models.workspace import DB_NAME, EVIDENCE_DIR, Workspace, connect, sqlite_backup

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
    head_seq, head_digest = audit.head(ws.db)
    ws.remember_head()
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=ws.folder) as scratch:
        db_copy = Path(scratch) / DB_NAME
        sqlite_backup(ws.db, db_copy)
        files = {DB_NAME: db_copy}
        for stored in sorted(ws.evidence_dir.rglob("*")):
            if stored.is_file():
                files[f"{EVIDENCE_DIR}/{stored.relative_to(ws.evidence_dir).as_posix()}"] = stored
        manifest = {"format": FORMAT, "audit_head": {"seq": head_seq, "hash": head_digest}, "files": {name: _sha256(path) for name, path in files.items()}}
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            for name, path in files.items():
                archive.write(path, name)
        os.replace(partial, out)
    return out


@dataclass(frozen=True, slots=True)
class RollbackConfirmation:
    """A 负责人's name and passphrase, given to confirm restoring a backup older than this PC has seen."""

    lead: str
    passphrase: str
    reason: str


class RollbackRefused(BackupError):
    """The backup is older than the newest state this PC has seen, and no 负责人 confirmed the rollback."""


def restore_backup(backup: str | Path, folder: str | Path, *, actor: str = "系统",
                   confirm_rollback: RollbackConfirmation | None = None) -> Path:
    """Restore into ``folder``, which must not hold a workspace yet. Raises :class:`BackupError`.

    Every file is checked against the manifest, then the backup's audit log is
    replayed and compared with its tables and its evidence files, all before
    the target is written. A backup whose log lacks a head this PC has seen is
    a rollback: :class:`RollbackRefused` unless a 负责人 confirms it.
    """
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
            discarded = _verify_staged(backup.name, staging, confirm_rollback)
            if folder.exists():
                if any(folder.iterdir()):
                    raise BackupError(f"{folder} 不是空文件夹，恢复须指定一个新的空文件夹")
                folder.rmdir()
            os.replace(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    with Workspace.open(folder, create=False, check_anchors=False) as ws:
        _record_restore(ws, backup.name, actor, discarded, confirm_rollback)
    return folder


def _verify_staged(backup_name: str, staging: Path, confirm: RollbackConfirmation | None) -> str | None:
    """Replay-verify the staged copy; return the discarded range when it is a confirmed rollback."""
    from models.verification import verify_evidence, verify_workspace

    db = connect(staging / DB_NAME)
    try:
        staged = Workspace(staging, db, None)
        report = verify_workspace(staged)
        problems = report.problems + verify_evidence(staged)
        if problems:
            shown = "；".join(problems[:5]) + (f"；等共 {len(problems)} 处" if len(problems) > 5 else "")
            raise BackupError(f"备份 {backup_name} 未通过校验，未恢复任何内容：{shown}")
        rolled_back = [problem for anchor in anchors.anchors_for_identity(db)
                       if (problem := anchors.check_anchor(db, anchor))]
        if not rolled_back:
            return None
        if confirm is None:
            raise RollbackRefused(
                f"备份 {backup_name} 比本机见过的工作区状态更旧，恢复将回退：{rolled_back[0]}。"
                "如确需回退，须由负责人确认（restore --confirm-rollback-by 负责人姓名 --passphrase-file 口令文件 --reason 原因）")
        _confirming_lead(staged, confirm)
        return rolled_back[0]
    finally:
        db.close()


def _confirming_lead(ws: Workspace, confirm: RollbackConfirmation) -> None:
    from models.reviewers import get_reviewer, unlock
    from models.review_terms import LEAD_ROLE

    if not confirm.reason.strip():
        raise RollbackRefused("确认回退须写明原因")
    if get_reviewer(ws, confirm.lead).role != LEAD_ROLE:
        raise RollbackRefused(f"回退恢复须由负责人确认，{confirm.lead} 不是负责人")
    unlock(ws, confirm.lead, confirm.passphrase)


def _record_restore(ws: Workspace, backup_name: str, actor: str, discarded: str | None,
                    confirm: RollbackConfirmation | None) -> None:
    seq, digest = audit.head(ws.db)
    details: dict[str, object] = {"backup": backup_name, "head_seq": seq, "head_hash": digest}
    if discarded is not None and confirm is not None:
        details |= {"rollback": discarded, "confirmed_by": confirm.lead, "reason": confirm.reason.strip()}
        actor = confirm.lead
    with ws.db.atomic():
        audit.append(ws.db, actor, anchors.RESTORE_ACTION, backup_name, details)
    ws.remember_head()
