"""A workspace: a folder with ``reviewdesk.db`` (SQLite, WAL) and the evidence store."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from types import TracebackType

import platformdirs
from sqlite_utils import Database

from models import audit
from models.failures import ReviewDeskError
from models.locking import WorkspaceLock
from models.schema import KNOWN_MIGRATIONS, MIGRATIONS
from models.storage import refuse_network_share

DB_NAME = "reviewdesk.db"
EVIDENCE_DIR = "evidence"
BACKUP_DIR = "backups"
LOG_NAME = "reviewdesk.log"


class NewerSchema(ReviewDeskError):
    """The database was written by a newer ReviewDesk."""


class NotAWorkspace(ReviewDeskError):
    """The folder holds no workspace and creating one was not asked for."""


def default_workspace() -> Path:
    return Path(platformdirs.user_data_dir("ReviewDesk", appauthor=False)) / "workspace"


def connect(path: Path) -> Database:
    """A connection set as every connection to a workspace must be."""
    db = Database(sqlite3.connect(str(path), timeout=10, check_same_thread=False))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def sqlite_backup(source: Database, target_path: Path) -> None:
    """A consistent copy through SQLite's backup API, even while in use."""
    target_path.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(str(target_path))
    try:
        source.conn.backup(target)
    finally:
        target.close()


class Workspace:
    """An open workspace, locked for this process until :meth:`close`."""

    def __init__(self, folder: Path, db: Database, lock: WorkspaceLock | None) -> None:
        self.folder = folder
        self.db = db
        self._lock = lock

    @classmethod
    def open(cls, folder: Path, *, create: bool = True, lock: bool = True, actor: str = "系统") -> Workspace:
        """Open (or create) the workspace in ``folder``, applying pending migrations.

        Raises :class:`NotAWorkspace`, :class:`NewerSchema`,
        ``WorkspaceLocked`` or ``NetworkShareRefused``.
        """
        folder = Path(folder).expanduser().resolve()
        db_path = folder / DB_NAME
        if not db_path.exists() and not create:
            raise NotAWorkspace(f"{folder} 不是审核台工作区（找不到 {DB_NAME}）")
        folder.mkdir(parents=True, exist_ok=True)
        refuse_network_share(folder)
        workspace_lock = WorkspaceLock(folder) if lock else None
        if workspace_lock:
            workspace_lock.acquire()
        try:
            is_new = not db_path.exists()
            db = connect(db_path)
            try:
                _migrate(db, folder)
                if is_new:
                    with db.atomic():
                        audit.append(db, actor, "创建工作区", str(folder))
            except BaseException:
                db.close()
                raise
        except BaseException:
            if workspace_lock:
                workspace_lock.release()
            raise
        (folder / EVIDENCE_DIR).mkdir(exist_ok=True)
        return cls(folder, db, workspace_lock)

    @property
    def evidence_dir(self) -> Path:
        return self.folder / EVIDENCE_DIR

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_NAME

    def setting(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str, actor: str) -> None:
        with self.db.atomic():
            self.db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])
            audit.append(self.db, actor, "修改设置", key, {"value": value})

    @property
    def is_demo(self) -> bool:
        return self.setting("demo") == "1"

    def close(self) -> None:
        try:
            self.db.close()
        finally:
            if self._lock:
                self._lock.release()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _migrate(db: Database, folder: Path) -> None:
    applied = [m.name for m in MIGRATIONS.applied(db)]
    unknown = [name for name in applied if name not in KNOWN_MIGRATIONS]
    if unknown:
        raise NewerSchema(
            f"工作区 {folder} 由更新版本的审核台创建（未知的数据库版本 {', '.join(unknown)}），"
            "请使用新版审核台打开，本程序不会改动它。"
        )
    pending = MIGRATIONS.pending(db)
    if not pending:
        return
    if applied:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        sqlite_backup(db, folder / BACKUP_DIR / f"升级前-{pending[0].name}-{stamp}.db")
    MIGRATIONS.apply(db)
