"""The ``evidence`` and ``application_evidence`` tables: one record type, :class:`EvidenceLink`, and the one place
that reads and writes them.

``evidence`` registers each stored content once (SHA-256, size, the kind its name suggested at import);
``application_evidence`` lists an application's attachments in order, by name and content. The bytes live in
the content-addressed store, :mod:`models.workspace.evidence`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from models.workspace.database import insert_sql

if TYPE_CHECKING:
    from models.workspace.database import Database


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    """One attachment of an application: its place in the list, its name, its content and what that is."""

    application_id: str
    position: int
    name: str
    sha256: str
    size: int
    kind: str  # pdf / image / other, as recorded at import

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in LINK_COLUMNS}


LINK_COLUMNS = tuple(f.name for f in fields(EvidenceLink))
_LINKS = ("SELECT ae.application_id, ae.position, ae.name, ae.sha256, e.size, e.kind FROM application_evidence ae "
          "JOIN evidence e USING (sha256)")


def link_from_fields(row: dict[str, Any]) -> EvidenceLink:
    """A link from :meth:`EvidenceLink.fields` (a 会评 package); KeyError if a field is missing."""
    return EvidenceLink(**{name: row[name] for name in LINK_COLUMNS})


def links_of(db: Database, application_id: str) -> list[EvidenceLink]:
    """The application's attachments in order."""
    return [EvidenceLink(*row) for row in db.execute(f"{_LINKS} WHERE ae.application_id = :id ORDER BY ae.position",
                                                     {"id": application_id})]


def names_and_hashes(db: Database, application_id: str | None = None) -> list[tuple[str, int, str, str]]:
    """(application, position, name, SHA-256) of each attachment (of one application), by application and place:
    what a decision signs."""
    where, params = ("WHERE application_id = :id", {"id": application_id}) if application_id is not None else ("", {})
    return [(str(a), int(p), str(n), str(s)) for a, p, n, s in db.execute(
        f"SELECT application_id, position, name, sha256 FROM application_evidence {where} "
        "ORDER BY application_id, position", params)]


def registered_files(db: Database) -> list[tuple[str, int]]:
    """(SHA-256, size) of every content the workspace registered, by hash."""
    return [(str(sha), int(size)) for sha, size in db.execute("SELECT sha256, size FROM evidence ORDER BY sha256")]


def register_files(db: Database, files: Iterable[tuple[str, int, str]]) -> None:
    """Register each (SHA-256, size, kind) not registered yet."""
    db.executemany(insert_sql("evidence", ("sha256", "size", "kind")) + " ON CONFLICT(sha256) DO NOTHING",
                   [{"sha256": sha256, "size": size, "kind": kind} for sha256, size, kind in files])


def link_files(db: Database, links: Iterable[tuple[str, int, str, str]]) -> int:
    """List (application, position, name, SHA-256) as attachments; each content must be registered.
    Returns the number of rows written."""
    return db.executemany(
        insert_sql("application_evidence", ("application_id", "position", "name", "sha256")),
        [{"application_id": a, "position": p, "name": n, "sha256": s} for a, p, n, s in links]).rowcount


def unlink_all(db: Database, application_ids: Iterable[str]) -> None:
    """Drop the attachment lists of these applications (a new list replaces them); the contents stay registered."""
    db.executemany("DELETE FROM application_evidence WHERE application_id = :id", [{"id": i} for i in application_ids])
