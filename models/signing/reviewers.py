"""The workspace's CA and its people: keys encrypted at rest, certificates from the CA, revocation by time.

Managing people (adding, disabling, re-keying, revoking) is in :mod:`models.signing.people`;
this module looks people up, unlocks their keys and says whether a signature
made at a given time still stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from models.workspace import audit
from models.signing.ca import (
    CaBundle, cert_from_pem, cert_to_pem, certificate_role, common_name, create_ca, fingerprint, load_ca_p12,
    signed_by_key_of,
)
from models.failures import ReviewDeskError
from models.signing.keys import (
    KdfParams, KeysError, WrongPassphrase, check_new_passphrase, decrypt_private_key, encrypt_private_key,
)
from models.signing.staff import ACTIVE
from models.workspace import people_rows
from models.workspace.people_rows import CaRow
from models.workspace.workspace import Workspace

CA_KEY_OWNER = "workspace-ca"
DISABLED, REVOKED = "停用", "已吊销"
REVOKE_ACTION = "吊销审核人员证书"


class ReviewerError(ReviewDeskError):
    """A reviewer or the CA is missing, duplicated or unfit for the action."""


@dataclass(frozen=True, slots=True)
class Reviewer:
    name: str
    role: str
    certificate: x509.Certificate
    fingerprint: str
    status: str = ACTIVE
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


def _store_ca(ws: Workspace, bundle: CaBundle, origin: str, passphrase: str,
              kdf: KdfParams | None, actor: str) -> str:
    if people_rows.has_ca(ws.db):
        raise ReviewerError("本工作区已有 CA，不能重复生成或导入")
    check_new_passphrase(passphrase, "CA 口令")
    blob = encrypt_private_key(bundle.key, passphrase, kdf, associated=CA_KEY_OWNER)
    cert_fingerprint = fingerprint(bundle.certificate)
    with ws.db.atomic():
        people_rows.insert_ca(ws.db, CaRow(cert_to_pem(bundle.certificate), blob, origin, audit.now_text()))
        audit.append(ws.db, actor, "生成CA" if origin == "generated" else "导入CA", "CA",
                     {"fingerprint": cert_fingerprint, "key_encrypted": True,
                      "public_demo_passphrase": ws.is_demo})
    _start_crl_and_tsa(ws, bundle, passphrase, kdf, actor)
    return cert_fingerprint


def _start_crl_and_tsa(ws: Workspace, bundle: CaBundle, passphrase: str, kdf: KdfParams | None, actor: str) -> None:
    """A new CA's first (empty) revocation list and its time-stamping key, while its passphrase is at hand."""
    from models.signing.revocation import issue_crl
    from models.signing.tsa import create_tsa

    issue_crl(ws, bundle, actor)
    create_tsa(ws, bundle, passphrase, actor, kdf)


def init_ca(ws: Workspace, *, passphrase: str, kdf: KdfParams | None = None, actor: str = "系统") -> str:
    """Create the workspace's own CA, its key encrypted under ``passphrase``; returns its fingerprint.

    Raises :class:`ReviewerError` if one exists, ``PassphraseError`` for a passphrase under 10 characters.
    """
    return _store_ca(ws, create_ca(), "generated", passphrase, kdf, actor)


def import_ca(ws: Workspace, p12: bytes, password: bytes | None, *, passphrase: str,
              kdf: KdfParams | None = None, actor: str = "系统") -> str:
    """Take a CA the bureau issued (PKCS#12). Raises ``KeysError`` for a bad file or password."""
    return _store_ca(ws, load_ca_p12(p12, password), "imported", passphrase, kdf, actor)


def protect_ca(ws: Workspace, passphrase: str, *, kdf: KdfParams | None = None, actor: str = "系统") -> None:
    """Encrypt the CA key of a workspace made by an older version, which stored it in the clear."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    stored = people_rows.ca(ws.db)
    if stored is None or stored.key_blob is None or not stored.key_blob.startswith(b"-----BEGIN"):
        raise ReviewerError("本工作区没有未加密的 CA 私钥，无须处理")
    check_new_passphrase(passphrase, "CA 口令")
    blob = encrypt_private_key(load_pem_private_key(stored.key_blob, password=None), passphrase, kdf,
                               associated=CA_KEY_OWNER)
    with ws.db.atomic():
        people_rows.set_ca_key(ws.db, blob)
        audit.append(ws.db, actor, "加密CA私钥", "CA", {"fingerprint": fingerprint(ca_certificate(ws))})


def ca_certificate(ws: Workspace) -> x509.Certificate:
    stored = people_rows.ca(ws.db)
    if stored is None:
        raise ReviewerError("本工作区还没有 CA：请先运行 ca init 或 ca import")
    return cert_from_pem(stored.certificate_pem)


def unlock_ca(ws: Workspace, passphrase: str) -> CaBundle:
    """The CA key and certificate. Raises ``WrongPassphrase`` naming the CA, or :class:`ReviewerError`."""
    certificate = ca_certificate(ws)
    stored = people_rows.ca(ws.db)
    blob = None if stored is None else stored.key_blob
    if blob is None:
        raise ReviewerError("本工作区（会评工作区）没有 CA 私钥，不能管理人员")
    if blob.startswith(b"-----BEGIN"):
        raise ReviewerError("本工作区的 CA 私钥未加密存放（旧版本建立），不能使用：请先运行 ca protect 为它设置口令")
    if not passphrase:
        raise ReviewerError("须提供 CA 口令")
    try:
        key = decrypt_private_key(blob, passphrase, associated=CA_KEY_OWNER)
    except WrongPassphrase:
        raise WrongPassphrase("CA 口令错误，未作任何改动") from None
    return CaBundle(key, certificate)  # type: ignore[arg-type]  # the stored CA key is one the CA bundle takes (imported or made here)


def _reviewer(row: people_rows.PersonRow) -> Reviewer:
    return Reviewer(row.name, row.role, cert_from_pem(row.certificate_pem), row.fingerprint, row.status,
                    row.revoked_at)


def get_reviewer(ws: Workspace, name: str) -> Reviewer:
    """The person ``name``, whose certificate the workspace CA issued to that name in that role.

    Raises :class:`ReviewerError` when there is none, or when the row and its
    certificate disagree: the name, the role and the issuer are read from the
    CA-signed certificate, never trusted from the table alone.
    """
    row = people_rows.person(ws.db, name)
    if row is None:
        raise ReviewerError(f"没有名为 {name} 的审核人员")
    reviewer = _reviewer(row)
    problem = certificate_mismatch(ws, reviewer.certificate, name, reviewer.role)
    if problem:
        raise ReviewerError(f"{problem}：人员记录已在审核台之外被改动，不能以此签名。请运行 audit verify 并报告信息安全负责人")
    return reviewer


def certificate_mismatch(ws: Workspace, certificate: x509.Certificate, name: str, role: str | None = None) -> str | None:
    """Why ``certificate`` is not the workspace CA's certificate for ``name`` (in ``role``), or None."""
    issued_to, issued_as = common_name(certificate), certificate_role(certificate)
    if issued_to != name:
        return f"登记给 {name} 的证书是签发给「{issued_to}」的"
    if role is not None and issued_as != role:
        return f"{name} 的证书签发的角色是{issued_as or '（无）'}，人员记录却是{role}"
    stored = people_rows.ca(ws.db)
    if stored is not None and not signed_by_key_of(certificate, cert_from_pem(stored.certificate_pem)):
        return f"登记给 {name} 的证书不是本工作区 CA 签发的"
    return None


def list_reviewers(ws: Workspace) -> list[Reviewer]:
    return [_reviewer(row) for row in people_rows.people(ws.db)]


def require_active(ws: Workspace, name: str) -> Reviewer:
    """The reviewer, or :class:`ReviewerError` when they are disabled or revoked."""
    reviewer = get_reviewer(ws, name)
    if reviewer.status == REVOKED:
        raise ReviewerError(f"{name} 的证书已于 {reviewer.revoked_at} 吊销，不能再签名或作出决定")
    logged = ws.db.execute("SELECT seq, at FROM audit WHERE action = :action AND subject = :name ORDER BY seq LIMIT 1",
                           {"action": REVOKE_ACTION, "name": name}).fetchone()
    if logged is not None:  # a revocation is final: a row edited back to 在用 does not undo the logged one
        raise ReviewerError(f"{name} 的证书已于 {logged[1]} 吊销（审计日志第 {logged[0]} 条），不能再签名或作出决定；"
                            "人员记录显示为在用，已在审核台之外被改动，请报告信息安全负责人")
    if reviewer.status != ACTIVE:
        raise ReviewerError(f"{name} 已停用，不能签名或作出决定")
    from models.signing.status import refusal  # the status the 系统管理员's signed records give, not the column

    disabled = refusal(ws, name)
    if disabled is not None:
        raise ReviewerError(disabled)
    return reviewer


def unlock(ws: Workspace, name: str, passphrase: str) -> ec.EllipticCurvePrivateKey:
    """The reviewer's private key. A wrong passphrase is audited and raised as ``WrongPassphrase``.

    Raises :class:`ReviewerError` for a disabled or revoked reviewer: their key no longer opens.
    """
    reviewer = require_active(ws, name)
    stored = people_rows.person(ws.db, name)
    if stored is None:
        raise ReviewerError(f"没有名为 {name} 的审核人员")
    blob = stored.key_blob
    try:
        key = decrypt_private_key(blob, passphrase, associated=reviewer.name)
    except KeysError as error:
        with ws.db.atomic():
            audit.append(ws.db, name, "解锁密钥失败", name, {"reason": str(error)})
        if isinstance(error, WrongPassphrase):
            raise WrongPassphrase(f"{name} 的口令错误，未签名任何内容") from None
        raise
    return key  # type: ignore[return-value]  # a reviewer key file holds an EC private key


def key_matches(key: ec.EllipticCurvePrivateKey, reviewer: Reviewer) -> bool:
    return key.public_key().public_numbers() == reviewer.certificate.public_key().public_numbers()  # type: ignore[union-attr]  # both are EC keys


def store_key(ws: Workspace, name: str, key: ec.EllipticCurvePrivateKey, passphrase: str,
              kdf: KdfParams | None = None) -> bytes:
    """The encrypted blob of ``key`` for ``name`` (passphrase rules checked); stores nothing."""
    check_new_passphrase(passphrase, f"{name} 的口令")
    return encrypt_private_key(key, passphrase, kdf, associated=name)


# --- signatures over time ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    name: str
    certificate: x509.Certificate
    issued_at: str
    retired_at: str | None
    revoked_at: str | None


def certificates_of(ws: Workspace, name: str) -> list[IssuedCertificate]:
    """Every certificate ever issued to ``name``, newest first (a re-key retires the old one).

    Only certificates whose subject names ``name`` count: a row listing someone
    else's certificate under ``name`` is not a certificate of ``name``.
    """
    issued = [IssuedCertificate(name, cert_from_pem(row.certificate_pem), row.issued_at, row.retired_at,
                                row.revoked_at) for row in people_rows.certificates_issued_to(ws.db, name)]
    return [candidate for candidate in issued if common_name(candidate.certificate) == name]


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def standing_at(issued: IssuedCertificate, signed_at: str) -> tuple[bool, str]:
    """Whether a signature made with ``issued`` at ``signed_at`` counts, and a sentence saying why.

    A revocation or a re-key takes effect from its time: a signature made before
    it stays valid (and says so), one made at or after it does not.
    """
    when = _moment(signed_at)
    if when is None:
        return False, f"{issued.name} 的签名时间 {signed_at!r} 无法识别"
    revoked, retired = _moment(issued.revoked_at), _moment(issued.retired_at)
    if revoked is not None:
        if when >= revoked:
            return False, f"{issued.name} 的证书已于 {issued.revoked_at} 吊销，此后（{signed_at}）的签名无效"
        return True, f"{issued.name} 的证书已于 {issued.revoked_at} 吊销；该签名作于吊销之前（{signed_at}），仍然有效"
    if retired is not None:
        if when >= retired:
            return False, f"{issued.name} 的该证书已于 {issued.retired_at} 因更换密钥停用，此后（{signed_at}）的签名无效"
        return True, f"{issued.name} 已于 {issued.retired_at} 更换密钥；该签名作于更换之前，仍然有效"
    return True, ""
