"""The ``ca``, ``reviewers`` and ``reviewer_certificates`` tables: one record type each, and the one place that
reads and writes them.

These are rows, not trust: who a person is and what they may sign is read from the CA-signed certificate
(``models.signing.reviewers``), never from a row alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from models.workspace.database import insert_sql

if TYPE_CHECKING:
    from models.workspace.database import Database


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A person: ``key_blob`` their private key encrypted under their passphrase; ``status`` 在用, 停用 or 已吊销."""

    name: str
    role: str
    certificate_pem: str
    key_blob: bytes
    fingerprint: str
    created_at: str
    status: str
    revoked_at: str | None


@dataclass(frozen=True, slots=True)
class CertificateRow:
    """One certificate ever issued to a person; a re-key retires it, a revocation revokes it, each from a time."""

    fingerprint: str
    name: str
    certificate_pem: str
    issued_at: str
    retired_at: str | None = None
    revoked_at: str | None = None


@dataclass(frozen=True, slots=True)
class CaRow:
    """The workspace's CA: ``key_blob`` is None in a 会评 workspace, which holds the certificate only."""

    certificate_pem: str
    key_blob: bytes | None
    origin: str
    created_at: str


PERSON_COLUMNS = tuple(f.name for f in fields(PersonRow))
CERTIFICATE_COLUMNS = tuple(f.name for f in fields(CertificateRow))
CA_COLUMNS = tuple(f.name for f in fields(CaRow))


def _values(record: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in columns}


def person_from_row(row: Mapping[str, Any]) -> PersonRow:
    return PersonRow(**{name: row[name] for name in PERSON_COLUMNS})


def _select(columns: tuple[str, ...], table: str) -> str:
    return f"SELECT {', '.join(columns)} FROM {table}"


# --- people -------------------------------------------------------------------------------------


def person(db: Database, name: str) -> PersonRow | None:
    row = next(db.query(f"{_select(PERSON_COLUMNS, 'reviewers')} WHERE name = :name", {"name": name}), None)
    return None if row is None else person_from_row(row)


def people(db: Database) -> list[PersonRow]:
    """Everyone, in the order they were added."""
    return [person_from_row(row) for row in db.query(f"{_select(PERSON_COLUMNS, 'reviewers')} ORDER BY created_at")]


def insert_person(db: Database, row: PersonRow) -> None:
    db.execute(insert_sql("reviewers", PERSON_COLUMNS), _values(row, PERSON_COLUMNS))


def set_status(db: Database, name: str, status: str, revoked_at: str | None = None) -> None:
    """停用 or 在用 again; with ``revoked_at``, 已吊销 from that time."""
    if revoked_at is None:
        db.execute("UPDATE reviewers SET status = :status WHERE name = :name", {"status": status, "name": name})
    else:
        db.execute("UPDATE reviewers SET status = :status, revoked_at = :revoked_at WHERE name = :name",
                   {"status": status, "revoked_at": revoked_at, "name": name})


def replace_key(db: Database, name: str, certificate_pem: str, key_blob: bytes, fingerprint: str) -> None:
    """A re-key: the person's new certificate and encrypted key (the old certificate stays in the certificates)."""
    db.execute("UPDATE reviewers SET certificate_pem = :certificate_pem, key_blob = :key_blob, "
               "fingerprint = :fingerprint WHERE name = :name",
               {"certificate_pem": certificate_pem, "key_blob": key_blob, "fingerprint": fingerprint, "name": name})


# --- certificates ever issued -------------------------------------------------------------------


def _certificate(row: Mapping[str, Any]) -> CertificateRow:
    return CertificateRow(**{name: row[name] for name in CERTIFICATE_COLUMNS})


def certificates_issued_to(db: Database, name: str) -> list[CertificateRow]:
    """Every certificate the table lists under ``name``, newest first."""
    return [_certificate(row) for row in db.query(
        f"{_select(CERTIFICATE_COLUMNS, 'reviewer_certificates')} WHERE name = :name ORDER BY issued_at DESC",
        {"name": name})]


def all_certificates(db: Database) -> list[CertificateRow]:
    """Every certificate ever issued, by name."""
    return [_certificate(row) for row in db.query(
        f"{_select(CERTIFICATE_COLUMNS, 'reviewer_certificates')} ORDER BY name, issued_at")]


def insert_certificate(db: Database, row: CertificateRow) -> None:
    db.execute(insert_sql("reviewer_certificates", CERTIFICATE_COLUMNS), _values(row, CERTIFICATE_COLUMNS))


def end_certificates(db: Database, name: str, *, retired_at: str | None = None, revoked_at: str | None = None) -> None:
    """Retire (a re-key) or revoke, from that time, each of ``name``'s certificates not yet so ended."""
    if retired_at is not None:
        db.execute("UPDATE reviewer_certificates SET retired_at = :at WHERE name = :name AND retired_at IS NULL",
                   {"at": retired_at, "name": name})
    if revoked_at is not None:
        db.execute("UPDATE reviewer_certificates SET revoked_at = :at WHERE name = :name AND revoked_at IS NULL",
                   {"at": revoked_at, "name": name})


# --- the CA -------------------------------------------------------------------------------------


def ca(db: Database) -> CaRow | None:
    row = next(db.query(f"{_select(CA_COLUMNS, 'ca')} WHERE id = 1"), None)
    return None if row is None else CaRow(**{name: row[name] for name in CA_COLUMNS})


def has_ca(db: Database) -> bool:
    return db.execute("SELECT 1 FROM ca").fetchone() is not None


def insert_ca(db: Database, row: CaRow) -> None:
    db.execute(insert_sql("ca", ("id", *CA_COLUMNS)), {"id": 1} | _values(row, CA_COLUMNS))


def set_ca_key(db: Database, key_blob: bytes) -> None:
    """The CA key encrypted at last (a workspace made by an older version stored it in the clear)."""
    db.execute("UPDATE ca SET key_blob = :key_blob WHERE id = 1", {"key_blob": key_blob})
