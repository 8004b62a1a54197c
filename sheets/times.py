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
