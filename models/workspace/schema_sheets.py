"""Migration ``0008_stored_sheets``: which bytes the workspace keeps as a sheet's original.

``sheets.sha256`` stays the hash of the file as it was exported and signed (a copy
handed out then keeps verifying); ``stored_sha256`` names the stored copy when a
document timestamp was appended to it since (empty: the exported file itself).
"""

from __future__ import annotations

from models.workspace.database import Database

from models.workspace.migrations import MIGRATIONS

STORED_SHEETS_MIGRATION = "0008_stored_sheets"


@MIGRATIONS(name=STORED_SHEETS_MIGRATION)
def stored_sheets(db: Database) -> None:
    db.execute("ALTER TABLE sheets ADD COLUMN stored_sha256 TEXT NOT NULL DEFAULT ''")
