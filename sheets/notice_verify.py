"""Offline verification of a 补正告知书: the reviewer's signature, the embedded 退回补正 record, the workspace's log.

Checks, each giving a plain Chinese reason when it fails: one certifying signature,
intact and valid, by a certificate the trusted CA issued, covering the whole file;
the embedded decision record signed by its reviewer (a CA certificate too) and
saying 退回补正 with the items and deadline the letter prints; and, with the
workspace at hand, that the workspace audited this very file when it was issued.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from models.review.terms import RETURN_FOR_MATERIALS
from models.signing.ca import cert_from_pem, certificate_issued_by, common_name
from models.signing.signatures import verify_bytes
from models.workspace.workspace import Workspace
from models.workspace import decision_rows
from sheets.correction_notice import DECISION_FILE, NOTICE_ACTION, SIGNATURE_FIELD
from sheets.verify import embedded_files

logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)
logging.getLogger("pyhanko").setLevel(logging.ERROR)


@dataclass(slots=True)
class NoticeVerdict:
    path: str
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    application_id: str = ""
    signer: str = ""
    items: tuple[str, ...] = ()
    deadline: str = ""

    @property
    def ok(self) -> bool:
        return not self.reasons


def verify_notice(path: str | Path, ca_certificate: x509.Certificate, ws: Workspace | None = None) -> NoticeVerdict:
    """Every check on one letter; ``verdict.ok`` when all pass. Never raises for a bad file."""
    verdict = NoticeVerdict(str(path))
    try:
        data = Path(path).read_bytes()
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except OSError as error:
        verdict.reasons.append(f"无法读取文件：{error.strerror or error}")
        return verdict
    except Exception:  # noqa: BLE001 - any parse failure of a hostile file is a verdict, not a crash
        verdict.reasons.append("文件已损坏，不是可读的 PDF")
        return verdict
    mine = [s for s in signatures if s.field_name == SIGNATURE_FIELD]
    if not mine:
        verdict.reasons.append("文件中没有补正告知书的电子签名")
        return verdict
    if len(signatures) > 1:
        verdict.reasons.append(f"文件中有 {len(signatures)} 个签名：签名后又被加签或改动")
    signature = mine[0]
    ca = asn1_x509.Certificate.load(ca_certificate.public_bytes(Encoding.DER))
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[ca], allow_fetching=False,
                                                                      revocation_mode="soft-fail"))
    except Exception:  # noqa: BLE001 - a mangled signature container is a verdict
        verdict.reasons.append("签名数据已损坏，无法校验")
        return verdict
    verdict.signer = common_name(x509.load_der_x509_certificate(status.signing_cert.dump()))
    if not status.intact:
        verdict.reasons.append("签名后文件内容被改动（签名摘要与文件不符）")
    elif not status.valid:
        verdict.reasons.append("签名值无效")
    elif not status.trusted:
        verdict.reasons.append(f"签名证书（{verdict.signer}）不是由受信任的 CA 签发的")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        verdict.reasons.append("签名没有覆盖整个文件：签名后又追加了内容")
    _check_decision(verdict, reader, signature.signed_revision, ca_certificate)
    if ws is not None:
        _check_workspace(verdict, data, ws)
    return verdict


def _check_decision(verdict: NoticeVerdict, reader: PdfFileReader, revision: int, ca: x509.Certificate) -> None:
    try:
        proof = json.loads(embedded_files(reader, revision)[DECISION_FILE])
        certificate = cert_from_pem(proof["certificate"])
        record_text = str(proof["record"])
        signature = base64.b64decode(proof["signature"], validate=True)
        decision: dict[str, Any] = json.loads(record_text)["decision"]
    except Exception:  # noqa: BLE001 - a missing or mangled attachment is a verdict
        verdict.reasons.append("告知书中没有可读的退回补正决定签名记录")
        return
    verdict.application_id = str(decision.get("application_id", ""))
    correction = decision.get("correction") or {}
    verdict.items = tuple(str(item) for item in correction.get("items", []))
    verdict.deadline = str(correction.get("deadline") or "")
    if not certificate_issued_by(certificate, ca):
        verdict.reasons.append(f"退回补正决定的签名证书（{common_name(certificate)}）不是由受信任的 CA 签发的")
    elif not verify_bytes(certificate, record_text.encode("utf-8"), signature):
        verdict.reasons.append("退回补正决定的签名无效：决定记录已被改动")
    if decision.get("outcome") != RETURN_FOR_MATERIALS or not verdict.items or not verdict.deadline:
        verdict.reasons.append("所附决定不是列明材料和期限的退回补正决定")


def _check_workspace(verdict: NoticeVerdict, data: bytes, ws: Workspace) -> None:
    digest = hashlib.sha256(data).hexdigest()
    issued = [json.loads(details) for (details,) in ws.db.execute(
        "SELECT details FROM audit WHERE action = :action AND subject = :subject",
        {"action": NOTICE_ACTION, "subject": verdict.application_id})]
    match = next((entry for entry in issued if entry.get("sha256") == digest), None)
    if match is None:
        verdict.reasons.append(f"本工作区的审计日志中没有生成过这份补正告知书（{verdict.application_id}，"
                               f"SHA-256 {digest[:12]}…）")
        return
    returned = decision_rows.decision(ws.db, str(match.get("decision")))
    if returned is None or not returned.current:
        verdict.notes.append("该退回补正决定已不是现行决定（申报已补正或已重新决定）")
