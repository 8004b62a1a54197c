"""Scratch folders that say whose they are, so the next run can remove what a killed one left.

A backup, restore or export works in a scratch folder named ``.<job>-…`` holding the
process id of its owner. A folder whose owner is gone was left by a killed run: the
next run of the same job removes it and says so on the ``reviewdesk`` logger
(which the CLI prints to stderr).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

OWNER_FILE = ".owner-pid"
# A folder without its owner file was killed before writing it, within moments of creation.
_UNCLAIMED_GRACE_SECONDS = 60
LOG = logging.getLogger("reviewdesk")


def claimed_scratch(parent: Path, prefix: str) -> Path:
    """A new scratch folder ``parent/<prefix>…`` marked with this process's id."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    (folder / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
    return folder


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int((folder / OWNER_FILE).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return time.time() - folder.stat().st_mtime < _UNCLAIMED_GRACE_SECONDS
    return process_alive(pid)


def process_alive(pid: int) -> bool:
    """A process with id ``pid`` runs on this machine (this one included)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0 only asks; on Windows os.kill would terminate the process instead
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if sys.platform == "win32":
    import ctypes

    def _windows_process_alive(pid: int) -> bool:
        query_limited_information, still_active, access_denied = 0x1000, 259, 5
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(query_limited_information, False, pid)
        if not handle:
            return ctypes.GetLastError() == access_denied  # it exists, but is another user's
        try:
            code = ctypes.c_ulong()
            return not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) or code.value == still_active
        finally:
            kernel32.CloseHandle(handle)


def abandoned_scratch(parent: Path, prefix: str) -> list[Path]:
    """The ``parent/<prefix>…`` folders whose owner is gone: a killed run left them."""
    if not parent.is_dir():
        return []
    return [folder for folder in sorted(parent.glob(f"{prefix}*"))
            if folder.is_dir() and not folder.is_symlink() and not _owner_alive(folder)]


def remove_leftovers(parent: Path, prefix: str, what: str, partial: Path | None = None) -> list[Path]:
    """Remove ``parent/<prefix>…`` folders whose owner is gone (and ``partial``); log each one."""
    removed: list[Path] = []
    for folder in abandoned_scratch(parent, prefix):
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if partial is not None and partial.is_file():
        partial.unlink(missing_ok=True)
        removed.append(partial)
    for path in removed:
        LOG.warning("已清理上次%s中断时留下的临时文件：%s", what, path)
    return removed
