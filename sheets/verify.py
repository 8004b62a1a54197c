"""Offline verification of an exported 审核表, and look-up of a typed verification code.

Checks, each giving a reason when it fails: the PAdES signature (intact,
cryptographically valid, signer certificate issued by the trusted CA, no
network, no system trust store); that it covers the whole file (nothing
appended, no later revision); every embedded decision signature; and, with
the workspace at hand, that the sheet is the one the workspace issued (code,
file hash, audit entry) and that it is still current (``sheets.currency``).
A typed or scanned code is looked up by ``sheets.lookup``.
Every reason is plain Chinese: pyHanko's own texts and names never reach the reviewer.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from models.signing.ca import cert_from_pem, certificate_issued_by, common_name, fingerprint
from models.failures import ReviewDeskError
from models.signing.signatures import verify_record
from models.workspace.workspace import Workspace
from sheets.content import SHEET_FORMATS, SHEET_RECORD_FILE, STAGE_FILES, code_for
from sheets.currency import Currency, sheet_currency
from sheets.lookup import CodeLookup, lookup_code  # noqa: F401 - verify is where callers look for both
from sheets.ltv import LongTerm, read_long_term
from sheets.registry import EXPORT_ACTION, export_entry, find_code, newest_sheet, registered_prefix, revision_ends
from sheets.times import local_time, os_error_text

# pyHanko logs each soft-failed revocation check (there is no network here, by design).
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)
logging.getLogger("pyhanko").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class DecisionCheck:
    stage: str
    uuid: str
    ok: bool
    message: str


@dataclass(slots=True)
class SheetVerdict:
    path: str
    reasons: list[str] = field(default_factory=list)
    signer: str = ""
    signed_at: str = ""
    signed_at_source: str = ""  # 审计日志 (workspace) or 签名声称 (the signature's own claim)
    covers_whole_file: bool = False
    modified_after_signing: bool = False
    decision_checks: list[DecisionCheck] = field(default_factory=list)
    content_matches: bool | None = None  # None: no workspace to compare with
    application_id: str = ""
    serial: str = ""
    code: str = ""
    currency: Currency | None = None  # None: no workspace, or the sheet is not one of its originals
    inferred: bool = False  # application and signer unreadable: taken from the file name and the register
    expired_on: str = ""  # the signer's certificate has expired since (then valid only at a trusted signing time)
    notes: list[str] = field(default_factory=list)  # what a valid verdict should still say
    kind: str = ""  # which of KINDS the verdict is (set at the end of verify_pdf)
    stamped_at: str = ""  # the earliest document timestamp of the workspace's TSA that holds
    later_updates: str = ""  # what was added after signing, as PAdES allows (validation data, timestamps)

    @property
    def outdated(self) -> bool:
        """A genuine original of this workspace that no longer shows the current state of its case."""
        return self.currency is not None and not self.currency.current

    @property
    def ok(self) -> bool:
        return not self.reasons and not self.outdated

    def subject(self) -> str:
        """``申报编号 X（表号 Y），签名人 Z``: which sheet a verdict is about, as far as the file tells."""
        application = f"申报编号 {self.application_id}" if self.application_id else "申报编号未能读出"
        serial = f"（表号 {self.serial}）" if self.serial else ""
        signer = f"签名人 {self.signer}" if self.signer else "签名人未能读出"
        if self.inferred:
            return f"文件内容无法读出；按文件名，应为{application}的审核表（最近一次导出{serial}，{signer}）"
        return f"{application}{serial}，{signer}"


VALID = "有效"
VALID_BY_TIMESTAMP = "有效（按时间戳时间，证书此后已过期）"
VALID_BY_AUDIT = "有效（按审计日志记录的签名时间，尚无时间戳）"
VALID_REVOKED_LATER = "有效（签名之后证书才被吊销）"
REVOKED = "无效：签名时证书已被吊销"
CHANGED = "无效：签名后内容被改动"
FOREIGN = "无效：签名人证书不是本 CA 签发"
DAMAGED = "无效：文件已损坏"
INVALID = "无效"
KINDS = (VALID, VALID_BY_TIMESTAMP, VALID_BY_AUDIT, VALID_REVOKED_LATER, REVOKED, CHANGED, FOREIGN, DAMAGED,
         INVALID)

DECISION_FIELDS = {"uuid": "决定编号", "stage": "审核阶段", "outcome": "结论", "amount_yuan": "核定金额",
                   "reviewer": "审核人", "decided_at": "决定时间"}
MODIFICATION_LEVELS = {
    ModificationLevel.NONE: "无改动",
    ModificationLevel.LTA_UPDATES: "仅添加验证数据或文档时间戳",
    ModificationLevel.FORM_FILLING: "填写表单或加签",
    ModificationLevel.ANNOTATIONS: "添加注释",
    ModificationLevel.OTHER: "改动了页面内容或文件结构",
}


def damaged_reason(error: BaseException) -> str:
    """A parse failure of a PDF as the reviewer is told it (pyHanko's English text is not shown)."""
    text = str(error).lower()
    if "eof marker" in text or "%%eof" in text:
        return "文件已损坏：缺少 PDF 结束标记，文件被截断或改写"
    if "xref" in text or "startxref" in text or "cross-reference" in text:
        return "文件已损坏：交叉引用表无法读取，文件被截断或改写"
    if "signature" in text or "cms" in text or "asn" in text or "der" in text:
        return "签名数据已损坏，无法校验"
    return "文件已损坏，无法解析为 PDF"


def load_ca_file(path: Path) -> x509.Certificate:
    """A CA certificate from a PEM or DER file. Raises ``KeyFileError`` or OSError."""
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return cert_from_pem(data)
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        return cert_from_pem(data)  # raises the Chinese KeyFileError


def verify_pdf(path: str | Path, ca_certificate: x509.Certificate, ws: Workspace | None = None, *,
               at: datetime | None = None) -> SheetVerdict:
    """Every check on one sheet file; ``verdict.ok`` when all pass. Never raises for a bad file.

    ``at``: the time to validate the certificates at (default now; tests pass a later one).
    """
    try:
        verdict = _verify_pdf(path, ca_certificate, ws, at)
    except Exception as error:  # a damaged object deep inside a hostile file is a verdict too
        logging.getLogger(__name__).warning("无法校验 %s", path, exc_info=True)
        verdict = SheetVerdict(str(path))
        verdict.reasons.append(damaged_reason(error))
        verdict.kind = DAMAGED
    if not verdict.kind:
        verdict.kind = VALID if not verdict.reasons else INVALID
    if not verdict.application_id and ws is not None:
        # A file too damaged to read: name the sheet its file name (<申报编号>.pdf) says it is.
        newest = newest_sheet(ws.db, Path(path).stem)
        if newest is not None:
            verdict.application_id, verdict.serial, verdict.inferred = newest.application_id, newest.serial, True
            verdict.signer = verdict.signer or newest.signer
    return verdict


def _verify_pdf(path: str | Path, ca_certificate: x509.Certificate, ws: Workspace | None,
                at: datetime | None) -> SheetVerdict:
    verdict = SheetVerdict(str(path))
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        verdict.reasons.append(f"无法读取文件：{os_error_text(error)}")
        return verdict
    if not data.startswith(b"%PDF-"):
        verdict.reasons.append("不是 PDF 文件")
        return verdict
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as error:  # noqa: BLE001 - any parse failure of a hostile file is a verdict, not a crash
        verdict.reasons.append(damaged_reason(error))
        verdict.kind = DAMAGED
        return verdict
    _peek_record(verdict, reader)
    if not signatures:
        verdict.reasons.append("文件中没有电子签名")
        verdict.kind = DAMAGED
        return verdict
    if len(signatures) > 1:
        verdict.reasons.append(f"文件中有 {len(signatures)} 个签名：签名后又被加签或改动")
    signature = signatures[0]
    _peek_signer(verdict, signature)
    state = _check_signature(verdict, signature, data, ca_certificate, at)
    if state is None:
        verdict.kind = DAMAGED
        return verdict
    ca_asn1 = asn1_x509.Certificate.load(ca_certificate.public_bytes(Encoding.DER))
    long_term = read_long_term(reader, ca_certificate, ca_asn1, at)
    _describe_long_term(verdict, long_term)
    _check_decisions(verdict, state, _embedded_files(verdict, reader, signature.signed_revision), ca_certificate)
    audit_time = _check_workspace(verdict, state, data, ws) if ws is not None else None
    judge_over_time(verdict, state, long_term, audit_time, ca_certificate, ws, at)
    return verdict


def _describe_long_term(verdict: SheetVerdict, long_term: LongTerm) -> None:
    if long_term.stamped_at is not None:
        verdict.stamped_at = long_term.stamped_at.isoformat()
    parts = []
    if long_term.has_dss:
        parts.append("验证数据（证书链和吊销列表）")
    if long_term.timestamps:
        parts.append(f"{long_term.timestamps} 个文档时间戳")
    verdict.later_updates = "、".join(parts)
    if long_term.broken_timestamps:
        verdict.reasons.append(f"文件中有 {long_term.broken_timestamps} 个文档时间戳无法验证（已损坏或不是本工作区"
                               "时间戳服务签发的）")


def judge_over_time(verdict: SheetVerdict, state: dict[str, Any], long_term: LongTerm, audit_time: str | None,
                    ca_certificate: x509.Certificate, ws: Workspace | None, at: datetime | None) -> None:
    """The certificate's expiry and revocation judged at the most trusted signing time the sheet has:
    its document timestamp, else the audit log's entry, else none (then only a signature before both holds)."""
    from models.signing.revocation import current_crl, revocation_of

    certificate: x509.Certificate = state["certificate"]
    trusted: tuple[datetime, str] | None = None
    if long_term.stamped_at is not None:
        trusted = (long_term.stamped_at, "文档时间戳")
    elif audit_time:
        trusted = (datetime.fromisoformat(audit_time), "审计日志")
    if verdict.expired_on:
        if trusted is not None and certificate.not_valid_before_utc <= trusted[0] <= certificate.not_valid_after_utc:
            if trusted[1] == "文档时间戳":
                verdict.notes.append(f"签名证书已于 {verdict.expired_on} 过期；文档时间戳证明本表在 "
                                     f"{local_time(trusted[0].isoformat())} 已经签署，当时证书有效")
                verdict.kind = verdict.kind or VALID_BY_TIMESTAMP
            else:
                verdict.notes.append(f"签名证书已于 {verdict.expired_on} 过期；按审计日志记录的签名时间 "
                                     f"{local_time(trusted[0].isoformat())}，签名时证书有效（本表尚无可信时间戳）")
                verdict.kind = verdict.kind or VALID_BY_AUDIT
        else:
            verdict.reasons.append(f"签名证书（{verdict.signer}）已于 {verdict.expired_on} 过期，本表没有可信时间戳，"
                                   "未连接工作区也无法按审计日志确认签名时间：请在导出它的工作区中核验")
        verdict.expired_on = ""
    crls = list(long_term.crls)
    if ws is not None:
        from models.signing.revocation import crl_signed_by

        stored = current_crl(ws)
        if stored is not None and crl_signed_by(stored, ca_certificate):
            crls.append(stored)
    revocations = [found for crl in crls if (found := revocation_of(crl, certificate)) is not None]
    if not revocations:
        return
    revoked_at, how = min(revocations)
    revoked_text = local_time(revoked_at.isoformat())
    if trusted is not None:
        if trusted[0] < revoked_at:
            verdict.notes.append(f"{verdict.signer} 的证书已于 {revoked_text} {how}；签名作于此前"
                                 f"（{local_time(trusted[0].isoformat())}，依据{trusted[1]}），仍然有效")
            verdict.kind = verdict.kind or VALID_REVOKED_LATER
        else:
            verdict.reasons.append(f"{verdict.signer} 的证书已于 {revoked_text} {how}，签名时间"
                                   f"（{local_time(trusted[0].isoformat())}，依据{trusted[1]}）在此之后，签名无效")
            verdict.kind = verdict.kind or REVOKED
        return
    claimed = _parse_time(verdict.signed_at)
    if claimed is not None and claimed.astimezone(UTC) >= revoked_at:
        verdict.reasons.append(f"{verdict.signer} 的证书已于 {revoked_text} {how}，签名声称的时间在此之后，签名无效")
        verdict.kind = verdict.kind or REVOKED
    else:
        verdict.reasons.append(f"{verdict.signer} 的证书已于 {revoked_text} {how}；本表没有可信时间戳，未连接工作区也"
                               "无法按审计日志确认签名作于此前：请在导出它的工作区中核验")
        verdict.kind = verdict.kind or REVOKED


def _expired_since(certificate: x509.Certificate, at: datetime | None) -> str:
    """The certificate's expiry date when it has expired by ``at`` (default now), else ""."""
    end = certificate.not_valid_after_utc
    now = at or datetime.now(UTC)
    return end.astimezone().strftime("%Y-%m-%d") if now.astimezone(UTC) > end else ""


def _peek_record(verdict: SheetVerdict, reader: PdfFileReader) -> None:
    """The application and serial from the latest ``sheet.json``, so that even a failed check names them."""
    try:
        record = json.loads(embedded_files(reader)[SHEET_RECORD_FILE])
        verdict.application_id = str(record.get("application_id", ""))
        verdict.serial = str(record.get("serial", ""))
    except Exception:  # noqa: BLE001 - only a hint for the messages; the signed revision is checked later
        pass


def _peek_signer(verdict: SheetVerdict, signature: Any) -> None:
    try:
        verdict.signer = common_name(x509.load_der_x509_certificate(signature.signer_cert.dump()))
    except Exception:  # noqa: BLE001 - a mangled certificate is reported by the signature check
        pass


def _context(ca: asn1_x509.Certificate, at: datetime | None) -> ValidationContext:
    return ValidationContext(trust_roots=[ca], allow_fetching=False, revocation_mode="soft-fail", moment=at)


def _check_signature(verdict: SheetVerdict, signature: Any, data: bytes, ca_certificate: x509.Certificate,
                     at: datetime | None = None) -> dict[str, Any] | None:
    """The PAdES checks. Returns what later checks need (the signer's certificate; they add the
    sheet record), or None when the signature cannot be read at all."""
    ca = asn1_x509.Certificate.load(ca_certificate.public_bytes(Encoding.DER))
    context = _context(ca, at)
    try:
        status = validate_pdf_signature(signature, context)
    except Exception:  # noqa: BLE001 - a mangled signature container is a verdict
        verdict.reasons.append("签名数据已损坏，无法校验")
        return None
    certificate = x509.load_der_x509_certificate(status.signing_cert.dump())
    verdict.signer = common_name(certificate)
    claimed = status.signer_reported_dt
    verdict.signed_at = claimed.isoformat() if claimed else ""
    verdict.signed_at_source = "签名声称" if claimed else ""
    if not status.intact:
        verdict.reasons.append("签名后文件内容被改动（签名摘要与文件不符）")
        verdict.kind = CHANGED
    elif not status.valid:
        verdict.reasons.append("签名值无效")
        verdict.kind = CHANGED
    elif not status.trusted:
        # Trust is only judged for an intact, valid signature: a changed byte says nothing about the CA.
        expired = _expired_since(certificate, at)
        if expired and claimed and validate_pdf_signature(signature, _context(ca, claimed)).trusted:
            # Expired since: valid only if the signing time can be trusted (the audit log, when at hand).
            verdict.expired_on = expired
        else:
            verdict.reasons.append(f"签名证书（{verdict.signer}）不是由受信任的 CA 签发的")
            verdict.kind = FOREIGN
    if status.intact and _padding_changed(signature):
        verdict.reasons.append("签名数据区在签名后被改动（签名值之后的填充不为零）")
    start, signed_length, gap_end, tail_length = (int(v) for v in signature.byte_range)
    signed_end = gap_end + tail_length
    reaches_end = start == 0 and signed_end == len(data)
    verdict.covers_whole_file = reaches_end and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    later_revisions = signature.reader.xrefs.total_revisions - 1 - signature.signed_revision
    allowed = status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    verdict.modified_after_signing = (later_revisions > 0 and not allowed) or not status.docmdp_ok
    if later_revisions > 0 and not (allowed and status.docmdp_ok):
        level = MODIFICATION_LEVELS.get(status.modification_level, "无法判定") \
            if status.modification_level is not None else "无法判定"
        verdict.reasons.append(f"签名后文件有 {later_revisions} 次增量更新（{level}），审核表已被改动")
        verdict.kind = verdict.kind or CHANGED
    elif not status.docmdp_ok:
        verdict.reasons.append("签名后的改动违反了“禁止修改”的认证签名")
        verdict.kind = verdict.kind or CHANGED
    if later_revisions == 0 and not reaches_end:
        if start != 0 or signed_end > len(data):
            verdict.reasons.append("签名范围与文件不符：文件在签名后被截断或改写")
        else:
            verdict.reasons.append(f"签名未覆盖整个文件：签名之后追加了 {len(data) - signed_end} 字节")
        verdict.kind = verdict.kind or CHANGED
    elif not verdict.covers_whole_file and later_revisions == 0:
        verdict.reasons.append("签名未覆盖整个文件")
    elif later_revisions > 0:
        ends = revision_ends(data)
        stray = len(data[ends[-1]:].strip()) if ends else len(data)
        if stray:
            verdict.reasons.append(f"签名未覆盖整个文件：最后一次更新之后追加了 {stray} 字节")
            verdict.kind = verdict.kind or CHANGED
    return {"certificate": certificate}


def _padding_changed(signature: Any) -> bool:
    """Whether the zero padding after the CMS in ``/Contents`` (outside the signed bytes) was altered."""
    from asn1crypto import parser

    try:
        contents = bytes(signature.sig_object.raw_get("/Contents"))
        _, _, _, header, body, trailer = parser.parse(contents, strict=False)
    except (KeyError, ValueError, TypeError):
        return True
    return any(contents[len(header) + len(body) + len(trailer):])


def embedded_files(reader: PdfFileReader, revision: int | None = None) -> dict[str, bytes]:
    """The PDF's attachments by name, as they were in ``revision`` (default: the latest).

    Raises KeyError when there are none.
    """
    root = reader.root if revision is None else reader.get_historical_root(revision)
    files: dict[str, bytes] = {}
    _walk_name_tree(root["/Names"]["/EmbeddedFiles"].get_object(), files)
    return files


def _embedded_files(verdict: SheetVerdict, reader: PdfFileReader, revision: int) -> dict[str, bytes]:
    try:
        return embedded_files(reader, revision)
    except (KeyError, TypeError, ValueError):
        verdict.reasons.append("审核表中没有签名记录附件")
    except Exception:  # noqa: BLE001 - a corrupted attachment stream (zlib, PDF syntax) of a hostile file
        verdict.reasons.append("审核表中的签名记录附件已损坏，无法读取")
    return {}


def _walk_name_tree(node: generic.DictionaryObject, files: dict[str, bytes]) -> None:
    kids = node.get("/Kids")
    for kid in kids.get_object() if kids is not None else ():
        _walk_name_tree(kid.get_object(), files)
    names = node.get("/Names")
    pairs = list(names.get_object()) if names is not None else []
    for name, spec in zip(pairs[::2], pairs[1::2]):
        stream = spec.get_object()["/EF"]["/F"].get_object()
        if not isinstance(stream, generic.StreamObject):
            raise ValueError(f"附件 {name} 已损坏")
        files[str(name)] = stream.data


def _check_decisions(verdict: SheetVerdict, state: dict[str, Any], files: dict[str, bytes],
                     ca_certificate: x509.Certificate) -> None:
    raw = files.get(SHEET_RECORD_FILE)
    if raw is None:
        verdict.reasons.append("审核表中缺少审核表记录（sheet.json）")
        return
    try:
        record = json.loads(raw)
    except ValueError:
        verdict.reasons.append("审核表记录（sheet.json）已损坏")
        return
    if not isinstance(record, dict) or record.get("format") not in SHEET_FORMATS:
        verdict.reasons.append("审核表记录格式不受支持")
        return
    state["record"] = record
    verdict.application_id = str(record.get("application_id", ""))
    verdict.serial = str(record.get("serial", ""))
    verdict.code = code_for(record)
    for entry in record.get("decisions", []):
        check = _check_decision(entry, files.get(STAGE_FILES.get(entry.get("stage"), ""), b""), ca_certificate)
        verdict.decision_checks.append(check)
        if not check.ok:
            verdict.reasons.append(f"{check.stage}决定：{check.message}")
    if not record.get("decisions"):
        verdict.reasons.append("审核表记录中没有任何决定")


def _check_decision(entry: dict[str, Any], raw: bytes, ca_certificate: x509.Certificate) -> DecisionCheck:
    stage, uuid = str(entry.get("stage", "")), str(entry.get("uuid", ""))

    def fail(message: str) -> DecisionCheck:
        return DecisionCheck(stage, uuid, False, message)

    if not raw:
        return fail("缺少签名记录附件")
    try:
        proof = json.loads(raw)
        signed = json.loads(proof["record"])
        signature = base64.b64decode(proof["signature"], validate=True)
        certificate = cert_from_pem(proof["certificate"])
    except (ValueError, KeyError, TypeError, ReviewDeskError):
        return fail("签名记录附件已损坏")
    decision = signed.get("decision", {}) if isinstance(signed, dict) else {}
    if proof["signature"] != entry.get("signature"):
        return fail("附件中的签名与审核表记录不符")
    if not certificate_issued_by(certificate, ca_certificate, at=_parse_time(decision.get("decided_at"))):
        return fail(f"签名人证书（{common_name(certificate)}）不是受信任的 CA 签发的")
    if not verify_record(certificate, signed, signature):
        return fail("签名无效：决定记录已被改动")
    if common_name(certificate) != decision.get("reviewer"):
        return fail(f"签名人 {common_name(certificate)} 与记录中的审核人 {decision.get('reviewer')} 不符")
    for key, label in DECISION_FIELDS.items():
        if decision.get(key) != entry.get(key):
            return fail(f"审核表上的{label}与签名记录不符（签名为“{decision.get(key)}”，审核表为“{entry.get(key)}”）")
    return DecisionCheck(stage, uuid, True, f"{decision.get('reviewer')} 的签名有效")


def _parse_time(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _check_workspace(verdict: SheetVerdict, state: dict[str, Any], data: bytes, ws: Workspace) -> str | None:
    """The workspace's checks; returns the signing time its audit log records, when the entry matches."""
    record = state.get("record")
    if record is None:
        return None
    audit_time: str | None = None
    before = len(verdict.reasons)
    row = find_code(ws.db, verdict.code)
    if row is None:
        verdict.reasons.append(f"工作区中没有校验码 {verdict.code} 的登记：不是本工作区导出的审核表")
    else:
        if (row.application_id, row.serial) != (verdict.application_id, verdict.serial):
            verdict.reasons.append("校验码登记的申报编号或表号与审核表不符")
        if not row.sha256:
            verdict.reasons.append("该审核表登记后未成功生成，文件不是导出的原件")
        elif row.sha256 != hashlib.sha256(data).hexdigest() and (
                (prefix := registered_prefix(ws.db, data)) is None or prefix.code != row.code):
            verdict.reasons.append("文件与导出时登记的 SHA-256 不符：不是导出的原件")
    entry = export_entry(ws.db, str(record.get("audit_head", "")))
    if entry is None or entry["action"] != EXPORT_ACTION or entry["subject"] != verdict.application_id:
        verdict.reasons.append("审计日志中找不到该审核表的导出记录")
    else:
        details = json.loads(entry["details"] or "{}")
        if details.get("serial") != verdict.serial or entry["at"] != record.get("exported_at"):
            verdict.reasons.append("审计日志中的导出记录与审核表不符")
        else:
            verdict.signed_at, verdict.signed_at_source = entry["at"], "审计日志"
            audit_time = entry["at"]
    signer_row = ws.db.execute("SELECT certificate_pem FROM reviewers WHERE name = :name",
                               {"name": record.get("signer")}).fetchone()
    if signer_row is None or fingerprint(cert_from_pem(signer_row[0])) != fingerprint(state["certificate"]):
        verdict.reasons.append(f"签名证书不是工作区中 {record.get('signer')} 的证书")
    if not verdict.reasons[before:]:
        verdict.currency = sheet_currency(ws, record, verdict.code)
    verdict.content_matches = len(verdict.reasons) == before and not verdict.outdated
    return audit_time


def sheet_audit_head(path: str | Path) -> str | None:
    """The audit head hash that a sheet's signed record carries, or None for a file that is not a sheet.

    Only reads: whether the sheet itself is genuine is :func:`verify_pdf`'s question.
    """
    try:
        reader = PdfFileReader(io.BytesIO(Path(path).read_bytes()), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return None
        record = json.loads(embedded_files(reader, signatures[0].signed_revision).get(SHEET_RECORD_FILE, b"{}"))
    except Exception:  # noqa: BLE001 - a hostile or damaged file simply has no head to read
        return None
    head = record.get("audit_head") if isinstance(record, dict) else None
    return head if isinstance(head, str) and head else None
