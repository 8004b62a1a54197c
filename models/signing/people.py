"""人员管理: a 系统管理员, with the CA passphrase, adds, disables, re-keys and revokes people.

Every change is one audit event naming the 系统管理员 who made it. The first
系统管理员 of a workspace is added with the CA passphrase alone; from then
on a change needs an active 系统管理员's own passphrase as well.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, UTC

from cryptography.hazmat.primitives.asymmetric import ec

from models.workspace import audit
from models.signing.ca import CaBundle, cert_to_pem, fingerprint, issue_reviewer
from models.signing.key_approvals import (
    ADD_ACTION, REKEY_ACTION, Confirmation as Confirmation, confirmation_details, confirmer_for,
)
from models.signing.keys import KdfParams, check_new_passphrase
from models.signing.same_person import same_name
from models.review.terms import ADMIN, ROLES
from models.signing.staff import ACTIVE
from models.signing.reviewers import (
    DISABLED, REVOKE_ACTION, REVOKED, ReviewerError, get_reviewer, list_reviewers, require_active, store_key, unlock,
    unlock_ca,
)
from models.signing.status import DISABLE_ACTION, ENABLE_ACTION, logged_status, signed_details, status_record
from models.workspace import people_rows
from models.workspace.people_rows import CertificateRow, PersonRow
from models.workspace.workspace import Workspace

# Letters that draw nothing although Unicode files them as letters or symbols.
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e", "\u17b4", "\u17b5"}
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn", "Me"}
MAX_NAME_CHARS = 32


@dataclass(frozen=True, slots=True)
class AdminAuth:
    """Who makes a change to the people: a 系统管理员 by their passphrase, and the CA passphrase.

    ``admin`` is None only when adding a workspace's first 系统管理员.
    """

    ca_passphrase: str
    admin: str | None = None
    admin_passphrase: str = ""


def normalise_name(name: str) -> str:
    """``name`` in NFKC with outer spaces dropped; ReviewerError for an empty name or an invisible character."""
    text = unicodedata.normalize("NFKC", name).strip()
    if not text:
        raise ReviewerError("姓名不能为空")
    for char in text:
        if char in _BLANK_LETTERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES or (
                char.isspace() and char != " "):
            raise ReviewerError(f"姓名中含有不可见字符 U+{ord(char):04X}（{unicodedata.name(char, '未命名字符')}），"
                                "请只用看得见的文字：不可见字符会让两个名字看起来一样")
    if "  " in text:
        raise ReviewerError("姓名中不能有连续的空格")
    if len(text) > MAX_NAME_CHARS:
        raise ReviewerError(f"姓名过长（最多 {MAX_NAME_CHARS} 个字符）")
    return text


def _authorise(ws: Workspace, auth: AdminAuth, *, first_admin: str | None = None) -> tuple[str, CaBundle]:
    """(the actor to record, the unlocked CA), or an error naming what is missing."""
    actor, bundle, _ = _authorise_signing(ws, auth, first_admin=first_admin)
    return actor, bundle


def _authorise_signing(ws: Workspace, auth: AdminAuth, *, first_admin: str | None = None,
                       ) -> tuple[str, CaBundle, ec.EllipticCurvePrivateKey | None]:
    """As :func:`_authorise`, with the 系统管理员's unlocked key (None for the first 系统管理员, who has none yet)."""
    bundle = unlock_ca(ws, auth.ca_passphrase)
    admins = [r for r in list_reviewers(ws) if r.role == ADMIN and r.active]
    if auth.admin is None:
        if first_admin is not None and not admins:
            return first_admin, bundle, None
        raise ReviewerError("人员变更须由系统管理员办理：请指明系统管理员并输入其口令")
    admin = require_active(ws, auth.admin)
    if admin.role != ADMIN:
        raise ReviewerError(f"{auth.admin} 的角色是{admin.role}，只有系统管理员可以管理人员和密钥")
    key = unlock(ws, auth.admin, auth.admin_passphrase)
    return admin.name, bundle, key


def add_reviewer(ws: Workspace, name: str, role: str, passphrase: str, *, auth: AdminAuth,
                 kdf: KdfParams | None = None, confirmation: Confirmation | None = None) -> str:
    """Issue ``name`` a P-256 key and certificate, the key encrypted under ``passphrase``; returns its fingerprint.

    A 负责人 added while another is listed needs that 负责人's ``confirmation`` (``key_approvals``).
    Raises ReviewerError (bad or look-alike name, unknown role, not a 系统管理员, no confirmation),
    PassphraseError (under 10 characters) or WrongPassphrase (CA, 系统管理员 or the confirming 负责人).
    """
    name = normalise_name(name)
    if role not in ROLES:
        raise ReviewerError(f"角色须为 {'、'.join(ROLES)} 之一，而不是「{role}」")
    clash = next((r.name for r in list_reviewers(ws) if same_name(r.name, name)), None)
    if clash is not None:
        raise ReviewerError(f"已有名为 {clash} 的人员，{name} 与之规范化（全半角、大小写、空格、繁简）后相同，不能再添加")
    check_new_passphrase(passphrase, f"{name} 的口令")
    actor, bundle = _authorise(ws, auth, first_admin=name if role == ADMIN else None)
    confirmer = confirmer_for(ws, confirmation, action=ADD_ACTION, name=name, role=role, by=actor)
    key, certificate = issue_reviewer(bundle, name, role)
    blob = store_key(ws, name, key, passphrase, kdf)
    cert_fingerprint = fingerprint(certificate)
    confirmed = confirmation_details(confirmer, action=ADD_ACTION, name=name, role=role,
                                     fingerprint=cert_fingerprint, old_fingerprint="", by=actor)
    now = audit.now_text()
    with ws.db.atomic():
        people_rows.insert_person(ws.db, PersonRow(name, role, cert_to_pem(certificate), blob, cert_fingerprint, now,
                                                   ACTIVE, None))
        people_rows.insert_certificate(ws.db, CertificateRow(cert_fingerprint, name, cert_to_pem(certificate), now))
        audit.append(ws.db, actor, "新增审核人员", name, {
            "role": role, "fingerprint": cert_fingerprint, "by": actor, "first_admin": auth.admin is None,
            **confirmed})
    return cert_fingerprint


def _precise_now() -> str:
    """Revocation and re-key times to the microsecond: a signature stamped in the same second
    (stamps are truncated to the second) counts as made before."""
    return datetime.now(UTC).astimezone().isoformat(timespec="microseconds")


def _target(ws: Workspace, name: str, actor: str, verb: str) -> None:
    person = get_reviewer(ws, name)
    if person.status == REVOKED:
        raise ReviewerError(f"{name} 的证书已于 {person.revoked_at} 吊销，不能再{verb}")
    if person.name == actor and verb in ("停用", "吊销"):
        raise ReviewerError(f"系统管理员不能{verb}自己：请由另一位系统管理员办理")


def disable_reviewer(ws: Workspace, name: str, *, auth: AdminAuth, reason: str) -> None:
    """Stop ``name`` from signing from now on; their earlier signatures stay valid.

    The change is a record the 系统管理员 signs (``models.signing.status``): the
    status column alone never re-enables anyone.
    """
    if not reason.strip():
        raise ReviewerError("停用人员须写明原因")
    _change_status(ws, name, auth, reason, DISABLE_ACTION)


def enable_reviewer(ws: Workspace, name: str, *, auth: AdminAuth, reason: str) -> None:
    """Let a disabled (not revoked) person sign again, by a record the 系统管理员 signs."""
    _change_status(ws, name, auth, reason, ENABLE_ACTION)


def _change_status(ws: Workspace, name: str, auth: AdminAuth, reason: str, action: str) -> None:
    actor, _, key = _authorise_signing(ws, auth)
    verb = "停用" if action == DISABLE_ACTION else "启用"
    _target(ws, name, actor, verb)
    assert key is not None  # only adding the first 系统管理员 goes without one
    with ws.db.atomic():
        record = status_record(action, name, get_reviewer(ws, name).fingerprint, actor, reason.strip(),
                               logged_status(ws, name).previous)
        people_rows.set_status(ws.db, name, DISABLED if action == DISABLE_ACTION else ACTIVE)
        audit.append(ws.db, actor, action, name, signed_details(key, record))


def revoke_reviewer(ws: Workspace, name: str, *, auth: AdminAuth, reason: str) -> str:
    """Revoke ``name``'s certificates from now: signatures made before stay valid, later ones are invalid.

    Returns the revocation time. Irreversible; a revoked person is added again under a new name.
    """
    if not reason.strip():
        raise ReviewerError("吊销证书须写明原因")
    actor, bundle = _authorise(ws, auth)
    _target(ws, name, actor, "吊销")
    now = _precise_now()
    from models.signing.revocation import store_crl

    with ws.db.atomic():
        people_rows.set_status(ws.db, name, REVOKED, revoked_at=now)
        people_rows.end_certificates(ws.db, name, revoked_at=now)
        crl = store_crl(ws, bundle)  # the revocation goes into the CA's list in the same transaction
        audit.append(ws.db, actor, REVOKE_ACTION, name, {
            "by": actor, "reason": reason.strip(), "revoked_at": now,
            "fingerprint": get_reviewer(ws, name).fingerprint, "crl_number": crl["crl_number"]})
    return now


def rekey_reviewer(ws: Workspace, name: str, new_passphrase: str, *, auth: AdminAuth,
                   confirmation: Confirmation | None, kdf: KdfParams | None = None) -> str:
    """A new key and certificate for ``name`` (a forgotten passphrase, a lost laptop); returns the fingerprint.

    ``confirmation`` is by ``name`` (with the passphrase being replaced) or by a 负责人 other than the
    系统管理员: alone, the 系统管理员 could choose the new passphrase and sign as ``name``. The old certificate is
    retired from now: what it signed before stays valid.
    """
    check_new_passphrase(new_passphrase, f"{name} 的新口令")
    actor, bundle = _authorise(ws, auth)
    _target(ws, name, actor, "更换密钥")
    person = get_reviewer(ws, name)
    confirmer = confirmer_for(ws, confirmation, action=REKEY_ACTION, name=name, role=person.role, by=actor)
    key, certificate = issue_reviewer(bundle, name, person.role)
    from models.signing.revocation import store_crl

    cert_fingerprint = fingerprint(certificate)
    confirmed = confirmation_details(confirmer, action=REKEY_ACTION, name=name, role=person.role,
                                     fingerprint=cert_fingerprint, old_fingerprint=person.fingerprint, by=actor)
    blob = store_key(ws, name, key, new_passphrase, kdf)
    now = _precise_now()
    with ws.db.atomic():
        people_rows.end_certificates(ws.db, name, retired_at=now)
        people_rows.replace_key(ws.db, name, cert_to_pem(certificate), blob, cert_fingerprint)
        people_rows.insert_certificate(ws.db, CertificateRow(cert_fingerprint, name, cert_to_pem(certificate), now))
        crl = store_crl(ws, bundle)  # the retired certificate is listed as superseded from now
        audit.append(ws.db, actor, REKEY_ACTION, name, {
            "by": actor, "old_fingerprint": person.fingerprint, "fingerprint": cert_fingerprint,
            "crl_number": crl["crl_number"], **confirmed})
    return cert_fingerprint


def set_up_bureau(ws: Workspace, *, ca_passphrase: str, admin: str, admin_passphrase: str, lead: str,
                  lead_passphrase: str, kdf: KdfParams | None = None) -> None:
    """A new bureau workspace's trust: its CA, its first 系统管理员, then its first 负责人 (added by that 系统管理员).

    Every input is checked before anything is written.
    """
    from models.review.terms import LEAD_ROLE
    from models.signing.reviewers import init_ca

    check_new_passphrase(ca_passphrase, "CA 口令")
    admin, lead = normalise_name(admin), normalise_name(lead)
    if same_name(admin, lead):
        raise ReviewerError("系统管理员和负责人须是两个不同的人（三员分立：管理人员的人不作审核决定）")
    check_new_passphrase(admin_passphrase, f"{admin} 的口令")
    check_new_passphrase(lead_passphrase, f"{lead} 的口令")
    if people_rows.has_ca(ws.db):
        raise ReviewerError("本工作区已有 CA，不能再次建立")
    init_ca(ws, passphrase=ca_passphrase, kdf=kdf, actor=admin)
    add_reviewer(ws, admin, ADMIN, admin_passphrase, auth=AdminAuth(ca_passphrase), kdf=kdf)
    add_reviewer(ws, lead, LEAD_ROLE, lead_passphrase, auth=AdminAuth(ca_passphrase, admin, admin_passphrase), kdf=kdf)
