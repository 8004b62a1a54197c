"""What every signed audit entry's record must pass, whoever signs it (停用/启用, imports and restores).

The record is whole and in a known algorithm, names this entry's action and subject and the entry it follows,
is by the person the entry names, and carries a well-formed signature; and the certificate it verifies under
gave a role that may act, was this person's as the log knows them, stood at the record's time and was not
revoked before the entry was logged.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from models.signing.ca import certificate_role
from models.signing.reviewers import IssuedCertificate, certificate_mismatch, standing_at
from models.signing.signatures import KNOWN_ALGORITHMS, algorithm_of
from models.workspace.workspace import Workspace


def record_and_signature(details: Mapping[str, Any], *, action: str, subject_field: str, subject: str,
                         previous: str, actor: str, this: str,
                         copied: str) -> tuple[dict[str, Any], bytes] | str:
    """The entry's signed record and its signature bytes, or why they cannot count (the caller handles an entry
    with neither). ``this`` names the entry in the message; ``copied`` is the message for a wrong ``previous``."""
    record, signature_text = details.get("record"), details.get("signature")
    if not isinstance(record, dict):
        return "签名记录已损坏"
    if algorithm_of(record) not in KNOWN_ALGORITHMS:
        return f"签名算法 {record.get('alg')!r} 尚未实现"
    if record.get("kind") != action or record.get(subject_field) != subject:
        return f"签名记录是「{record.get('kind')} {record.get(subject_field)}」，不是{this}"
    if record.get("previous") != previous:
        return copied
    by = str(record.get("by"))
    if by != actor:
        return f"签名记录的签名人是 {by}，审计记录却记为 {actor}"
    try:
        return record, base64.b64decode(str(signature_text), validate=True)
    except (binascii.Error, ValueError):
        return "签名已损坏"


def signer_problem(ws: Workspace, issued: IssuedCertificate, *, roles: tuple[str, ...], may: str, at: str,
                   seq: int, revoked: Mapping[str, int]) -> str | None:
    """Why the certificate a record verified under does not let its holder have done it, or None."""
    by = issued.name
    role = certificate_role(issued.certificate)
    if role not in roles:
        return f"签名人 {by} 的证书角色是{role or '（无）'}，只有{'、'.join(roles)}可以{may}"
    mismatch = certificate_mismatch(ws, issued.certificate, by)
    if mismatch:
        return mismatch
    stands, sentence = standing_at(issued, at)
    if not stands:
        return sentence
    revoked_seq = revoked.get(by)
    if revoked_seq is not None and revoked_seq < seq:
        return f"签名人 {by} 的证书已于审计日志第 {revoked_seq} 条吊销，此记录在其后才记入"
    return None
