"""Migration ``0009_supersedes_index``: find the decision that supersedes another by an index, not a scan.

Every query that asks for current decisions (``models.workspace.decision_rows.CURRENT``) checks that no newer
decision names the row in ``supersedes``; without this index each such check reads the whole table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.workspace.migrations import MIGRATIONS

if TYPE_CHECKING:
    from models.workspace.database import Database

SUPERSEDES_MIGRATION = "0009_supersedes_index"


@MIGRATIONS(name=SUPERSEDES_MIGRATION)
def supersedes_index(db: Database) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS decisions_supersedes ON decisions(supersedes)")
