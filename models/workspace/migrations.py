"""The named migrations of a workspace, applied in order at start (sqlite-utils' ``Migrations``)."""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("reviewdesk")


def statements(script: str) -> list[str]:
    """Split on ``;`` at line ends, keeping trigger bodies (``...; END;``) whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and ("CREATE TRIGGER" not in text or text.endswith("END;")):
            statements.append(text)
            current = []
    return statements
