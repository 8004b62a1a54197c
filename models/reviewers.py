"""The workspace's CA and its reviewers: keys encrypted at rest, certificates from the CA."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, load_pem_private_key,
)

from models import audit
from models.ca import CaBundle, cert_from_pem, cert_to_pem, create_ca, fingerprint, issue_reviewer, load_ca_p12
from models.failures import ReviewDeskError
from models.keys import KdfParams, KeysError, WrongPassphrase, decrypt_private_key, encrypt_private_key
from models.workspace import Workspace

CA_KEY_OWNER = "workspace-ca"


class ReviewerError(ReviewDeskError):
    """A reviewer or the CA is missing, duplicated or unfit for the action."""


@dataclass(frozen=True, slots=True)
class Reviewer:
    name: str
    role: str
    certificate: x509.Certificate
    fingerprint: str


def _store_ca(ws: Workspace, bundle: CaBundle, origin: str, passphrase: str | None,
              kdf: KdfParams | None, actor: str) -> str:
    if ws.db.execute("SELECT 1 FROM ca").fetchone():
        raise ReviewerError("本工作区已有 CA，不能重复生成或导入")
    if passphrase:
        blob = encrypt_private_key(bundle.key, passphrase, kdf, associated=CA_KEY_OWNER)
    else:
        blob = bundle.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    cert_fingerprint = fingerprint(bundle.certificate)
    with ws.db.atomic():
        ws.db.execute("INSERT INTO ca (id, certificate_pem, key_blob, origin, created_at) VALUES (1, ?, ?, ?, ?)",
                      [cert_to_pem(bundle.certificate), blob, origin, audit.now_text()])
        audit.append(ws.db, actor, "生成CA" if origin == "generated" else "导入CA", "CA",
                     {"fingerprint": cert_fingerprint, "key_encrypted": bool(passphrase)})
    return cert_fingerprint


def init_ca(ws: Workspace, *, passphrase: str | None = None, kdf: KdfParams | None = None,
            actor: str = "系统") -> str:
    """Create the workspace's own CA; returns its fingerprint. Raises :class:`ReviewerError` if one exists."""
    return _store_ca(ws, create_ca(), "generated", passphrase, kdf, actor)


def import_ca(ws: Workspace, p12: bytes, password: bytes | None, *, passphrase: str | None = None,
              kdf: KdfParams | None = None, actor: str = "系统") -> str:
    """Take a CA the bureau issued (PKCS#12). Raises ``KeysError`` for a bad file or password."""
    return _store_ca(ws, load_ca_p12(p12, password), "imported", passphrase, kdf, actor)


def ca_certificate(ws: Workspace) -> x509.Certificate:
    row = ws.db.execute("SELECT certificate_pem FROM ca").fetchone()
    if row is None:
        raise ReviewerError("本工作区还没有 CA：请先运行 ca init 或 ca import")
    return cert_from_pem(row[0])


def _ca_bundle(ws: Workspace, passphrase: str | None) -> CaBundle:
    certificate = ca_certificate(ws)
    blob = ws.db.execute("SELECT key_blob FROM ca").fetchone()[0]
    if blob.startswith(b"-----BEGIN"):
        key = load_pem_private_key(blob, password=None)
    elif not passphrase:
        raise ReviewerError("CA 私钥已加密：请用 --ca-passphrase-file 提供 CA 口令")
    else:
        key = decrypt_private_key(blob, passphrase, associated=CA_KEY_OWNER)
    return CaBundle(key, certificate)  # type: ignore[arg-type]


def add_reviewer(ws: Workspace, name: str, role: str, passphrase: str, *, ca_passphrase: str | None = None,
                 kdf: KdfParams | None = None, actor: str = "系统") -> str:
    """Issue ``name`` a P-256 key and certificate; the key is stored encrypted under ``passphrase``."""
    name = name.strip()
    if ws.db.execute("SELECT 1 FROM reviewers WHERE name = ?", [name]).fetchone():
        raise ReviewerError(f"审核人员 {name} 已存在")
    bundle = _ca_bundle(ws, ca_passphrase)
    try:
        key, certificate = issue_reviewer(bundle, name, role)
    except ValueError as error:
        raise ReviewerError(str(error)) from None
    blob = encrypt_private_key(key, passphrase, kdf, associated=name)
    cert_fingerprint = fingerprint(certificate)
    with ws.db.atomic():
        ws.db.execute(
            "INSERT INTO reviewers (name, role, certificate_pem, key_blob, fingerprint, created_at) VALUES (?,?,?,?,?,?)",
            [name, role, cert_to_pem(certificate), blob, cert_fingerprint, audit.now_text()],
        )
        audit.append(ws.db, actor, "新增审核人员", name, {"role": role, "fingerprint": cert_fingerprint})
    return cert_fingerprint


def get_reviewer(ws: Workspace, name: str) -> Reviewer:
    row = ws.db.execute("SELECT name, role, certificate_pem, fingerprint FROM reviewers WHERE name = ?",
                        [name]).fetchone()
    if row is None:
        raise ReviewerError(f"没有名为 {name} 的审核人员")
    return Reviewer(row[0], row[1], cert_from_pem(row[2]), row[3])


def list_reviewers(ws: Workspace) -> list[Reviewer]:
    return [Reviewer(name, role, cert_from_pem(pem), cert_fingerprint) for name, role, pem, cert_fingerprint in
            ws.db.execute("SELECT name, role, certificate_pem, fingerprint FROM reviewers ORDER BY created_at")]


def unlock(ws: Workspace, name: str, passphrase: str) -> ec.EllipticCurvePrivateKey:
    """The reviewer's private key. A wrong passphrase is audited and raised as ``WrongPassphrase``."""
    reviewer = get_reviewer(ws, name)
    blob = ws.db.execute("SELECT key_blob FROM reviewers WHERE name = ?", [name]).fetchone()[0]
    try:
        key = decrypt_private_key(blob, passphrase, associated=reviewer.name)
    except KeysError as error:
        with ws.db.atomic():
            audit.append(ws.db, name, "解锁密钥失败", name, {"reason": str(error)})
        if isinstance(error, WrongPassphrase):
            raise WrongPassphrase(f"{name} 的口令错误，未签名任何内容") from None
        raise
    return key  # type: ignore[return-value]
