"""The PAdES signature of a sheet by the exporting reviewer, its field over the stamp on the page.

The visible stamp is page content (``flowables.StampSpot``), drawn before
signing so every renderer shows it; the signature field lies over it with an
empty appearance, so viewers that show signature widgets open the signature
when the stamp is clicked. The signature certifies the document with DocMDP
"no changes": a later revision that changes content breaks it; as PAdES allows, the
DSS (validation data, added here right after signing: PAdES B-LT) and document
timestamps (``sheets.timestamps``, B-LTA) may follow. The decisions' own signed records
travel inside the PDF as embedded files, added in the signed revision. That revision is written directly
(``sheets.sign_direct``) for a sheet as reportlab renders it, by pyHanko's writer otherwise.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.stamp import BaseStamp, BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from sheets.content import Attachment
from sheets.dss_update import append_dss
from sheets.sign_direct import sign_directly

FIELD_NAME = "ReviewDeskSheetSignature"
# Room for the CMS (two P-256 certificates come to about 2 KB); a generous
# fixed size spares pyHanko a trial signature per document to measure it.
BYTES_RESERVED = 12 * 1024
REASON = "导出审核表"


@dataclass(frozen=True, slots=True)
class SignerMaterial:
    """What a worker process needs to sign: plain bytes, picklable."""

    key_pkcs8: bytes
    certificate_der: bytes
    ca_der: bytes
    name: str
    role: str
    organization: str
    crl_der: bytes = b""  # the CA's CRL, for the DSS (PAdES B-LT); b"": B-B only (benchmarks, old callers)

    @classmethod
    def of(cls, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate,
           ca: x509.Certificate, crl_der: bytes = b"") -> SignerMaterial:
        def first(oid: x509.ObjectIdentifier) -> str:
            found = certificate.subject.get_attributes_for_oid(oid)
            return str(found[0].value) if found else ""

        return cls(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()),
                   certificate.public_bytes(Encoding.DER), ca.public_bytes(Encoding.DER),
                   first(NameOID.COMMON_NAME), first(NameOID.TITLE), first(NameOID.ORGANIZATION_NAME), crl_der)


class _EmptyStamp(BaseStamp):
    def _render_inner_content(self) -> list[bytes]:
        return []


@dataclass(frozen=True)
class EmptyAppearance(BaseStampStyle):
    """The widget draws nothing (no font, no border): the stamp under it is the page's own content."""

    def create_stamp(self, writer: Any, box: Any, text_params: dict[str, Any]) -> BaseStamp:
        return _EmptyStamp(writer=writer, style=self, box=box)


EMPTY_APPEARANCE = EmptyAppearance(border_width=0)


@dataclass(slots=True)
class KeptParts:
    """The public, constant parts of a signer's CMS (no key): its signed-attribute templates, signer-info fields and
    SignedData fields, filled by its first signature."""

    attribute_templates: dict[tuple[Any, ...], list[cms.CMSAttribute] | None] = field(default_factory=dict)
    info_parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    signed_data_parts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Certificates:
    certificate: asn1_x509.Certificate
    ca: asn1_x509.Certificate
    kept: KeptParts


@functools.lru_cache(maxsize=8)
def _certificates(certificate_der: bytes, ca_der: bytes) -> _Certificates:
    """The certificates parsed and the CMS parts kept once per process for each signer, across exports: a new
    signer's first signature parsing them again cost about 45 ms, serial, before an export's workers start.
    Public parts only: the key is never kept beyond its ``SheetSigner``."""
    return _Certificates(asn1_x509.Certificate.load(certificate_der), asn1_x509.Certificate.load(ca_der),
                         KeptParts())


class CachingSimpleSigner(signers.SimpleSigner):
    """A ``SimpleSigner`` that builds the constant parts of each CMS once per process.

    The signed attributes of a PAdES signature here are content-type, the
    signing certificate's hash and the message digest: only the digest changes
    from document to document. Rebuilding the rest with asn1crypto was half of
    the signing time; the SignedData around them is kept the same way. Anything else (a timestamp, other
    attributes) takes pyHanko's ordinary path.
    """

    _CONSTANT_ATTRIBUTES = frozenset({"content_type", "message_digest", "signing_certificate_v2"})

    def __init__(self, *args: Any, kept: KeptParts | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kept = kept or KeptParts()
        self._loaded_key: ec.EllipticCurvePrivateKey | None = None
        self._attribute_templates = kept.attribute_templates
        self._info_parts = kept.info_parts
        self._signed_data_parts = kept.signed_data_parts

    async def signed_attrs(self, data_digest: bytes, digest_algorithm: str, attr_settings: Any = None,
                           content_type: str = "data", use_pades: bool = False, timestamper: Any = None,
                           dry_run: bool = False, is_pdf_sig: bool = True) -> cms.CMSAttributes:
        key = (digest_algorithm, content_type, use_pades, is_pdf_sig, dry_run)
        template = self._attribute_templates.get(key) if timestamper is None else None
        if template is None:
            attrs = await super().signed_attrs(data_digest, digest_algorithm, attr_settings=attr_settings,
                                               content_type=content_type, use_pades=use_pades,
                                               timestamper=timestamper, dry_run=dry_run, is_pdf_sig=is_pdf_sig)
            if timestamper is None and key not in self._attribute_templates:
                types = {attr["type"].native for attr in attrs}
                self._attribute_templates[key] = (
                    [cms.CMSAttribute.load(attr.dump()) for attr in attrs]
                    if types == self._CONSTANT_ATTRIBUTES else None)
            return attrs
        return cms.CMSAttributes([
            simple_cms_attribute("message_digest", data_digest) if attr["type"].native == "message_digest" else attr
            for attr in template])

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """pyHanko's ECDSA signature, with the key loaded once rather than from its DER for every sheet."""
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if algorithm != "ecdsa":
            return bytes(super().sign_raw(data, digest_algorithm))
        if self._loaded_key is None:
            loaded = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            assert isinstance(loaded, ec.EllipticCurvePrivateKey)
            self._loaded_key = loaded
        return self._loaded_key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))

    def signer_info(self, digest_algorithm: str, signed_attrs: Any, signature: bytes) -> cms.SignerInfo:
        parts = self._info_parts.get(digest_algorithm)
        if parts is None:
            info = super().signer_info(digest_algorithm, signed_attrs, signature)
            parts = {name: type(info[name]).load(info[name].dump())
                     for name in ("version", "sid", "digest_algorithm", "signature_algorithm")}
            self._info_parts[digest_algorithm] = parts
        return cms.SignerInfo({**parts, "signed_attrs": signed_attrs, "signature": signature})

    def _package_signature(self, *, digest_algorithm: str, cms_version: Any, signed_attrs: cms.CMSAttributes,
                           signature: bytes, unsigned_attrs: cms.CMSAttributes | None,
                           encap_content_info: Any) -> cms.ContentInfo:
        # The SignedData around the signer info (version, digest algorithms, content type and the certificates)
        # is the same for every sheet: its fields, kept once encoded (asn1crypto keeps the encoding), are not
        # rebuilt or re-encoded.
        plain = unsigned_attrs is None and encap_content_info == {"content_type": "data"} and not self.attribute_certs
        key = (digest_algorithm, str(cms_version))
        parts = self._signed_data_parts.get(key) if plain else None
        if parts is None:
            packaged = super()._package_signature(
                digest_algorithm=digest_algorithm, cms_version=cms_version, signed_attrs=signed_attrs,
                signature=signature, unsigned_attrs=unsigned_attrs, encap_content_info=encap_content_info)
            if plain:
                signed_data = packaged["content"]
                signed_data.dump()
                self._signed_data_parts[key] = {
                    name: signed_data[name] for name in ("version", "digest_algorithms", "encap_content_info",
                                                         "certificates")}
            return packaged
        info = self.signer_info(digest_algorithm, signed_attrs, signature)
        return cms.ContentInfo({"content_type": "signed_data",
                                "content": cms.SignedData({**parts, "signer_infos": [info]})})


class _TimedPdfSigner(signers.PdfSigner):
    """Signs with a given signing time (the export's audit entry) instead of the clock."""

    def __init__(self, *args: object, signing_time: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # PdfSigner's own arguments, passed through unchanged
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def preload() -> None:
    """Import what pyHanko imports on its first signature (lxml for XMP metadata, its stream filters, time zones),
    so worker processes forked after this start with it loaded instead of each paying for it."""
    import zoneinfo  # noqa: F401 - imported for its side effect: loaded before the fork

    import pyhanko.pdf_utils.filters
    import pyhanko.pdf_utils.metadata.xmp_xml  # noqa: F401 - imported for its side effect: loaded before the fork


class SheetSigner:
    """Made once per process: the key and the certificates."""

    def __init__(self, material: SignerMaterial) -> None:
        self.material = material
        key = asn1_keys.PrivateKeyInfo.load(material.key_pkcs8)
        parsed = _certificates(material.certificate_der, material.ca_der)
        certificate, ca = parsed.certificate, parsed.ca
        self._signer = CachingSimpleSigner(certificate, key, cert_registry=SimpleCertificateStore.from_certs([ca]),
                                           kept=parsed.kept)
        # Parsed once per process, not per sheet (asn1crypto parsing is the expensive part, wbond/asn1crypto#249).
        self._dss_certs = [certificate, ca]
        self._dss_crls = [asn1_crl.CertificateList.load(material.crl_der)] if material.crl_der else []
        self._dss_cert_ders = [material.certificate_der, material.ca_der]
        self._dss_crl_ders = [material.crl_der] if material.crl_der else []

    @property
    def warm(self) -> bool:
        """Whether this process has signed with these certificates before (the CMS parts are kept)."""
        return bool(self._signer._signed_data_parts)

    def sign(self, pdf: bytes, files: list[Attachment], page: int, box: tuple[float, float, float, float],
             signed_at: datetime) -> bytes:
        """The signed PDF: ``files`` embedded, the signature field over the stamp in ``box`` on ``page`` (0-based)."""
        signed = sign_directly(pdf, self._signer, files, page, box, signed_at, field_name=FIELD_NAME,
                               name=self.material.name, reason=REASON, location=self.material.organization or None,
                               bytes_reserved=BYTES_RESERVED)
        if signed is None:
            signed = self._sign_with_pyhanko(pdf, files, page, box, signed_at)
        return self._with_validation_data(signed)

    def _sign_with_pyhanko(self, pdf: bytes, files: list[Attachment], page: int,
                           box: tuple[float, float, float, float], signed_at: datetime) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        for item in files:
            data = EmbeddedFileObject.from_file_data(
                writer, item.data, mime_type="application/json",
                params=EmbeddedFileParams(embed_checksum=False, creation_date=signed_at))
            embed_file(writer, FileSpec(item.name, file_name=item.name, embedded_data=data,
                                        description=item.description))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256", certify=True,
            docmdp_permissions=MDPPerm.NO_CHANGES, name=self.material.name, reason=REASON,
            location=self.material.organization or None,
        )
        field = SigFieldSpec(FIELD_NAME, on_page=page, box=tuple(round(v, 2) for v in box))  # type: ignore[arg-type]  # pyhanko takes float coordinates too
        pdf_signer = _TimedPdfSigner(meta, self._signer, stamp_style=EMPTY_APPEARANCE, new_field_spec=field,
                                     signing_time=signed_at)
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, bytes_reserved=BYTES_RESERVED, output=out)
        return out.getvalue()

    def _with_validation_data(self, signed: bytes) -> bytes:
        if not self._dss_crls:
            return signed
        appended = append_dss(signed, self._dss_cert_ders, self._dss_crl_ders)
        if appended is not None:
            return appended
        out = io.BytesIO(signed)
        add_validation_data(out, self._dss_certs, self._dss_crls)
        return out.getvalue()


def add_validation_data(pdf: io.BytesIO, certificates: list[asn1_x509.Certificate],
                        crls: list[asn1_crl.CertificateList]) -> None:
    """PAdES B-LT: the chain and the CA's CRL in the document security store, as an incremental update.

    Given directly rather than gathered by validating the chain: the export already knows them, and
    pyhanko-certvalidator would rebuild and re-parse the path for every sheet.
    """
    writer = IncrementalPdfFileWriter(pdf)
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=certificates, crls=crls)
    writer.write_in_place()
