"""Where the GUI remembers window layout between sittings (QSettings, INI format).

Tests point ``QSettings.setPath`` at a temporary folder, so nothing they do
reaches the reviewer's own settings.
"""

from __future__ import annotations

from typing import cast

from gui.qt import QSettings

ORGANISATION = "ReviewDesk"
APPLICATION = "ReviewDesk"


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def read_list(settings: QSettings, key: str) -> list[str]:
    value = settings.value(key, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in cast("list[object]", value) or []]  # QSettings gives a list, a text or None
