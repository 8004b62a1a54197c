"""Each signed original kept in the workspace's evidence store, and handed out again while it is current.

Re-exporting or printing an unchanged case returns the original sheet, with
its number and its first signer, instead of issuing a second "valid
original"; a changed case gets a new number, and the old sheet reads as
superseded (``sheets.currency``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.workspace import audit
from models.workspace.evidence import EvidenceAltered, EvidenceStore, is_digest
from models.workspace.sheet_originals import stored_file_named
from models.workspace.workspace import Workspace
from sheets.currency import sheet_currency
from sheets.registry import SheetRow, newest_sheet, registered_prefix, stored_record, stored_sha256

REISSUE_ACTION = "再次导出审核表原件"


@dataclass(frozen=True, slots=True)
class Original:
    row: SheetRow
    data: bytes


def keep_original(ws: Workspace, path: str | Path, before_new: Callable[[str], None] | None = None,
                  sha256: str | None = None) -> None:
    """Store a durable copy of the written sheet under its SHA-256 (``sha256`` when known: the file is then read
    once, and refused if it is other bytes); ``before_new(sha256)`` is told first when the copy is new to the store
    (``sheets.registry.export_transaction`` lists it, to remove it if nothing commits)."""
    EvidenceStore(ws.evidence_dir).add(path, before_new=before_new, sha256=sha256)


def discard_unfiled(ws: Workspace, sha256s: list[str]) -> None:
    """Remove from the store the copies among ``sha256s`` that no committed sheet or evidence row names (an export
    that did not commit kept them), and what a killed one left half-copied; under the write lock, so that nothing
    commits a reference to one meanwhile."""
    if not sha256s:
        return
    store = EvidenceStore(ws.evidence_dir)
    with ws.db.atomic():
        for sha256 in sha256s:
            if not is_digest(sha256):
                continue  # not a name this export wrote
            store.remove_dead_parts(sha256)
            if not stored_file_named(ws, sha256):
                store.remove(sha256)


def current_original(ws: Workspace, application_id: str) -> Original | None:
    """The application's newest sheet when it still shows the current state and its stored copy is intact."""
    row = newest_sheet(ws.db, application_id)
    if row is None:
        return None
    record = stored_record(ws.db, row.code)
    if record is None or not sheet_currency(ws, record, row.code).current:
        return None
    data = _stored_bytes(ws, row, stored_sha256(ws.db, row))
    if data is None and stored_sha256(ws.db, row) != row.sha256:
        data = _stored_bytes(ws, row, row.sha256)  # the timestamped copy is gone: the original as exported
    return None if data is None else Original(row, data)


def _stored_bytes(ws: Workspace, row: SheetRow, sha256: str) -> bytes | None:
    """The stored copy when it is intact and is ``row``'s sheet (the export, or it with revisions appended).

    None for a missing or damaged copy, or one that is another sheet: a new sheet is issued instead, and
    ``audit verify`` names it (``models.workspace.sheet_originals``).
    """
    try:
        data = EvidenceStore(ws.evidence_dir).read_verified(sha256)
    except (EvidenceAltered, OSError, ValueError):
        return None
    if sha256 != row.sha256:
        found = registered_prefix(ws.db, data)
        if found is None or found.code != row.code:
            return None
    return data


def record_reissue(ws: Workspace, actor: str, original: Original, target: str | Path) -> None:
    with ws.db.atomic():
        audit.append(ws.db, actor, REISSUE_ACTION, original.row.application_id,
                     {"serial": original.row.serial, "code": original.row.code, "to": str(target)})
