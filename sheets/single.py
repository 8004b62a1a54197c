"""One signed 审核表 with a key that is already unlocked (the GUI's sitting keeps it in memory).

``batch.export_sheets`` unlocks the signer's key from a passphrase and may use
worker processes; the desk exports or prints one sheet at a time with the key
the reviewer unlocked when they chose their name, so nothing asks again. The
numbering, audit entry and SHA-256 record are the batch's own
(``registry.issue_sheets`` / ``record_outcomes``), so a sheet made here
verifies exactly like one from ``export-sheets``. No global state: safe on a
GUI worker thread.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from models.review.casefile import load_case
from models.failures import ReviewDeskError
from models.exports.fonts import PDF_FONT_SETTING
from models.signing.reviewers import ca_certificate, get_reviewer
from models.workspace.workspace import Workspace
from sheets.batch import (
    ExportRefused, check_key_matches, file_name, prepare_out_dir, write_atomically,
)
from sheets.content import attachments, content_from_case, printed_fields
from sheets.glyphs import check_printable
from sheets.layout import render
from sheets.originals import current_original, keep_original, record_reissue
from sheets.registry import export_transaction, find_code, issue_sheets, record_outcomes, series_prefix
from sheets.sign import SheetSigner, SignerMaterial
from sheets.styles import styles

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


def export_with_key(ws: Workspace, application_id: str, out_dir: str | Path, signer: str,
                    key: ec.EllipticCurvePrivateKey) -> IssuedSheet:
    """Write ``<out_dir>/<申报编号>.pdf``, signed by ``signer`` with their unlocked ``key``.

    When the application's last sheet is still current, that original is written again, with its
    number and first signer, and nothing new is numbered. Raises :class:`ExportRefused` (no 初审
    decision, bad folder, key not the signer's) before anything is numbered; a sheet that fails to
    render or sign is audited and raised as ExportRefused.
    """
    out = Path(out_dir)
    prepare_out_dir(out)
    reviewer = get_reviewer(ws, signer)
    ca = ca_certificate(ws)
    check_key_matches(reviewer, key)
    case = load_case(ws, application_id)
    if case.first is None:
        raise ExportRefused(NO_FIRST_DECISION)
    certificates = dict(ws.db.execute("SELECT name, certificate_pem FROM reviewers").fetchall())
    target = out / file_name(application_id)
    original = current_original(ws, application_id)
    if original is not None:
        write_atomically(target, original.data)
        record_reissue(ws, reviewer.name, original, target)
        row = original.row
        return IssuedSheet(application_id, str(target), row.code, row.serial, row.signer, row.exported_at,
                           row.sha256, 0)
    content = content_from_case(case, certificates, demo=ws.is_demo)
    font_path = ws.setting(PDF_FONT_SETTING, "") or None
    material = SignerMaterial.of(key, reviewer.certificate, ca)
    check_printable(printed_fields(content) + [("导出人", reviewer.name), ("导出人单位", material.organization)],
                    styles(font_path).chain)
    failure: tuple[Exception, str] | None = None
    with export_transaction(ws.db, out, keep=lambda staged: keep_original(ws, staged)) as staging:
        issue = issue_sheets(ws.db, [content], reviewer.name, reviewer.role, material.organization,
                             series_prefix(material.ca_der))[0]
        try:
            rendered = render(content, issue, font_path=font_path)
            if rendered.stamp_box is None:
                raise ExportRefused("版面中没有签章位置")
            pdf = SheetSigner(material).sign(rendered.pdf, attachments(content, issue), rendered.stamp_page,
                                             rendered.stamp_box, datetime.fromisoformat(issue.exported_at))
            write_atomically(staging.staged(target.name), pdf)
        except Exception as error:  # noqa: BLE001 - any failure to render or sign is audited, then raised below
            reason = str(error) if isinstance(error, ReviewDeskError) else "生成失败：" + "".join(
                traceback.format_exception_only(type(error), error)).strip()
            record_outcomes(ws.db, reviewer.name, [], [(issue, reason)])  # the failure is audited, and committed
            failure = error, reason
        else:
            sha256 = hashlib.sha256(pdf).hexdigest()
            record_outcomes(ws.db, reviewer.name, [(issue, sha256)], [])
    if failure is not None:
        failed, reason = failure
        if isinstance(failed, ReviewDeskError):
            raise failed
        raise ExportRefused(f"{application_id} 的审核表{reason}") from failed
    return IssuedSheet(application_id, str(target), issue.code, issue.serial, reviewer.name, issue.exported_at,
                       sha256, rendered.pages)


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
    row = ws.db.execute("SELECT code FROM sheets WHERE application_id = ? AND sha256 = ?",
                        [application_id, sha256]).fetchone() if _has_sheets(ws) else None
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
    return ws.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sheets'").fetchone() is not None
