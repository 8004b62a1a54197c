"""Times as a reviewer reads them: the audit's ISO text on this computer's clock."""

from __future__ import annotations

from datetime import datetime


def local_time(iso: str) -> str:
    """``2026-11-29T14:58:02+00:00`` → ``2026-11-29 22:58:02`` on a computer set to 北京时间."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def os_error_text(error: OSError) -> str:
    """An OS error as a reviewer reads it: in Chinese, never the C library's English text."""
    if isinstance(error, FileNotFoundError):
        return "文件或文件夹不存在"
    if isinstance(error, PermissionError):
        return "没有读写权限"
    if isinstance(error, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    if isinstance(error, NotADirectoryError):
        return "路径中有一段不是文件夹"
    return f"系统错误（错误码 {error.errno}）" if error.errno else "系统错误"
