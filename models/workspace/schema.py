"""The workspace schema, as named migrations applied in order at start."""

from __future__ import annotations

from models.workspace.database import Database
from models.workspace.migrations import MIGRATIONS
from models.workspace.migrations import statements as _statements

_INITIAL = """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            updated INTEGER NOT NULL DEFAULT 0,
            imported_at TEXT NOT NULL,
            actor TEXT NOT NULL
        );
        CREATE TABLE applications (
            application_id TEXT PRIMARY KEY,
            enterprise TEXT NOT NULL,
            uscc TEXT NOT NULL,
            county TEXT NOT NULL,
            industry TEXT NOT NULL,
            item_id TEXT NOT NULL,
            recognised_on TEXT,
            application_year INTEGER,
            quantity INTEGER,
            total_investment_yuan TEXT,
            equipment_yuan TEXT,
            land_efficiency TEXT,
            superior_funding_yuan TEXT,
            enclave_region TEXT,
            performance TEXT,
            requested_yuan TEXT,
            attachments TEXT NOT NULL,
            warnings TEXT NOT NULL,
            source_row INTEGER NOT NULL,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            version INTEGER NOT NULL DEFAULT 1,
            demo INTEGER NOT NULL DEFAULT 0,
            seq INTEGER NOT NULL
        );
        CREATE INDEX applications_uscc ON applications(uscc);
        CREATE TABLE application_versions (
            application_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            snapshot TEXT NOT NULL,
            replaced_at TEXT NOT NULL,
            replaced_by_import INTEGER NOT NULL,
            PRIMARY KEY (application_id, version)
        );
        CREATE TABLE assessments (
            application_id TEXT PRIMARY KEY REFERENCES applications(application_id),
            policy_version TEXT NOT NULL,
            policy_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            uncapped_yuan TEXT,
            cap_yuan TEXT,
            recommended_yuan TEXT,
            flags TEXT NOT NULL,
            trace TEXT NOT NULL,
            record_hash TEXT NOT NULL,
            assessed_at TEXT NOT NULL
        );
        CREATE TABLE evidence (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            kind TEXT NOT NULL
        );
        CREATE TABLE application_evidence (
            application_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES evidence(sha256),
            PRIMARY KEY (application_id, position)
        );
        CREATE TABLE ca (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            certificate_pem TEXT NOT NULL,
            key_blob BLOB,
            origin TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE reviewers (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            certificate_pem TEXT NOT NULL,
            key_blob BLOB NOT NULL,
            fingerprint TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE conflicts (
            application_id TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            has_conflict INTEGER NOT NULL,
            reason TEXT NOT NULL,
            declared_at TEXT NOT NULL,
            PRIMARY KEY (application_id, reviewer)
        );
        CREATE TABLE decisions (
            uuid TEXT PRIMARY KEY,
            application_id TEXT NOT NULL REFERENCES applications(application_id),
            stage TEXT NOT NULL,
            outcome TEXT NOT NULL,
            amount_yuan TEXT,
            opinion TEXT NOT NULL,
            note TEXT NOT NULL,
            override_reason TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            policy_version TEXT NOT NULL,
            policy_hash TEXT NOT NULL,
            cap_record_hash TEXT NOT NULL,
            cap_yuan TEXT,
            decided_at TEXT NOT NULL,
            supersedes TEXT,
            current INTEGER NOT NULL,
            record TEXT NOT NULL,
            signature TEXT NOT NULL
        );
        CREATE INDEX decisions_current ON decisions(application_id, stage, current);
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END;
        CREATE TRIGGER audit_in_sequence BEFORE INSERT ON audit
        WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM audit)
          OR NEW.prev_hash IS NOT (SELECT IFNULL((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), ''))
        BEGIN SELECT RAISE(ABORT, '审计日志只能按顺序追加'); END;
"""


@MIGRATIONS(name="0001_initial")
def initial(db: Database) -> None:
    # executescript would COMMIT the migration's transaction: run one by one.
    for statement in _statements(_INITIAL):
        db.execute(statement)


_SESSIONS_AND_SHEETS = """
CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    direction TEXT NOT NULL,
    file_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE TABLE session_applications (
    session_id TEXT NOT NULL REFERENCES sessions(session_id),
    application_id TEXT NOT NULL,
    merged_at TEXT,
    PRIMARY KEY (session_id, application_id)
);
CREATE TABLE sheets (
    code TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    signer TEXT NOT NULL,
    exported_at TEXT NOT NULL
);
"""


@MIGRATIONS(name="0002_sessions_and_sheets")
def sessions_and_sheets(db: Database) -> None:
    for statement in _statements(_SESSIONS_AND_SHEETS):
        db.execute(statement)


_AUDIT_CHANGES = """
CREATE TABLE audit_changes (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    op TEXT NOT NULL,
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    row TEXT
);
CREATE INDEX audit_changes_seq ON audit_changes(seq, id);
CREATE TRIGGER audit_changes_no_update BEFORE UPDATE ON audit_changes
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改'); END;
CREATE TRIGGER audit_changes_no_delete BEFORE DELETE ON audit_changes
BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除'); END;
"""


@MIGRATIONS(name="0003_audit_changes")
def audit_changes(db: Database) -> None:
    """The log of row changes that makes the tables a projection of the audit log.

    The capture triggers and the snapshot event are (re)made after every
    migration run, by the workspace, for the tables as they then are.
    """
    for statement in _statements(_AUDIT_CHANGES):
        db.execute(statement)


from models.workspace import schema_people  # noqa: E402, F401 - registers 0004_people, in order


@MIGRATIONS(name="0005_sheet_records")
def sheet_records(db: Database) -> None:
    """Each exported sheet's signed record, so a printed copy can be checked by its content."""
    db.execute("CREATE TABLE IF NOT EXISTS sheet_records (code TEXT PRIMARY KEY, record TEXT NOT NULL)")


_POLICY_ROUNDS = """
ALTER TABLE applications ADD COLUMN item_text TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN policy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN policy_by_year TEXT NOT NULL DEFAULT '';
"""


@MIGRATIONS(name="0006_policy_rounds")
def policy_rounds(db: Database) -> None:
    """申报事项 as the applicant wrote it (a broader alias keeps its flag on re-assessment), and each
    import's policy version with the version its 申报年度 called for (they differ when a reviewer chose)."""
    for statement in _statements(_POLICY_ROUNDS):
        db.execute(statement)


from models.workspace import schema_corrections  # noqa: E402, F401 - registers 0007_resubmissions, in order
from models.workspace import schema_sheets  # noqa: E402, F401 - registers 0008_stored_sheets, in order
from models.workspace import schema_supersedes  # noqa: E402, F401 - registers 0009_supersedes_index, in order

KNOWN_MIGRATIONS = ("0001_initial", "0002_sessions_and_sheets", "0003_audit_changes", "0004_people",
                    "0005_sheet_records", "0006_policy_rounds", "0007_resubmissions",
                    "0008_stored_sheets", "0009_supersedes_index")
