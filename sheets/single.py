"""One signed 审核表 with a key that is already unlocked (the GUI's sitting keeps it in memory).

``batch.export_sheets`` unlocks the signer's key from a passphrase and may use
worker processes; the desk exports or prints one sheet at a time with the key
the reviewer unlocked when they chose their name, so nothing asks again. Both
run the same pipeline (``batch.export_unlocked``), so a sheet made here
verifies exactly like one from ``export-sheets``. No global state: safe on a
GUI worker thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from models.review.casefile import load_case
from models.signing.reviewers import get_reviewer
from models.workspace import dialect
from models.workspace.workspace import Workspace
from sheets.batch import ExportRefused, export_unlocked, file_name, write_atomically
from sheets.originals import current_original
from sheets.registry import find_code, newest_sheet

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

NO_FIRST_DECISION = "该申报尚无初审决定，不能导出或打印审核表"


@dataclass(frozen=True, slots=True)
class IssuedSheet:
    application_id: str
    path: str
    code: str
    serial: str
    signer: str
    exported_at: str
    sha256: str
    pages: int
    warning: str = ""  # the CA's CRL lapses within 30 days: who must re-issue it


def export_with_key(ws: Workspace, application_id: str, out_dir: str | Path, signer: str,
                    key: ec.EllipticCurvePrivateKey) -> IssuedSheet:
    """Write ``<out_dir>/<申报编号>.pdf``, signed by ``signer`` with their unlocked ``key``.

    The batch's own pipeline (``batch.export_unlocked``) for one sheet, in this process. When the
    application's last sheet is still current, that original is written again, with its number and
    first signer, and nothing new is numbered. Raises :class:`ExportRefused` (no 初审 decision, bad
    folder, key not the signer's, a sheet that failed to render or sign: audited) or ``CrlLapsed``.
    """
    reviewer = get_reviewer(ws, signer)
    if load_case(ws, application_id).first is None:
        raise ExportRefused(NO_FIRST_DECISION)
    report = export_unlocked(ws, Path(out_dir), [application_id], reviewer, key, workers=1)
    if report.failed:
        _, reason = report.failed[0]
        raise ExportRefused(reason if reason.startswith(application_id) else f"{application_id} 的审核表{reason}")
    result = report.written[0]
    row = newest_sheet(ws.db, application_id)
    assert row is not None, "a written sheet is registered"
    return IssuedSheet(application_id, result.path, row.code, row.serial, row.signer, row.exported_at,
                       row.sha256, result.pages, report.warning)


def stored_copy(ws: Workspace, application_id: str, folder: str | Path) -> IssuedSheet | None:
    """The application's current original from the workspace's store, written to ``<folder>/<申报编号>.pdf``.

    None when there is none or it is superseded. Printing it needs no key and issues no number.
    """
    original = current_original(ws, application_id)
    if original is None:
        return None
    target = Path(folder) / file_name(application_id)
    write_atomically(target, original.data)
    row = original.row
    return IssuedSheet(application_id, str(target), row.code, row.serial, row.signer, row.exported_at, row.sha256, 0)


def issued_copy(ws: Workspace, application_id: str, folder: str | Path) -> IssuedSheet | None:
    """``<folder>/<申报编号>.pdf`` when it is a registered original whose decisions are still current.

    Lets printing reuse a sheet already exported there instead of issuing a new one.
    """
    path = Path(folder) / file_name(application_id)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    sha256 = hashlib.sha256(data).hexdigest()
    row = ws.db.execute("SELECT code FROM sheets WHERE application_id = :application_id AND sha256 = :sha256",
                        {"application_id": application_id, "sha256": sha256}).fetchone() if _has_sheets(ws) else None
    if row is None:
        return None
    from sheets.verify import lookup_code

    if not lookup_code(ws, row[0]).ok:
        return None  # superseded decisions: the reviewer should print a fresh sheet
    found = find_code(ws.db, row[0])
    assert found is not None
    return IssuedSheet(application_id, str(path), found.code, found.serial, found.signer, found.exported_at,
                       sha256, 0)


def _has_sheets(ws: Workspace) -> bool:
    return ws.db.execute(dialect.table_exists_sql(ws.db.dialect), {"name": "sheets"}).fetchone() is not None
