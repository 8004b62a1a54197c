"""A workspace: a folder with ``reviewdesk.db`` (SQLite, WAL) and the evidence store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

import platformdirs

from models.workspace import anchors
from models.workspace import audit
from models.workspace import dialect
from models.workspace import projection
from models.workspace import schema_upgrade
from models.workspace import signed_scope
from models.failures import ReviewDeskError
from models.workspace.database import Database
from models.workspace.locking import WorkspaceLock
from models.workspace.migrations import MIGRATIONS
from models.workspace.schema import KNOWN_MIGRATIONS
from models.workspace.storage import refuse_network_share

DB_NAME = "reviewdesk.db"
EVIDENCE_DIR = "evidence"
BACKUP_DIR = "backups"
LOG_NAME = "reviewdesk.log"


class NewerSchema(ReviewDeskError):
    """The database was written by a newer ReviewDesk."""


class UnknownSchemaVersion(ReviewDeskError):
    """The database was migrated by Alembic once, but its revision record is gone."""


class NotAWorkspace(ReviewDeskError):
    """The folder holds no workspace and creating one was not asked for."""


def default_workspace() -> Path:
    return Path(platformdirs.user_data_dir("ReviewDesk", appauthor=False)) / "workspace"


class UnloggedChange(ReviewDeskError):
    """A write transaction changed tables without an audit event covering the change."""


class WorkspaceDatabase(Database):
    """A workspace connection whose transactions serialise writers and leave nothing unlogged.

    ``atomic()`` begins with ``BEGIN IMMEDIATE``: the write lock is taken before
    the first read, so every check made inside the block still holds at commit,
    whichever other process is writing. At commit, any captured row change that
    no audit event covers rolls the whole transaction back.
    """

    change_floor: int | None = None
    has_change_log: bool | None = None

    @contextmanager
    def atomic(self) -> Iterator[Self]:  # same contract, IMMEDIATE
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute(dialect.SQLITE_BEGIN_WRITE)
        try:
            if self.has_change_log:
                self.change_floor = projection.last_change_id(self)
            yield self
            if self.change_floor is not None and projection.unlogged_changes(self, self.change_floor + 1):
                raise UnloggedChange("内部错误：有数据改动未记入审计日志，整个操作已撤销")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self.change_floor = None


def connect(path: Path) -> WorkspaceDatabase:
    """A connection set as every connection to a workspace must be."""
    db = WorkspaceDatabase(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
    for statement in dialect.connection_settings(dialect.SQLITE):
        db.execute(statement)
    return db


def put_setting(db: Database, key: str, value: str) -> None:
    """Set one workspace setting (the ``settings`` table's one writer); the caller appends the audit event."""
    db.execute("INSERT INTO settings (key, value) VALUES (:key, :value) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", {"key": key, "value": value})


class Workspace:
    """An open workspace, locked for this process until :meth:`close`."""

    def __init__(self, folder: Path, db: Database, lock: WorkspaceLock | None) -> None:
        self.folder = folder
        self.db = db
        self._lock = lock
        self._logged_demo: bool | None = None

    @classmethod
    def open(cls, folder: Path, *, create: bool = True, lock: bool = True, actor: str = "系统",
             check_anchors: bool = True) -> Workspace:
        """Open (or create) the workspace in ``folder``, applying pending migrations.

        Raises :class:`NotAWorkspace`, :class:`NewerSchema`, ``AnchorMismatch``
        (the log lacks a head this PC has seen), ``WorkspaceLocked`` or
        ``NetworkShareRefused``. ``check_anchors=False`` is for restore alone,
        which decides about rollbacks itself.
        """
        folder = Path(folder).expanduser().resolve()
        db_path = folder / DB_NAME
        if not db_path.exists() and not create:
            raise NotAWorkspace(f"{folder} 不是审核台工作区（找不到 {DB_NAME}）")
        if not db_path.exists() and check_anchors and lock:
            _refuse_a_vanished_workspace(folder)
        folder.mkdir(parents=True, exist_ok=True)
        refuse_network_share(folder)
        workspace_lock = WorkspaceLock(folder) if lock else None
        if workspace_lock:
            workspace_lock.acquire()
        try:
            is_new = not db_path.exists()
            db = connect(db_path)
            try:
                _migrate(db, folder, actor)
                db.has_change_log = True
                if is_new:
                    with db.atomic():
                        audit.append(db, actor, signed_scope.CREATE_ACTION, str(folder), signed_scope.creation_details())
                if check_anchors and lock:  # the instance that holds the workspace; its worker connections don't
                    anchors.refuse_unless_anchored(folder, db)
                    signed_scope.mark_upgrade(db, actor)
                    anchors.remember_head(folder, db, *audit.head(db))
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
        row = self.db.execute("SELECT value FROM settings WHERE key = :key", {"key": key}).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str, actor: str) -> None:
        with self.db.atomic():
            put_setting(self.db, key, value)
            audit.append(self.db, actor, "修改设置", key, {"value": value})

    @property
    def is_demo(self) -> bool:
        """A demo workspace: the setting says so, or the log's first CA entry says the CA passphrase is the
        public demo one (no later setting takes that back)."""
        return self.setting("demo") == "1" or self._ca_logged_as_demo()

    def _ca_logged_as_demo(self) -> bool:
        if self._logged_demo is None:
            logged = anchors.logged_as_demo(self.db)
            if logged is None:
                return False  # no CA yet: asked again once there is one
            self._logged_demo = logged
        return self._logged_demo

    def remember_head(self) -> None:
        """Move this PC's anchor to the log's current head."""
        anchors.remember_head(self.folder, self.db, *audit.head(self.db))

    def close(self) -> None:
        try:
            if self._lock:
                try:
                    self.remember_head()
                except (OSError, sqlite3.Error):
                    pass
            self.db.close()
        finally:
            if self._lock:
                self._lock.release()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _refuse_a_vanished_workspace(folder: Path) -> None:
    """A new workspace is not made where this PC saw another one that is gone, unless that one was a demo:
    a workspace deleted and made again would otherwise start a new log over the old one's anchor."""
    anchors.forget_demo(folder)
    earlier = anchors.previous_workspace(folder)
    if earlier is not None:
        raise anchors.AnchorMismatch(
            f"拒绝在 {folder} 新建工作区：本机曾在这里打开过另一个工作区（审计日志已到{earlier.describe()}），"
            "现在这里已没有它的数据库文件，它被删除或移走了。新工作区请建在另一个文件夹；"
            "若原工作区不应消失，请从可信的备份恢复到这里，并报告信息安全负责人。")


def _migrate(db: WorkspaceDatabase, folder: Path, actor: str) -> None:
    """Bring the database to this build's schema, backed up first when it held a workspace already.

    Up to date: one query, and nothing imported. A workspace the legacy steps built (``_sqlite_migrations``, no
    Alembic revision) takes its pending legacy steps as before, then is stamped at the baseline revision; from
    there every workspace takes the same Alembic revisions. A revision or a legacy step this build does not
    know means a newer ReviewDesk wrote the database: it is refused, unchanged.
    """
    revision, stray_legacy_step = schema_upgrade.schema_state(db, KNOWN_MIGRATIONS)
    if revision == schema_upgrade.HEAD and not stray_legacy_step:
        return
    if revision is not None and revision not in schema_upgrade.REVISIONS:
        raise _newer(folder, revision)
    applied = [m.name for m in MIGRATIONS.applied(db)]
    unknown = [name for name in applied if name not in (*KNOWN_MIGRATIONS, schema_upgrade.OLDER_BUILDS_STOP)]
    if unknown:
        raise _newer(folder, ", ".join(unknown))
    if revision is None and schema_upgrade.OLDER_BUILDS_STOP in applied:
        raise UnknownSchemaVersion(
            f"工作区 {folder} 的数据库结构版本记录（alembic_version）缺失，无法判断应做哪些升级；"
            "本程序不会改动它，请从备份恢复。")
    legacy = revision is None and bool(applied)
    legacy_pending = [m.name for m in MIGRATIONS.pending(db)] if legacy else []
    existed = legacy or revision is not None
    if existed:
        first = legacy_pending[0] if legacy_pending else schema_upgrade.pending_revisions(revision)[0]
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        dialect.sqlite_backup(db.conn, folder / BACKUP_DIR / f"升级前-{first}-{stamp}.db")
    if legacy_pending:
        MIGRATIONS.apply(db)
    schema_upgrade.upgrade(folder / DB_NAME, actor, stamp=legacy, legacy_steps=legacy_pending, existed=existed)
    db.has_change_log = True


def _newer(folder: Path, version: str) -> NewerSchema:
    return NewerSchema(f"工作区 {folder} 由更新版本的审核台创建（未知的数据库版本 {version}），"
                       "请使用新版审核台打开，本程序不会改动它。")
