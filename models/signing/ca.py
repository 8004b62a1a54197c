"""The bureau CA and the reviewer certificates it issues.

Certificates are ``cryptography`` x509 objects; keys are ECDSA P-256 for
everything created here. A CA imported from PKCS#12 may also hold an RSA or
Ed25519 key. Reviewer certificates carry the key usages pyHanko checks by
default for PDF signatures (non-repudiation; digital signature too).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, UTC
from typing import TypeAlias

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from models.pure_memo import PureMemo, input_digest
from models.signing.keys import KeyFileError, WrongPassphrase
from models.review.terms import ROLES

CA_COMMON_NAME = "聊城市产业扶持政策兑现审核 CA"
CA_ORGANIZATION = "聊城市工业和信息化局"
REVIEWER_ROLES = ROLES
CA_VALIDITY = timedelta(days=3653)  # 10 years
REVIEWER_VALIDITY = timedelta(days=1827)  # 5 years
CLOCK_SKEW = timedelta(minutes=5)
# Where certificates say the CA's CRL is published. Nothing online is reachable (an .invalid name, RFC 2606):
# the list travels inside each sheet's DSS and in the workspace. Certificates issued before it have none.
CRL_DISTRIBUTION_URI = "http://crl.reviewdesk.invalid/ca.crl"
TSA_COMMON_NAME = "审核台时间戳服务"
TSA_VALIDITY = timedelta(days=3652)  # 10 years, never beyond the CA

CaKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class CaBundle:
    key: CaKey
    certificate: x509.Certificate


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _hash_for(key: CaKey) -> hashes.SHA256 | None:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def create_ca(
    common_name: str = CA_COMMON_NAME,
    organization: str = CA_ORGANIZATION,
    *,
    now: datetime | None = None,
) -> CaBundle:
    """A new self-signed ECDSA P-256 CA, valid for 10 years from ``now``."""
    start = _now(now) - CLOCK_SKEW
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CaBundle(key, certificate)


def is_ca_certificate(certificate: x509.Certificate) -> bool:
    """BasicConstraints ca=True, and keyCertSign if a KeyUsage is present."""
    try:
        if not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except x509.ExtensionNotFound:
        return False
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True


def _is_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in (
            "data", "signed_data")
    except (ValueError, TypeError, KeyError):
        return False


def _public_der(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def load_ca_p12(data: bytes, password: bytes | None, *, now: datetime | None = None) -> CaBundle:
    """The CA key and certificate from a PKCS#12 (.p12/.pfx) file's bytes.

    Raises KeyFileError when ``data`` is not PKCS#12, lacks the key or the
    certificate, the key does not match, the certificate is not a CA or is
    outside its validity at ``now``; WrongPassphrase when the password is wrong.
    """
    if not _is_pkcs12(data):
        raise KeyFileError("文件不是 PKCS#12 证书文件（.p12/.pfx），无法导入 CA")
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, password or None)
    except ValueError:
        raise WrongPassphrase("口令错误，无法打开 CA 证书文件（.p12）") from None
    except UnsupportedAlgorithm as exc:
        raise KeyFileError(f"CA 证书文件使用了不受支持的算法：{exc}") from None
    if key is None:
        raise KeyFileError("CA 证书文件中没有私钥，无法用于签发审核员证书")
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise KeyFileError("CA 私钥类型不受支持（仅支持 ECDSA、RSA、Ed25519）")
    # Some tools leave the key's certificate among the "other" certificates.
    candidates = [certificate] if certificate is not None else others
    if not candidates:
        raise KeyFileError("CA 证书文件中没有证书")
    public = _public_der(key.public_key())
    certificate = next((c for c in candidates if _public_der(c.public_key()) == public), None)
    if certificate is None:
        raise KeyFileError("CA 证书文件中的私钥与证书不匹配")
    if not is_ca_certificate(certificate):
        raise KeyFileError("该证书不是 CA 证书（缺少 CA 基本约束或证书签发用途），不能用于签发审核员证书")
    moment = _now(now)
    if moment > certificate.not_valid_after_utc:
        raise KeyFileError(f"CA 证书已于 {certificate.not_valid_after_utc:%Y-%m-%d} 过期")
    if moment < certificate.not_valid_before_utc:
        raise KeyFileError(f"CA 证书要到 {certificate.not_valid_before_utc:%Y-%m-%d} 才生效")
    return CaBundle(key, certificate)


def _authority_key_id(ca_certificate: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key())  # type: ignore[arg-type]  # a CA certificate's key is EC or RSA, never a DH key


def issue_reviewer(
    ca: CaBundle, name: str, role: str, *, now: datetime | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new ECDSA P-256 key and its 5-year certificate signed by ``ca``.

    Subject: CN = ``name``, title = ``role``, O copied from the CA. The
    validity ends no later than the CA's. Raises ValueError for an empty name
    or a role outside REVIEWER_ROLES.
    """
    name = name.strip()
    if not name:
        raise ValueError("审核员姓名不能为空")
    if role not in REVIEWER_ROLES:
        raise ValueError(f"审核员角色必须是 {'、'.join(REVIEWER_ROLES)} 之一，而不是「{role}」")
    start = _now(now) - CLOCK_SKEW
    end = min(start + REVIEWER_VALIDITY, ca.certificate.not_valid_after_utc)
    subject: list[x509.NameAttribute[str | bytes]] = [x509.NameAttribute(NameOID.TITLE, role),
                                                      x509.NameAttribute(NameOID.COMMON_NAME, name)]
    return _issue_signing_key(ca, subject, start, end, [])


def _issue_signing_key(ca: CaBundle, subject: list[x509.NameAttribute[str | bytes]], start: datetime, end: datetime,
                       critical: list[x509.ExtensionType]) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key and its certificate from the workspace CA: C=CN, the CA's O, then ``subject``; signing only,
    with ``critical`` extensions added, and the CRL distribution point."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes: list[x509.NameAttribute[str | bytes]] = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    attributes += ca.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[:1]
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes + subject))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    for extension in critical:
        builder = builder.add_extension(extension, critical=True)
    certificate = (
        builder
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_authority_key_id(ca.certificate), critical=False)
        .add_extension(crl_distribution_points(), critical=False)
        .sign(ca.key, _hash_for(ca.key))
    )
    return key, certificate


def crl_distribution_points() -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(CRL_DISTRIBUTION_URI)], relative_name=None, reasons=None,
        crl_issuer=None)])


def issue_tsa(ca: CaBundle, *, now: datetime | None = None) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The workspace's RFC 3161 time-stamping key and certificate (extended key usage timeStamping, critical)."""
    start = _now(now) - CLOCK_SKEW
    end = min(start + TSA_VALIDITY, ca.certificate.not_valid_after_utc)
    return _issue_signing_key(ca, [x509.NameAttribute(NameOID.COMMON_NAME, TSA_COMMON_NAME)], start, end,
                              [x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])])


def certificate_issued_by(
    certificate: x509.Certificate, ca_certificate: x509.Certificate, at: datetime | None = None
) -> bool:
    """True when ``ca_certificate`` is a CA whose key signed ``certificate``,
    the issuer name matches, and both are within their validity at ``at`` (default now)."""
    if not is_ca_certificate(ca_certificate) or not signed_by_key_of(certificate, ca_certificate):
        return False
    moment = _now(at)
    return all(
        cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc
        for cert in (certificate, ca_certificate)
    )


def cert_to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(Encoding.PEM).decode("ascii")


def cert_from_pem(pem: str | bytes) -> x509.Certificate:
    """Raises KeyFileError when ``pem`` is not one PEM certificate."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    return _parsed_certificate(bytes(data))


@lru_cache(maxsize=1024)
def _parsed_certificate(data: bytes) -> x509.Certificate:
    """One parse per distinct PEM text (a certificate object is immutable, so the same one serves every caller)."""
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise KeyFileError("证书数据无效（不是 PEM 格式的 X.509 证书）") from None


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lowercase hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


@lru_cache(maxsize=1024)  # a certificate is immutable and compares by its DER
def certificate_role(certificate: x509.Certificate) -> str:
    """The subject title (the role the CA issued the certificate for), or "" when there is none."""
    found = certificate.subject.get_attributes_for_oid(NameOID.TITLE)
    return str(found[0].value) if found else ""


def signed_by_key_of(certificate: x509.Certificate, ca_certificate: x509.Certificate) -> bool:
    """Whether ``ca_certificate``'s key signed ``certificate`` and its issuer names it (validity times not considered).

    A success is remembered for exactly these two certificates (their DER), as ``models.pure_memo`` says."""
    checked = input_digest(certificate.public_bytes(Encoding.DER), ca_certificate.public_bytes(Encoding.DER))
    if _ISSUED.get(checked):
        return True
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    _ISSUED.put(checked, True)
    return True


_ISSUED: PureMemo[bool] = PureMemo(4096)  # (certificate, issuer) pairs whose signature and names check out


@lru_cache(maxsize=1024)  # a certificate is immutable and compares by its DER
def common_name(certificate: x509.Certificate) -> str:
    """The subject CN (the reviewer's name), or "" when there is none."""
    found = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else ""
