"""Where a workspace may live: not on a network share, where WAL does not work."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from models.failures import ReviewDeskError

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb", "smbfs", "smb2", "afs", "9p", "fuse.sshfs", "davfs", "ncpfs"}


class NetworkShareRefused(ReviewDeskError):
    """The workspace folder is on a network file system."""


def filesystem_type(path: Path) -> str:
    """The mount's file-system type on Linux; '' where it cannot be told."""
    mounts = Path("/proc/self/mounts")
    if not mounts.exists():
        return ""
    target = os.path.realpath(path)
    best, kind = "", ""
    for line in mounts.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(mount_point) > len(best):
            best, kind = mount_point, parts[2]
    return kind


def is_network_path(path: Path) -> bool:
    text = str(path)
    if sys.platform == "win32":
        if text.startswith(("\\\\", "//")):
            return True
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0] + "\\"
        return ctypes.windll.kernel32.GetDriveTypeW(drive) == 4  # DRIVE_REMOTE
    return filesystem_type(path) in NETWORK_FILESYSTEMS


def refuse_network_share(folder: Path) -> None:
    if is_network_path(folder):
        raise NetworkShareRefused(
            f"工作区 {folder} 位于网络共享盘上。SQLite 的 WAL 模式在网络盘上不可靠，"
            "可能损坏数据，请把工作区放在本机磁盘上。"
        )
