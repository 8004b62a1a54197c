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
import zipfile
from dataclasses import dataclass
import zlib
from pathlib import Path
from typing import IO

from models.workspace.database import Database, insert_sql
from models.workspace import anchors
from models.workspace import audit, dialect
from models.failures import ReviewDeskError
from models.workspace.leftovers import OWNER_FILE, claimed_scratch, remove_leftovers
from models.limits import MAX_BACKUP_BYTES, MAX_BACKUP_RATIO, megabytes
from models.workspace.workspace import DB_NAME, EVIDENCE_DIR, Workspace, connect

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
    """Write the backup ZIP to ``out`` (temp name, renamed when complete).

    The 备份 audit entry goes into the copy first, and is committed to the workspace, as the
    very same row, only once the ZIP is in place: a run killed on the way leaves no record
    of a backup that does not exist, and no copy of the database inside the workspace.
    """
    out = Path(out).absolute()
    partial = out.with_name(out.name + ".partial")
    remove_leftovers(out.parent, SCRATCH_PREFIX, "备份", partial)
    scratch = claimed_scratch(out.parent, SCRATCH_PREFIX)
    try:
        db_copy = scratch / DB_NAME
        dialect.sqlite_backup(ws.db.conn, db_copy)
        entry = _record_in_copy(db_copy, actor, out.name)
        files = {DB_NAME: db_copy}
        for stored in sorted(ws.evidence_dir.rglob("*")):
            if stored.is_file():
                files[f"{EVIDENCE_DIR}/{stored.relative_to(ws.evidence_dir).as_posix()}"] = stored
        manifest = {"format": FORMAT, "audit_head": {"seq": entry["seq"], "hash": entry["hash"]},
                    "files": {name: _sha256(path) for name, path in files.items()}}
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            for name, path in files.items():
                archive.write(path, name)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        partial.unlink(missing_ok=True)
    with ws.db.atomic():
        if audit.head_hash(ws.db) == entry["prev_hash"]:
            ws.db.execute(insert_sql("audit", entry), entry)
        else:  # the log moved on meanwhile: the backup is a snapshot from before that
            audit.append(ws.db, actor, "备份", out.name)
    ws.remember_head()
    return out


SCRATCH_PREFIX = ".backup-"
RESTORE_PREFIX = ".restore-"
_AUDIT_FIELDS = ("seq", "at", "actor", "action", "subject", "details", "prev_hash", "hash")


def _record_in_copy(db_copy: Path, actor: str, name: str) -> dict[str, object]:
    """Append the 备份 entry to the copy; the row as written."""
    copy = Database(db_copy)
    try:
        with copy.conn:
            audit.append(copy, actor, "备份", name)
        row = copy.execute(f"SELECT {', '.join(_AUDIT_FIELDS)} FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        copy.close()
    return dict(zip(_AUDIT_FIELDS, row))


@dataclass(frozen=True, slots=True)
class RollbackConfirmation:
    """A 负责人's name and passphrase, given to confirm restoring a backup older than this PC has seen."""

    lead: str
    passphrase: str
    reason: str


class RollbackRefused(BackupError):
    """The backup is older than the newest state this PC has seen, and no 负责人 confirmed the rollback."""


@dataclass(frozen=True, slots=True)
class Restorer:
    """Who restores (a 系统管理员 or 负责人 of the backup's workspace) and their passphrase: the restore entry is
    signed with their key, unlocked from the verified backup."""

    name: str
    passphrase: str


def restore_backup(backup: str | Path, folder: str | Path, *, restorer: Restorer | None = None,
                   confirm_rollback: RollbackConfirmation | None = None) -> Path:
    """Restore into ``folder``, which must not hold a workspace yet, as ``restorer``. Raises :class:`BackupError`.

    The restorer must be an active 系统管理员 or 负责人 of the backup (their CA-issued certificate says so); a
    rollback is restored by the 负责人 who confirms it (``restorer`` may then be left out). The restore entry
    carries a record signed with their key (``models.signing.signed_entries``).

    Sizes are checked before anything is inflated (the total, each member's compression
    ratio, the free disk space); each member is streamed to disk and hashed as it goes.
    Then the backup's audit log is replayed and compared with its tables and its
    evidence files, and the restore's audit entry is appended to the staged copy, all
    before the staged folder becomes the target in one rename. A backup whose log lacks a
    head this PC has seen is a rollback: :class:`RollbackRefused` unless a 负责人
    confirms it.
    """
    backup, folder = Path(backup), Path(folder).expanduser().resolve()
    restorer = _restorer(restorer, confirm_rollback)
    if (folder / DB_NAME).exists():
        raise BackupError(f"{folder} 已有工作区，恢复须指定一个新的空文件夹")
    try:
        archive = zipfile.ZipFile(backup)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"无法读取备份 {backup.name}：{error}") from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST)) if archive.getinfo(MANIFEST).file_size < (64 << 20) else {}
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
        _check_sizes(backup.name, [archive.getinfo(name) for name in expected], folder.parent)
        remove_leftovers(folder.parent, RESTORE_PREFIX, "恢复")
        staging = claimed_scratch(folder.parent, RESTORE_PREFIX)
        try:
            for name, digest in expected.items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(name) as source, target.open("wb") as sink:
                    if _copy_hashing(source, sink) != digest:
                        raise BackupError(f"备份中的 {name} 已损坏（SHA-256 不符）")
            discarded = _verify_staged(backup.name, staging, confirm_rollback)
            with Workspace.open(staging, create=False, lock=False, check_anchors=False) as staged:
                _record_restore(staged, backup, restorer, discarded, confirm_rollback)
            if folder.exists():
                if any(folder.iterdir()):
                    raise BackupError(f"{folder} 不是空文件夹，恢复须指定一个新的空文件夹")
                folder.rmdir()
            os.replace(staging, folder)  # the restore's one commit point: its record arrives with it
            (folder / OWNER_FILE).unlink()  # not part of the workspace
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise BackupError(f"备份 {backup.name} 已损坏（{error}）") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    with Workspace.open(folder, create=False, check_anchors=False) as ws:
        ws.remember_head()
    return folder


def _verify_staged(backup_name: str, staging: Path, confirm: RollbackConfirmation | None) -> str | None:
    """Replay-verify the staged copy; return the discarded range when it is a confirmed rollback."""
    from models.workspace.verification import verify_evidence, verify_workspace

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


def _restorer(restorer: Restorer | None, confirm: RollbackConfirmation | None) -> Restorer:
    if confirm is not None:
        if restorer is not None and restorer.name != confirm.lead:
            raise RollbackRefused(f"回退恢复须由确认回退的负责人 {confirm.lead} 本人恢复，而不是 {restorer.name}")
        return restorer or Restorer(confirm.lead, confirm.passphrase)
    if restorer is None or not restorer.name:
        raise BackupError("恢复备份须由系统管理员或负责人以本人口令签名：请指定恢复人及其口令，未恢复任何内容")
    return restorer


def _confirming_lead(ws: Workspace, confirm: RollbackConfirmation) -> None:
    from models.signing.reviewers import get_reviewer
    from models.review.terms import LEAD_ROLE

    if not confirm.reason.strip():
        raise RollbackRefused("确认回退须写明原因")
    if get_reviewer(ws, confirm.lead).role != LEAD_ROLE:
        raise RollbackRefused(f"回退恢复须由负责人确认，{confirm.lead} 不是负责人")


def _record_restore(ws: Workspace, backup: Path, restorer: Restorer, discarded: str | None,
                    confirm: RollbackConfirmation | None) -> None:
    from models.review.terms import LEAD_ROLE, RESTORING_ROLES
    from models.signing.signed_entries import restore_appender, unlock_signer

    rollback = discarded is not None and confirm is not None
    signer = unlock_signer(ws, restorer.name, restorer.passphrase, (LEAD_ROLE,) if rollback else RESTORING_ROLES,
                           "确认回退恢复" if rollback else "恢复备份")
    head = audit.head(ws.db)
    details: dict[str, object] = {"backup": backup.name, "head_seq": head[0], "head_hash": head[1]}
    if rollback and confirm is not None:
        details |= {"rollback": discarded, "confirmed_by": confirm.lead, "reason": confirm.reason.strip()}
    with ws.db.atomic():
        restore_appender(signer, backup.name, _sha256(backup), head).append(
            ws.db, anchors.RESTORE_ACTION, backup.name, details)


def _check_sizes(name: str, infos: list[zipfile.ZipInfo], target: Path) -> None:
    total = sum(info.file_size for info in infos)
    if total > MAX_BACKUP_BYTES:
        raise BackupError(f"备份 {name} 解压后为 {megabytes(total)}，超过 {megabytes(MAX_BACKUP_BYTES)} 上限")
    for info in infos:
        if info.file_size > (1 << 20) and info.file_size > MAX_BACKUP_RATIO * max(info.compress_size, 1):
            raise BackupError(f"备份 {name} 中的 {info.filename} 压缩比超过 {MAX_BACKUP_RATIO}:1"
                              f"（{megabytes(info.compress_size)} 解压为 {megabytes(info.file_size)}），疑似压缩炸弹")
    free = shutil.disk_usage(target).free
    if total > free:
        raise BackupError(f"备份 {name} 解压后需要 {megabytes(total)}，{target} 所在磁盘只剩 {megabytes(free)}")


def _copy_hashing(source: IO[bytes], sink: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := source.read(1 << 20):
        digest.update(chunk)
        sink.write(chunk)
    sink.flush()
    os.fsync(sink.fileno())
    return digest.hexdigest()
