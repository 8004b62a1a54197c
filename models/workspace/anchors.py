"""Anchors: the newest audit head this PC has seen for each workspace, kept outside the workspace.

Like a Certificate Transparency client remembering the last tree head, a PC
that later finds a workspace whose log no longer holds that head knows the log
was truncated or rewritten below it, whoever did it. Anchors live in the
user's own data folder (``XDG_DATA_HOME`` on Linux), keyed by the workspace's
identity (its CA certificate's fingerprint) and by its folder, so replacing
the CA does not shake the anchor off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from models.failures import ReviewDeskError
from models.workspace.database import Database
from models.workspace import people_rows


RESTORE_ACTION = "从备份恢复"


class AnchorMismatch(ReviewDeskError):
    """The workspace's audit log no longer holds a head this PC (or a file) has seen."""


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    origin: str
    ca: str = ""
    """SHA-256 of the CA certificate the workspace had then ("" when it had none, or an older anchor)."""
    demo: bool = False
    """The workspace's log holds its CA as made under the public demo passphrase: a demo, which may be
    deleted and made again in the same folder."""

    def describe(self) -> str:
        return f"第 {self.seq} 条（{self.hash[:16]}…，{self.origin}）"


def anchors_dir() -> Path:
    return Path(platformdirs.user_data_dir("ReviewDesk", appauthor=False)) / "anchors"


def workspace_identity(db: Database) -> str | None:
    """The workspace's CA certificate with the log's first entry, or None before a CA exists.

    The CA alone is shared by a bureau workspace and its 会评 laptops; the first
    entry tells those apart. A restore starts a new line of the same workspace
    (its restore entry is part of the identity), so a restored copy and the
    original do not fight over one anchor; whether the restore was a rollback
    is decided, and confirmed by a 负责人, before that entry is written. A log rewritten from its very first entry gets a
    new identity here and is caught by the folder's anchor and by the heads
    that sheets, backups and packages carry.
    """
    ca = people_rows.ca(db)
    if ca is None:
        return None
    first = db.execute("SELECT hash FROM audit WHERE seq = 1").fetchone()
    restored = db.execute(f"SELECT hash FROM audit WHERE action = '{RESTORE_ACTION}' ORDER BY seq DESC LIMIT 1").fetchone()
    material = f"{ca.certificate_pem}\n{first[0] if first else ''}\n{restored[0] if restored else ''}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _paths(folder: Path, identity: str | None) -> list[Path]:
    base = anchors_dir()
    paths = [base / "by-folder" / f"{hashlib.sha256(str(folder).encode('utf-8')).hexdigest()}.json"]
    if identity:
        paths.append(base / "by-ca" / f"{identity}.json")
    return paths


def _read(path: Path) -> Anchor | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Anchor(int(data["seq"]), str(data["hash"]), str(data.get("origin", "本机")), str(data.get("ca", "")),
                      data.get("demo") is True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def logged_as_demo(db: Database) -> bool | None:
    """Whether the log's first CA entry says the CA passphrase is the public demo one (no setting can take that
    back); None before the log has a CA entry."""
    row = db.execute("SELECT details FROM audit WHERE action IN ('生成CA', '导入CA') ORDER BY seq LIMIT 1").fetchone()
    return None if row is None else json.loads(row[0]).get("public_demo_passphrase") is True


def previous_workspace(folder: Path) -> Anchor | None:
    """The head this PC last saw for a workspace in ``folder``, whatever became of it."""
    return _read(_paths(folder, None)[0])


def forget_demo(folder: Path) -> None:
    """Drop this PC's folder anchor of a deleted demo workspace, so a new one can be made in its folder."""
    earlier = previous_workspace(folder)
    if earlier is not None and earlier.demo:
        _paths(folder, None)[0].unlink(missing_ok=True)


def ca_fingerprint(db: Database) -> str:
    """SHA-256 of the workspace's CA certificate as stored, or "" before a CA exists."""
    ca = people_rows.ca(db)
    return hashlib.sha256(ca.certificate_pem.encode("utf-8")).hexdigest() if ca else ""


def anchors_for_identity(db: Database) -> list[Anchor]:
    """This PC's anchors for the workspace whose database is ``db``, wherever it lived."""
    identity = workspace_identity(db)
    if identity is None:
        return []
    return [anchor for anchor in [_read(anchors_dir() / "by-ca" / f"{identity}.json")] if anchor]


def known_anchors(folder: Path, db: Database) -> list[Anchor]:
    return [anchor for path in _paths(folder, workspace_identity(db)) if (anchor := _read(path))]


def check_anchor(db: Database, anchor: Anchor) -> str | None:
    """Why the log does not hold ``anchor``, or None when it does."""
    row = db.execute("SELECT hash FROM audit WHERE seq = :seq", {"seq": anchor.seq}).fetchone()
    if row is None:
        last = db.execute("SELECT COALESCE(MAX(seq), 0) FROM audit").fetchone()[0]
        return (f"审计日志已被截断：曾见到{anchor.describe()}，现在日志只到第 {last} 条，"
                f"缺失第 {last + 1}–{anchor.seq} 条")
    if row[0] != anchor.hash:
        return (f"审计日志已被改写：曾见到{anchor.describe()}，现在第 {anchor.seq} 条的哈希为 {str(row[0])[:16]}…，"
                f"第 {anchor.seq} 条及以前的记录已被替换")
    return None


def refuse_unless_anchored(folder: Path, db: Database) -> None:
    current_ca = ca_fingerprint(db)
    for anchor in known_anchors(folder, db):
        problem = check_anchor(db, anchor)
        if problem is None and anchor.ca and anchor.ca != current_ca:
            problem = (f"本工作区的 CA 证书已被更换：本机曾见到的 CA 证书指纹为 {anchor.ca[:16]}…，"
                       f"现为 {current_ca[:16] or '（无）'}…；CA 一经建立不能更换")
        if problem:
            raise AnchorMismatch(
                f"拒绝打开工作区 {folder}：{problem}。请勿继续使用此工作区，"
                "应从可信的备份恢复（恢复较旧的备份须由负责人确认回退）并报告信息安全负责人。")


def remember_head(folder: Path, db: Database, seq: int, digest: str, origin: str = "本机") -> None:
    """Move this PC's anchors to ``(seq, digest)``; never backwards, except when told (a confirmed rollback)."""
    if seq <= 0:
        return
    ca, demo = ca_fingerprint(db), logged_as_demo(db) is True
    for path in _paths(folder, workspace_identity(db)):
        old = _read(path)
        if old is not None and old.seq > seq:
            continue
        _write(path, Anchor(seq, digest, origin, old.ca if old is not None and old.ca else ca, demo))


def reset_anchor(folder: Path, db: Database, seq: int, digest: str, origin: str) -> None:
    """Set the anchors to ``(seq, digest)`` even if older: only after a 负责人 confirmed a rollback."""
    ca, demo = ca_fingerprint(db), logged_as_demo(db) is True
    for path in _paths(folder, workspace_identity(db)):
        _write(path, Anchor(seq, digest, origin, ca, demo))


def _write(path: Path, anchor: Anchor) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=path.stem, suffix=".partial", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"seq": anchor.seq, "hash": anchor.hash, "origin": anchor.origin, "ca": anchor.ca,
                   "demo": anchor.demo}, out, ensure_ascii=False)
    os.replace(partial, path)
