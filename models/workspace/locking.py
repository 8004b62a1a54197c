"""One app instance per workspace: an OS lock on an open file, with a note of who holds it.

The lock is the operating system's (``fcntl.flock`` on POSIX, ``msvcrt.locking``
on Windows) on ``reviewdesk.lock``, held for as long as the file stays open,
and released by the OS when the process dies. The file's content only says
who holds it. Deleting the file does not let a second writer in unnoticed,
and correctness never rests on this lock anyway: every write transaction
starts with ``BEGIN IMMEDIATE`` and repeats its checks inside.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from models.workspace.audit import now_text
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


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class WorkspaceLock:
    """Held from :meth:`acquire` to :meth:`release`."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._handle: IO[str] | None = None

    def holder(self) -> Holder | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Holder(str(data["user"]), str(data["host"]), int(data["pid"]), str(data["since"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def acquire(self) -> None:
        """Raises :class:`WorkspaceLocked` naming the holder when another instance has it."""
        me = _me()
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the lock's lifetime
        if not _try_lock(handle):
            handle.close()
            raise WorkspaceLocked(self._explain(self.holder(), me))
        handle.seek(0)
        handle.truncate()
        json.dump({"user": me.user, "host": me.host, "pid": me.pid, "since": me.since}, handle, ensure_ascii=False)
        handle.flush()
        self._handle = handle

    @staticmethod
    def _explain(holder: Holder | None, me: Holder) -> str:
        if holder is None:
            return "工作区正被另一个审核台使用（锁文件中没有使用者信息），请先关闭那边的审核台"
        if holder.host != me.host:
            return (f"工作区正被另一台电脑上的 {holder.describe()} 使用。工作区应放在本机磁盘上，"
                    "请在那台电脑上关闭审核台；如那台电脑已关机，锁会随其进程结束而解除")
        if holder.pid == me.pid:
            return "工作区正被本程序使用（同一进程中已打开），不能重复打开"
        return (f"工作区正被 {holder.describe()} 使用，请先关闭那边的审核台。"
                "锁由操作系统在那个进程结束时解除；如进程号已被其他程序复用，锁也不受影响")

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
