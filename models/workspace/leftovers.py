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
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
