"""Migration ``0004_people``: reviewer status and revocation, every certificate kept, signed conflict declarations."""

from __future__ import annotations

from models.workspace.database import Database
from models.workspace.migrations import MIGRATIONS, statements as _statements

PEOPLE_MIGRATION = "0004_people"

_PEOPLE = """
ALTER TABLE reviewers ADD COLUMN status TEXT NOT NULL DEFAULT '在用';
ALTER TABLE reviewers ADD COLUMN revoked_at TEXT;
CREATE TABLE reviewer_certificates (
    fingerprint TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    certificate_pem TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    retired_at TEXT,
    revoked_at TEXT
);
INSERT INTO reviewer_certificates (fingerprint, name, certificate_pem, issued_at)
    SELECT fingerprint, name, certificate_pem, created_at FROM reviewers;
ALTER TABLE conflicts ADD COLUMN record TEXT NOT NULL DEFAULT '';
ALTER TABLE conflicts ADD COLUMN signature TEXT NOT NULL DEFAULT '';
"""


@MIGRATIONS(name=PEOPLE_MIGRATION)
def people(db: Database) -> None:
    for statement in _statements(_PEOPLE):
        db.execute(statement)
