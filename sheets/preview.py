"""The print preview of a sheet not yet issued: 预览 in place of the number and code, nothing registered.

A number is issued only on export. The preview renders the same layout as the
signed sheet, for the reviewer who will sign it, but writes nothing to the
workspace: no ``sheets`` row, no audit event, no signature.
"""

from __future__ import annotations

from cryptography.x509.oid import NameOID

from models.exports.fonts import chosen_font
from models.review.casefile import load_case
from models.signing.reviewers import get_reviewer
from models.workspace.audit import now_text
from models.workspace.workspace import Workspace
from sheets.content import content_from_case, preview_issue
from sheets.layout import render


def render_preview(ws: Workspace, application_id: str, signer: str) -> bytes:
    """Unsigned PDF bytes of the sheet ``signer`` would issue now. Raises ``CaseNotFound``, ``ReviewerError``,
    or ``UnprintableCharacter`` (a character no font has), as an export would."""
    case = load_case(ws, application_id)
    reviewer = get_reviewer(ws, signer)
    found = reviewer.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    organization = str(found[0].value) if found else ""
    issue = preview_issue(reviewer.name, reviewer.role, organization, now_text())
    font_path = chosen_font()
    return render(content_from_case(case, demo=ws.is_demo), issue, font_path=font_path).pdf
