"""Document timestamps (PAdES B-LTA) from the workspace's own time-stamping authority.

A 负责人 adds them to a batch of exported sheets, say at the day's close: each sheet gets a DSS update with
the TSA certificate and the CA's CRL, then an RFC 3161 document timestamp over the whole file. After that the
sheet's signature can be judged at the stamped time, years after the signer's certificate has expired.

Why pyHanko's ``DummyTimeStamper`` is used, as a base: despite its name it is an in-process TSA that builds
real RFC 3161 ``TimeStampResp`` tokens (``TSTInfo`` with the message imprint, a signed CMS SignedData) with
the key and certificate it is given; validators cannot tell its tokens from a network TSA's. What makes it a
testing device, and is changed here: it signs with RSA only (our keys are P-256, so the signature is ECDSA
here), names GlobalSign's policy OID (ours is our own ``2.25`` UUID OID), cites its certificate by SHA-1
(``signing-certificate``; here ``signing-certificate-v2`` with SHA-256), re-parses its key for every token
(here once per batch), and draws serial numbers from 8 random bytes (here 127 random bits). What it cannot
change: its clock is this PC's clock, so the time is as trustworthy as the bureau's PC and its
administrator — the same trust as the audit log's times, but fixed in the file and checkable offline.

The stamped file becomes the workspace's stored original (``sheets.originals``), so re-exporting or printing
an unchanged case hands out the timestamped sheet: the batch's signed event names each new hash, and the same
transaction points the ``sheets`` row at it. The stored copy only ever grows by appended revisions: a stamp on
a copy that is not the stored one (an older, un-stamped copy) is written and audited, and leaves it alone.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import algos, cms, core, tsp
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore

from models.failures import ReviewDeskError
from models.review.terms import LEAD_ROLE
from models.signing.reviewers import ca_certificate, require_active, unlock
from models.signing.revocation import require_current_crl
from models.signing.signatures import ALGORITHM, sign_record
from models.signing.tsa import unlock_tsa
from models.workspace import audit
from models.workspace.evidence import EvidenceStore
from models.workspace.sheet_originals import TIMESTAMP_ACTION
from models.workspace.workspace import Workspace
from sheets.registry import SheetRow, record_stored, registered_prefix, stored_sha256
from sheets.times import os_error_text

TSA_POLICY = "2.25.234915796535645048364083914645488277552"  # ReviewDesk's own policy OID (ITU-T X.667 UUID arc)
BYTES_RESERVED = 8 * 1024  # a P-256 token with its certificate is under 1.5 KB; hex doubles it


class TimestampRefused(ReviewDeskError):
    """The batch cannot start (not a 负责人, no TSA key, CRL lapsed); nothing was written."""


class WorkspaceTimeStamper(DummyTimeStamper):
    """The workspace's TSA: ECDSA P-256, our policy OID, ``signing-certificate-v2``, 127-bit serials."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate: asn1_x509.Certificate,
                 ca: asn1_x509.Certificate) -> None:
        super().__init__(tsa_cert=certificate, tsa_key=None, certs_to_embed=[ca])  # type: ignore[arg-type]  # the key is held below, as a cryptography object
        self._key = key
        self._signing_certificate = general.as_signing_certificate_v2(certificate)

    def _build_tst_info(self, message_imprint: tsp.MessageImprint, dt: datetime,
                        req: tsp.TimeStampReq) -> tsp.TSTInfo:
        info = super()._build_tst_info(message_imprint, dt, req)
        info["policy"] = tsp.ObjectIdentifier(TSA_POLICY)
        info["serial_number"] = secrets.randbits(127)
        return info

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str,
                       dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        if md_algorithm != "sha256":
            raise TimestampRefused(f"时间戳只支持 SHA-256 摘要，而不是 {md_algorithm}")
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            simple_cms_attribute("signing_certificate_v2", self._signing_certificate),
            simple_cms_attribute("message_digest", hashlib.sha256(tst_info_data).digest()),
        ])
        return self._key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256())), signed_attrs

    def _build_signed_data(self, tst_info_data: bytes, md_algorithm: str, signature: bytes,
                           signed_attrs: cms.CMSAttributes) -> dict[str, object]:
        data = super()._build_signed_data(tst_info_data, md_algorithm, signature, signed_attrs)
        for info in data["signer_infos"]:
            info["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
        return data


@dataclass(frozen=True, slots=True)
class StampedSheet:
    path: str
    application_id: str
    serial: str
    sha256_before: str
    sha256: str
    stamped_at: str
    code: str = ""
    stored: bool = False  # the stamped file is now the workspace's stored original


@dataclass(slots=True)
class TimestampReport:
    stamped: list[StampedSheet] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


class SheetStamper:
    """Made once per batch: the TSA, its certificate, the CA and the CRL, parsed once."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, tsa_certificate: x509.Certificate,
                 ca: x509.Certificate, crl_der: bytes) -> None:
        tsa = asn1_x509.Certificate.load(tsa_certificate.public_bytes(Encoding.DER))
        ca_asn1 = asn1_x509.Certificate.load(ca.public_bytes(Encoding.DER))
        self._stamper = PdfTimeStamper(WorkspaceTimeStamper(key, tsa, ca_asn1), field_name=None,
                                       readable_field_name="审核台文档时间戳")
        self._certs = [tsa, ca_asn1]
        self._crls = [asn1_crl.CertificateList.load(crl_der)]

    def stamp(self, pdf: bytes) -> bytes:
        """``pdf`` with a DSS update (TSA certificate, CRL) and a document timestamp over all of it."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=self._certs, crls=self._crls)
        out = io.BytesIO()
        self._stamper.timestamp_pdf(writer, "sha256", bytes_reserved=BYTES_RESERVED, output=out)
        return out.getvalue()


def _check_lead(ws: Workspace, lead: str) -> None:
    person = require_active(ws, lead)
    if person.role != LEAD_ROLE:
        raise TimestampRefused(f"{lead} 的角色是{person.role}，只有负责人可以为审核表加盖时间戳")


def timestamp_sheets(ws: Workspace, paths: list[Path], lead: str, lead_passphrase: str, ca_passphrase: str,
                     out_dir: Path | None = None) -> TimestampReport:
    """Add a document timestamp to each registered sheet in ``paths`` (in place, or into ``out_dir``).

    The batch is one audit event signed by the 负责人's key, listing each sheet's hash before and after.
    Raises before anything is written: :class:`TimestampRefused`, ``ReviewerError``, ``WrongPassphrase``,
    ``CrlLapsed``. A file that is not a sheet of this workspace is reported and left alone.
    """
    started = time.perf_counter()
    _check_lead(ws, lead)
    lead_key = unlock(ws, lead, lead_passphrase)
    tsa_key, tsa_certificate = unlock_tsa(ws, ca_passphrase)
    stamper = SheetStamper(tsa_key, tsa_certificate, ca_certificate(ws), require_current_crl(ws).der)
    report = timestamp_unlocked(ws, paths, lead, lead_key, stamper, out_dir)
    report.seconds = time.perf_counter() - started
    return report


def timestamp_unlocked(ws: Workspace, paths: list[Path], lead: str, lead_key: ec.EllipticCurvePrivateKey,
                       stamper: SheetStamper, out_dir: Path | None = None) -> TimestampReport:
    """:func:`timestamp_sheets` once the 负责人 (checked) and the TSA keys are unlocked."""
    from sheets.batch import write_atomically

    started = time.perf_counter()
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    report = TimestampReport()
    stored_now: dict[str, str] = {}  # code → the stored copy's hash, as this batch moves it on
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            report.failed.append((str(path), f"无法读取：{os_error_text(error)}"))
            continue
        row: SheetRow | None = registered_prefix(ws.db, data)
        if row is None:
            report.failed.append((str(path), "不是本工作区导出的审核表原件（或导出后已被改动），未加时间戳"))
            continue
        try:
            stamped = stamper.stamp(data)
        except Exception as error:  # noqa: BLE001 - a damaged file fails alone; the batch goes on
            report.failed.append((str(path), f"加盖时间戳失败：{type(error).__name__}"))
            continue
        target = (out_dir / path.name) if out_dir is not None else path
        write_atomically(target, stamped)
        before, after = hashlib.sha256(data).hexdigest(), hashlib.sha256(stamped).hexdigest()
        stored = before == stored_now.get(row.code, stored_sha256(ws.db, row)) and _kept(ws, target, after)
        if stored:
            stored_now[row.code] = after
        report.stamped.append(StampedSheet(str(target), row.application_id, row.serial, before, after,
                                           audit.now_text(), row.code, stored))
    if report.stamped:
        _record(ws, lead, lead_key, report.stamped)
    report.seconds = time.perf_counter() - started
    return report


def _kept(ws: Workspace, written: Path, sha256: str) -> bool:
    """Whether the stamped file, as written, is now in the evidence store under ``sha256``."""
    try:
        return EvidenceStore(ws.evidence_dir).add(written).sha256 == sha256
    except OSError:
        return False  # the file is stamped and audited; the stored original stays the one before


def _record(ws: Workspace, lead: str, key: ec.EllipticCurvePrivateKey, stamped: list[StampedSheet]) -> None:
    import base64

    record = {"action": TIMESTAMP_ACTION, "lead": lead, "alg": ALGORITHM, "sheets": [
        {"application_id": s.application_id, "serial": s.serial, "code": s.code, "sha256_before": s.sha256_before,
         "sha256": s.sha256, "stamped_at": s.stamped_at, "stored": s.stored} for s in stamped]}
    signature = base64.b64encode(sign_record(key, record)).decode("ascii")
    with ws.db.atomic():
        record_stored(ws.db, [(s.code, s.sha256) for s in stamped if s.stored])
        audit.append(ws.db, lead, TIMESTAMP_ACTION, "", {"record": json.dumps(record, ensure_ascii=False),
                                                         "signature": signature, "alg": ALGORITHM})
