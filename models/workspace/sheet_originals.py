"""``audit verify``'s check of the sheets the workspace keeps as originals (re-export and printing hand them out).

Each written sheet's exported file is stored under its SHA-256 (``sheets.sha256``). After a 负责人's document
timestamp the stored copy is the stamped file (``sheets.stored_sha256``), which must be that export with
revisions appended, and a hash that 负责人 signed in the timestamp batch's event. A copy swapped on disk, or a
row pointed at other bytes with SQL (the replay names that too, unless an entry was forged to match), is named.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Collection, Iterator
from typing import Any

from cryptography import x509

from models.review.terms import LEAD_ROLE
from models.signing.ca import certificate_role, signed_by_key_of
from models.signing.reviewers import certificates_of
from models.signing.signatures import verify_record
from models.workspace.evidence import EvidenceStore
from models.workspace.workspace import Workspace

TIMESTAMP_ACTION = "加盖审核表文档时间戳"
_MISSING, _ALTERED = "缺失", "已被改动"


def stored_file_named(ws: Workspace, sha256: str) -> bool:
    """Whether a sheet on record (as written or as stored) or an evidence row names the stored file ``sha256``."""
    return ws.db.execute("SELECT 1 FROM sheets WHERE sha256 = :sha256 OR stored_sha256 = :sha256 UNION ALL "
                         "SELECT 1 FROM evidence WHERE sha256 = :sha256 LIMIT 1", {"sha256": sha256}).fetchone() is not None


def stored_original_problems(ws: Workspace, of: Collection[str] | None = None) -> tuple[list[str], list[str]]:
    """(problems, notes) about every written sheet's stored original, or those of the applications ``of``; a note
    is no tampering (an export killed before it kept its copy issues a new number next time)."""
    store = EvidenceStore(ws.evidence_dir)
    signed = signed_stored_hashes(ws)
    problems: list[str] = []
    unkept: list[str] = []
    wanted = set(of) if of is not None else None
    for row in ws.db.execute("SELECT code, application_id, serial, sha256, stored_sha256 FROM sheets "
                             "WHERE sha256 != '' ORDER BY serial"):
        if wanted is not None and row[1] not in wanted:
            continue
        found = _problem(store, signed, *row)
        if found is None:
            unkept.append(row[2])
        elif found:
            problems.append(found)
    notes = [f"{len(unkept)} 份审核表的原件未保存在工作区（导出中断），再次导出时将签发新表号：{'、'.join(unkept[:10])}"
             + ("等" if len(unkept) > 10 else "")] if unkept else []
    return problems, notes


def stored_original_problem(ws: Workspace, code: str) -> str:
    """What is wrong with the stored original of the sheet with ``code`` ("" when nothing, or it was never kept)."""
    row = ws.db.execute("SELECT code, application_id, serial, sha256, stored_sha256 FROM sheets "
                        "WHERE code = :code AND sha256 != ''", {"code": code}).fetchone()
    if row is None:
        return ""
    return _problem(EvidenceStore(ws.evidence_dir), signed_stored_hashes(ws), *row) or ""


def _problem(store: EvidenceStore, signed: dict[str, set[str]], code: str, application_id: str, serial: str,
             sha256: str, stored: str) -> str | None:
    """The problem with one sheet's stored original: "" none, None its export's copy was never kept."""
    where = f"审核表 {serial}（{application_id}）"
    original, state = _read(store, sha256)
    if state == _ALTERED:
        return f"{where}：工作区保存的导出原件{state}（内容与登记的 SHA-256 不符）"
    if not stored:
        return None if state == _MISSING else ""
    data, state = _read(store, stored)
    if data is None:
        return f"{where}：工作区保存的加盖时间戳原件{state}（SHA-256 {stored[:16]}…）"
    if not _begins_with(data, sha256, original):
        return f"{where}：工作区保存的原件不是该表导出的文件加上时间戳（SHA-256 {stored[:16]}…）"
    if stored not in signed.get(code, set()):
        return f"{where}：工作区保存的原件（SHA-256 {stored[:16]}…）不在负责人签名的时间戳记录中"
    return ""


def signed_stored_hashes(ws: Workspace) -> dict[str, set[str]]:
    """Per sheet code, the hashes that a timestamp batch's event, validly signed by its 负责人, made its stored copy.

    The signer must hold a 负责人 certificate the workspace CA issued: a reviewer signing a batch under their own
    name, or a certificate made elsewhere and listed under a 负责人's name with SQL, vouches for nothing.
    """
    from models.signing.reviewers import ReviewerError, ca_certificate

    hashes: dict[str, set[str]] = {}
    batches = [details for details, in ws.db.execute("SELECT details FROM audit WHERE action = :action ORDER BY seq",
                                                      {"action": TIMESTAMP_ACTION})]
    try:
        ca = ca_certificate(ws) if batches else None
    except ReviewerError:  # no CA: nobody holds a certificate it issued
        return hashes
    for details in batches:
        for entry in _signed_entries(ws, ca, details):
            code = entry.get("code")
            if entry.get("stored") is True and isinstance(code, str):
                hashes.setdefault(code, set()).add(str(entry.get("sha256", "")))
    return hashes


def _signed_entries(ws: Workspace, ca: x509.Certificate | None, details: str) -> Iterator[dict[str, object]]:
    try:
        parsed = json.loads(details or "{}")
        record = json.loads(parsed["record"])
        signature = base64.b64decode(parsed["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        return
    if not isinstance(record, dict) or not isinstance(record.get("lead"), str):
        return
    if ca is None or not _signed_by_a_lead(ws, ca, record, signature):
        return
    for entry in record.get("sheets", []):
        if isinstance(entry, dict):
            yield entry


def _signed_by_a_lead(ws: Workspace, ca: x509.Certificate, record: dict[str, Any], signature: bytes) -> bool:
    """Whether a 负责人 certificate the CA issued to the record's ``lead`` verifies its signature."""
    return any(certificate_role(issued.certificate) == LEAD_ROLE and signed_by_key_of(issued.certificate, ca)
               and verify_record(issued.certificate, record, signature) for issued in certificates_of(ws, record["lead"]))


def _read(store: EvidenceStore, sha256: str) -> tuple[bytes | None, str]:
    try:
        with open(store.file_of(sha256), "rb") as stream:
            data = stream.read()
    except (OSError, ValueError):
        return None, _MISSING
    return (data, "") if hashlib.sha256(data).hexdigest() == sha256 else (None, _ALTERED)


def _begins_with(data: bytes, sha256: str, original: bytes | None) -> bool:
    """Whether ``data`` is the exported file (hash ``sha256``) with revisions appended after one of its ``%%EOF``."""
    if original is not None:
        return len(data) > len(original) and data.startswith(original)
    at = data.find(b"%%EOF")
    while at != -1:
        end = at + 5
        for tail in (b"\r\n", b"\n", b"\r", b""):
            if data.startswith(tail, end) and hashlib.sha256(data[:end + len(tail)]).hexdigest() == sha256:
                return True
        at = data.find(b"%%EOF", end)
    return False
