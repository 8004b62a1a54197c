"""The workspace's time-stamping key: an RFC 3161 TSA certificate under the workspace CA.

Made with the CA (or later with ``ca tsa``); its private key is stored encrypted under the CA passphrase,
so adding document timestamps needs that passphrase as well as the 负责人's own.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from models.signing.ca import CaBundle, cert_from_pem, cert_to_pem, fingerprint, issue_tsa
from models.signing.keys import KdfParams, WrongPassphrase, decrypt_private_key, encrypt_private_key
from models.workspace import audit
from models.workspace.workspace import Workspace, put_setting

if TYPE_CHECKING:
    from models.signing.people import AdminAuth

TSA_KEY_OWNER = "workspace-tsa"
TSA_CERTIFICATE_SETTING = "tsa_certificate_pem"
TSA_KEY_SETTING = "tsa_key_blob"
TSA_ACTION = "生成时间戳密钥"


def create_tsa(ws: Workspace, ca: CaBundle, ca_passphrase: str, actor: str, kdf: KdfParams | None = None) -> str:
    """Issue and store the time-stamping key and certificate (one audit event); returns the fingerprint.

    Raises ``ReviewerError`` when the workspace already has one.
    """
    from models.signing.reviewers import ReviewerError

    if ws.setting(TSA_CERTIFICATE_SETTING):
        raise ReviewerError("本工作区已有时间戳密钥，不能重复生成")
    key, certificate = issue_tsa(ca)
    blob = encrypt_private_key(key, ca_passphrase, kdf, associated=TSA_KEY_OWNER)
    cert_fingerprint = fingerprint(certificate)
    with ws.db.atomic():
        for name, value in ((TSA_CERTIFICATE_SETTING, cert_to_pem(certificate)),
                            (TSA_KEY_SETTING, base64.b64encode(blob).decode("ascii"))):
            put_setting(ws.db, name, value)
        audit.append(ws.db, actor, TSA_ACTION, "CA", {"fingerprint": cert_fingerprint, "key_encrypted": True})
    return cert_fingerprint


def add_tsa(ws: Workspace, auth: AdminAuth) -> str:
    """``ca tsa``: for a workspace whose CA was made before time-stamping keys existed (by a 系统管理员)."""
    from models.signing.people import _authorise

    actor, bundle = _authorise(ws, auth)
    return create_tsa(ws, bundle, auth.ca_passphrase, actor)


def tsa_certificate(ws: Workspace) -> x509.Certificate | None:
    pem = ws.setting(TSA_CERTIFICATE_SETTING)
    return cert_from_pem(pem) if pem else None


def unlock_tsa(ws: Workspace, ca_passphrase: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The time-stamping key and certificate. Raises ``ReviewerError`` (none yet) or ``WrongPassphrase``."""
    from models.signing.reviewers import ReviewerError

    certificate = tsa_certificate(ws)
    blob = ws.setting(TSA_KEY_SETTING)
    if certificate is None or not blob:
        raise ReviewerError("本工作区还没有时间戳密钥：须由系统管理员用 CA 口令生成（命令 ca tsa）")
    try:
        key = decrypt_private_key(base64.b64decode(blob), ca_passphrase, associated=TSA_KEY_OWNER)
    except WrongPassphrase:
        raise WrongPassphrase("CA 口令错误，无法解锁时间戳密钥，未加任何时间戳") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ReviewerError("时间戳密钥类型不受支持")
    return key, certificate
