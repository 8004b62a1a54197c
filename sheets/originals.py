"""Each signed original kept in the workspace's evidence store, and handed out again while it is current.

Re-exporting or printing an unchanged case returns the original sheet, with
its number and its first signer, instead of issuing a second "valid
original"; a changed case gets a new number, and the old sheet reads as
superseded (``sheets.currency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.workspace import audit
from models.workspace.evidence import EvidenceAltered, EvidenceStore
from models.workspace.workspace import Workspace
from sheets.currency import sheet_currency
from sheets.registry import SheetRow, newest_sheet, stored_record

REISSUE_ACTION = "再次导出审核表原件"


@dataclass(frozen=True, slots=True)
class Original:
    row: SheetRow
    data: bytes


def keep_original(ws: Workspace, path: str | Path) -> None:
    """Store a copy of the written sheet under its SHA-256 (the ``sheets`` row already names it)."""
    EvidenceStore(ws.evidence_dir).add(path)


def current_original(ws: Workspace, application_id: str) -> Original | None:
    """The application's newest sheet when it still shows the current state and its stored copy is intact."""
    row = newest_sheet(ws.db, application_id)
    if row is None:
        return None
    record = stored_record(ws.db, row.code)
    if record is None or not sheet_currency(ws, record, row.code).current:
        return None
    try:
        data = EvidenceStore(ws.evidence_dir).read_verified(row.sha256)
    except (EvidenceAltered, OSError, ValueError):  # a missing or damaged copy: a new sheet is issued instead
        return None
    return Original(row, data)


def record_reissue(ws: Workspace, actor: str, original: Original, target: str | Path) -> None:
    with ws.db.atomic():
        audit.append(ws.db, actor, REISSUE_ACTION, original.row.application_id,
                     {"serial": original.row.serial, "code": original.row.code, "to": str(target)})
