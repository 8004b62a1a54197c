"""Every workspace table, column, key, index and check, once, for SQLite and PostgreSQL alike.

This is the schema as of legacy migration ``0009_supersedes_index`` and the later revisions (``0012_insertion_order``:
the insertion-order columns): a workspace the legacy steps built, once migrated, and one ``alembic upgrade head``
built hold exactly these (``tests/models/workspace/test_tables.py`` compares both).
A primary-key column is declared ``nullable=True`` where the legacy ``CREATE TABLE`` left out ``NOT NULL``, so
that SQLite gets the very same columns; PostgreSQL makes every primary-key column ``NOT NULL`` whatever is said.
The triggers are not here: they differ by engine and live in :mod:`models.workspace.dialect`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from models.workspace.database import INSERTION_ORDER

NOT_IN_SCHEMA = frozenset({"_sqlite_migrations", "alembic_version"})
"""Tables that record the migration history and are not part of the described schema."""


class Money(TypeDecorator[Decimal]):
    """An amount in 元: ``NUMERIC`` on PostgreSQL; on SQLite the Decimal text ``f"{value:f}"`` as today."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"金额必须是 Decimal，而不是 {type(value).__name__}")
        return value if dialect.name == "postgresql" else f"{value:f}"

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


def _key(name: str, kind: TypeEngine[Any] | type[TypeEngine[Any]] = Text, *args: Any,
         autoincrement: bool = False) -> Column[Any]:
    """A primary-key column as the legacy DDL wrote it (``x TEXT PRIMARY KEY``, no ``NOT NULL``)."""
    return Column(name, kind, *args, primary_key=True, nullable=True, autoincrement=autoincrement)


def _required(name: str, kind: TypeEngine[Any] | type[TypeEngine[Any]] = Text, *args: Any,
              **options: Any) -> Column[Any]:
    return Column(name, kind, *args, nullable=False, **options)


def _optional(name: str, kind: TypeEngine[Any] | type[TypeEngine[Any]] = Text) -> Column[Any]:
    return Column(name, kind, nullable=True)


def _insertion_order(table: str) -> tuple[Column[Any], Index]:
    """The column that numbers the rows of a table whose key says nothing of the order they came in (revision
    ``0012_insertion_order``; ``models.workspace.database.insert_in_order_sql`` sets it), last, and its unique
    index (which also makes the next number one probe)."""
    return Column(INSERTION_ORDER, Integer, nullable=False), Index(f"{table}_{INSERTION_ORDER}", INSERTION_ORDER,
                                                                   unique=True)


metadata = MetaData()

imports = Table(
    "imports", metadata,
    _key("id", Integer, autoincrement=True),
    _required("file_name"),
    _required("sha256"),
    _required("row_count", Integer),
    _required("updated", Integer, server_default=text("0")),
    _required("imported_at"),
    _required("actor"),
    _required("policy_version", server_default=text("''")),
    _required("policy_by_year", server_default=text("''")),
)

applications = Table(
    "applications", metadata,
    _key("application_id"),
    _required("enterprise"),
    _required("uscc"),
    _required("county"),
    _required("industry"),
    _required("item_id"),
    _optional("recognised_on"),
    _optional("application_year", Integer),
    _optional("quantity", Integer),
    _optional("total_investment_yuan", Money()),
    _optional("equipment_yuan", Money()),
    _optional("land_efficiency"),
    _optional("superior_funding_yuan", Money()),
    _optional("enclave_region"),
    _optional("performance"),
    _optional("requested_yuan", Money()),
    _required("attachments"),
    _required("warnings"),
    _required("source_row", Integer),
    _required("import_id", Integer, ForeignKey("imports.id")),
    _required("version", Integer, server_default=text("1")),
    _required("demo", Integer, server_default=text("0")),
    _required("seq", Integer),
    _required("item_text", server_default=text("''")),
)
Index("applications_uscc", applications.c.uscc)

application_versions = Table(
    "application_versions", metadata,
    _required("application_id"),
    _required("version", Integer),
    _required("snapshot"),
    _required("replaced_at"),
    _required("replaced_by_import", Integer),
    PrimaryKeyConstraint("application_id", "version"),
)

assessments = Table(
    "assessments", metadata,
    _key("application_id", Text, ForeignKey("applications.application_id")),
    _required("policy_version"),
    _required("policy_hash"),
    _required("status"),
    _optional("uncapped_yuan", Money()),
    _optional("cap_yuan", Money()),
    _optional("recommended_yuan", Money()),
    _required("flags"),
    _required("trace"),
    _required("record_hash"),
    _required("assessed_at"),
)

evidence = Table(
    "evidence", metadata,
    _key("sha256"),
    _required("size", Integer),
    _required("kind"),
)

application_evidence = Table(
    "application_evidence", metadata,
    _required("application_id"),
    _required("position", Integer),
    _required("name"),
    _required("sha256", Text, ForeignKey("evidence.sha256")),
    PrimaryKeyConstraint("application_id", "position"),
)

ca = Table(
    "ca", metadata,
    _key("id", Integer),
    _required("certificate_pem"),
    _optional("key_blob", LargeBinary),
    _required("origin"),
    _required("created_at"),
    CheckConstraint("id = 1"),
)

reviewers = Table(
    "reviewers", metadata,
    _key("name"),
    _required("role"),
    _required("certificate_pem"),
    _required("key_blob", LargeBinary),
    _required("fingerprint"),
    _required("created_at"),
    _required("status", server_default=text("'在用'")),
    _optional("revoked_at"),
)

conflicts = Table(
    "conflicts", metadata,
    _required("application_id"),
    _required("reviewer"),
    _required("has_conflict", Integer),
    _required("reason"),
    _required("declared_at"),
    _required("record", server_default=text("''")),
    _required("signature", server_default=text("''")),
    *_insertion_order("conflicts"),
    PrimaryKeyConstraint("application_id", "reviewer"),
)

decisions = Table(
    "decisions", metadata,
    _key("uuid"),
    _required("application_id", Text, ForeignKey("applications.application_id")),
    _required("stage"),
    _required("outcome"),
    _optional("amount_yuan", Money()),
    _required("opinion"),
    _required("note"),
    _required("override_reason"),
    _required("reviewer"),
    _required("policy_version"),
    _required("policy_hash"),
    _required("cap_record_hash"),
    _optional("cap_yuan", Money()),
    _required("decided_at"),
    _optional("supersedes"),
    _required("current", Integer),
    _required("record"),
    _required("signature"),
    *_insertion_order("decisions"),
)
Index("decisions_current", decisions.c.application_id, decisions.c.stage, decisions.c.current)
Index("decisions_supersedes", decisions.c.supersedes)

settings = Table(
    "settings", metadata,
    _key("key"),
    _required("value"),
)

audit = Table(
    "audit", metadata,
    _key("seq", Integer),
    _required("at"),
    _required("actor"),
    _required("action"),
    _required("subject"),
    _required("details"),
    _required("prev_hash"),
    _required("hash"),
)

sessions = Table(
    "sessions", metadata,
    _key("session_id"),
    _required("direction"),
    _required("file_name"),
    _required("created_at"),
    _required("details"),
)

session_applications = Table(
    "session_applications", metadata,
    _required("session_id", Text, ForeignKey("sessions.session_id")),
    _required("application_id"),
    _optional("merged_at"),
    *_insertion_order("session_applications"),
    PrimaryKeyConstraint("session_id", "application_id"),
)

sheets = Table(
    "sheets", metadata,
    _key("code"),
    _required("application_id"),
    _required("serial"),
    _required("sha256"),
    _required("signer"),
    _required("exported_at"),
    _required("stored_sha256", server_default=text("''")),
)

audit_changes = Table(
    "audit_changes", metadata,
    _key("id", Integer, autoincrement=True),
    _required("seq", Integer),
    _required("op"),
    _required("tbl"),
    _required("key"),
    _optional("row"),
)
Index("audit_changes_seq", audit_changes.c.seq, audit_changes.c.id)

reviewer_certificates = Table(
    "reviewer_certificates", metadata,
    _key("fingerprint"),
    _required("name"),
    _required("certificate_pem"),
    _required("issued_at"),
    _optional("retired_at"),
    _optional("revoked_at"),
)

sheet_records = Table(
    "sheet_records", metadata,
    _key("code"),
    _required("record"),
)

resubmissions = Table(
    "resubmissions", metadata,
    _key("uuid"),
    _required("application_id"),
    _required("returned_uuid"),
    _required("resubmitted_at"),
    _required("actor"),
    _required("file_name"),
    _required("late", Integer),
    _required("changed_fields"),
    _required("evidence_added"),
    _required("evidence_removed"),
    *_insertion_order("resubmissions"),
)
Index("resubmissions_application", resubmissions.c.application_id, resubmissions.c.resubmitted_at)
