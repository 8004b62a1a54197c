"""The CA's certificate revocation list (CRL): issued with the CA passphrase, one year ahead, kept in the workspace.

Every certificate the CA ever revoked (``吊销``) or retired by a re-key (``更换密钥``, reason superseded) is
listed with the time it took effect, so a signature made before that time stays valid and one made at or after
it does not. Sheets carry the list in their DSS (PAdES B-LT), so they can be checked offline years later.
Nothing fetches it: the distribution point the certificates name is not reachable, by design.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding

from models.failures import ReviewDeskError
from models.signing.ca import CaBundle, cert_from_pem
from models.workspace import audit
from models.workspace.workspace import Workspace, put_setting
from models.workspace.people_rows import all_certificates

if TYPE_CHECKING:
    from models.signing.people import AdminAuth

CRL_SETTING = "ca_crl_der"  # base64 DER of the newest CRL
CRL_VALIDITY = timedelta(days=365)
CRL_WARNING = timedelta(days=30)
CRL_ACTION = "签发证书吊销列表"
REISSUER = "系统管理员"


class CrlLapsed(ReviewDeskError):
    """The workspace has no CRL, or it has lapsed: nothing can be exported until it is re-issued."""


@dataclass(frozen=True, slots=True)
class CrlState:
    crl: x509.CertificateRevocationList | None
    lapsed: bool
    warning: str  # "" when all is well; a sentence when it lapses within 30 days or has lapsed

    @property
    def der(self) -> bytes:
        return b"" if self.crl is None else self.crl.public_bytes(Encoding.DER)


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text).astimezone(UTC) if text else None
    except ValueError:
        return None


def _revoked_entries(ws: Workspace) -> list[tuple[x509.Certificate, datetime, x509.ReasonFlags]]:
    entries = []
    ended = [c for c in all_certificates(ws.db) if c.revoked_at is not None or c.retired_at is not None]
    for issued in sorted(ended, key=lambda c: c.issued_at):
        revoked, retired = _moment(issued.revoked_at), _moment(issued.retired_at)
        certificate = cert_from_pem(issued.certificate_pem)
        if retired is not None and (revoked is None or retired < revoked):
            entries.append((certificate, retired, x509.ReasonFlags.superseded))
        elif revoked is not None:
            entries.append((certificate, revoked, x509.ReasonFlags.unspecified))
    return entries


def build_crl(ca: CaBundle, revoked: list[tuple[x509.Certificate, datetime, x509.ReasonFlags]], number: int,
              now: datetime | None = None) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca``: thisUpdate ``now``, nextUpdate a year on, each certificate with its time and reason."""
    start = (now or datetime.now(UTC)).astimezone(UTC)
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(ca.certificate.subject)
               .last_update(start)
               .next_update(start + CRL_VALIDITY)
               .add_extension(x509.CRLNumber(number), critical=False))
    try:
        ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                                        critical=False)
    except x509.ExtensionNotFound:
        pass
    for certificate, when, reason in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(certificate.serial_number)
            .revocation_date(when).add_extension(x509.CRLReason(reason), critical=False).build())
    algorithm = None if isinstance(ca.key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(ca.key, algorithm)


def store_crl(ws: Workspace, ca: CaBundle, now: datetime | None = None) -> dict[str, object]:
    """Issue the CA's next CRL from the certificates on record and store it, without an audit event:
    the caller's own event (a revocation, a re-key) covers it. Returns what that event should say of it."""
    previous = current_crl(ws)
    number = 1
    if previous is not None:
        try:
            number = previous.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
        except x509.ExtensionNotFound:
            number = 1
    revoked = _revoked_entries(ws)
    crl = build_crl(ca, revoked, number, now)
    text = base64.b64encode(crl.public_bytes(Encoding.DER)).decode("ascii")
    put_setting(ws.db, CRL_SETTING, text)
    return {"crl_number": number, "this_update": crl.last_update_utc.isoformat(),
            "next_update": (crl.next_update_utc or crl.last_update_utc).isoformat(),
            "revoked": [format(c.serial_number, "x") for c, _, _ in revoked]}


def issue_crl(ws: Workspace, ca: CaBundle, actor: str, now: datetime | None = None) -> x509.CertificateRevocationList:
    """Issue and store the CA's next CRL, as one audit event."""
    with ws.db.atomic():
        details = store_crl(ws, ca, now)
        audit.append(ws.db, actor, CRL_ACTION, "CA", details)
    crl = current_crl(ws)
    assert crl is not None
    return crl


def reissue_crl(ws: Workspace, auth: AdminAuth) -> x509.CertificateRevocationList:
    """``ca crl``: a 系统管理员, with their passphrase and the CA passphrase, issues the CA's next CRL."""
    from models.signing.people import _authorise

    actor, bundle = _authorise(ws, auth)
    return issue_crl(ws, bundle, actor)


def current_crl(ws: Workspace) -> x509.CertificateRevocationList | None:
    text = ws.setting(CRL_SETTING)
    if not text:
        return None
    try:
        return x509.load_der_x509_crl(base64.b64decode(text))
    except ValueError:
        return None


def crl_signed_by(crl: x509.CertificateRevocationList, ca_certificate: x509.Certificate) -> bool:
    try:
        return crl.issuer == ca_certificate.subject and crl.is_signature_valid(ca_certificate.public_key())  # type: ignore[arg-type]  # a CA key is EC, RSA or Ed25519
    except (InvalidSignature, UnsupportedAlgorithm, TypeError, ValueError):
        return False


def crl_state(ws: Workspace, now: datetime | None = None) -> CrlState:
    """The stored CRL and whether it has lapsed or lapses within 30 days, as a sentence for the reviewer."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    crl = current_crl(ws)
    how = f"须由{REISSUER}用 CA 口令重新签发（命令 ca crl）"
    if crl is None:
        return CrlState(None, True, f"本工作区还没有证书吊销列表，不能导出审核表：{how}")
    ends = crl.next_update_utc
    if ends is None or moment >= ends:
        when = f"已于 {ends.astimezone():%Y-%m-%d %H:%M} 过期" if ends else "没有下次更新时间"
        return CrlState(crl, True, f"证书吊销列表{when}，不能导出审核表：{how}")
    if ends - moment <= CRL_WARNING:
        days = max(0, (ends - moment).days)
        return CrlState(crl, False, f"证书吊销列表将于 {ends.astimezone():%Y-%m-%d} 过期（还有 {days} 天）：{how}")
    return CrlState(crl, False, "")


def require_current_crl(ws: Workspace, now: datetime | None = None) -> CrlState:
    """The CRL to embed in a sheet; raises :class:`CrlLapsed` naming who must re-issue it."""
    state = crl_state(ws, now)
    if state.lapsed:
        raise CrlLapsed(state.warning)
    return state


def revocation_of(crl: x509.CertificateRevocationList, certificate: x509.Certificate) -> tuple[datetime, str] | None:
    """(when, reason in Chinese) when ``crl`` lists ``certificate``, else None."""
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    if entry is None:
        return None
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        reason = x509.ReasonFlags.unspecified
    return entry.revocation_date_utc, "更换密钥" if reason == x509.ReasonFlags.superseded else "吊销"
