"""One app instance per workspace: a lock file that says who holds it."""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from models.audit import now_text
from models.failures import ReviewDeskError

LOCK_NAME = "reviewdesk.lock"


class WorkspaceLocked(ReviewDeskError):
    """Another running ReviewDesk holds the workspace."""


@dataclass(frozen=True, slots=True)
class Holder:
    user: str
    host: str
    pid: int
    since: str

    def describe(self) -> str:
        return f"{self.user}@{self.host}（进程 {self.pid}，自 {self.since}）"


def _me() -> Holder:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "未知用户"
    return Holder(user, socket.gethostname(), os.getpid(), now_text())


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class WorkspaceLock:
    """Held from :meth:`acquire` to :meth:`release`; a stale lock (dead process on this host) is taken over."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._held = False

    def holder(self) -> Holder | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Holder(str(data["user"]), str(data["host"]), int(data["pid"]), str(data["since"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def acquire(self) -> None:
        """Raises :class:`WorkspaceLocked` naming the holder when another live instance has it."""
        me = _me()
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self.holder()
                if holder and (holder.host != me.host or _alive(holder.pid)):
                    raise WorkspaceLocked(f"工作区正被 {holder.describe()} 使用，请先关闭那边的审核台") from None
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"user": me.user, "host": me.host, "pid": me.pid, "since": me.since}, out, ensure_ascii=False)
            self._held = True
            return
        raise WorkspaceLocked(f"无法锁定工作区：{self.path}")

    def release(self) -> None:
        if self._held:
            self.path.unlink(missing_ok=True)
            self._held = False
