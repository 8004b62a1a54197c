"""Migration ``0007_resubmissions``: what each 补正 resubmission changed, kept for the reviewer who picks it up."""

from __future__ import annotations

from models.workspace.database import Database
from models.workspace.migrations import MIGRATIONS, statements as _statements

RESUBMISSIONS_MIGRATION = "0007_resubmissions"

_RESUBMISSIONS = """
CREATE TABLE resubmissions (
    uuid TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    returned_uuid TEXT NOT NULL,
    resubmitted_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    file_name TEXT NOT NULL,
    late INTEGER NOT NULL,
    changed_fields TEXT NOT NULL,
    evidence_added TEXT NOT NULL,
    evidence_removed TEXT NOT NULL
);
CREATE INDEX resubmissions_application ON resubmissions(application_id, resubmitted_at);
"""


@MIGRATIONS(name=RESUBMISSIONS_MIGRATION)
def resubmissions(db: Database) -> None:
    for statement in _statements(_RESUBMISSIONS):
        db.execute(statement)
