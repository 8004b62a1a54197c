"""Canonical record bytes, record signatures, and PDF signing with reviewer certificates."""

from __future__ import annotations

import json
from datetime import date, datetime, UTC
from decimal import Decimal
from io import BytesIO

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from models.signing.ca import CaBundle, create_ca, issue_reviewer
from models.signing.signatures import canonical_bytes, sign_record, verify_record

RECORD = {
    "申请编号": "LC-2025-0001",
    "企业": "聊城市某某机械有限公司",
    "奖励金额": Decimal("1250000.00"),
    "审核日期": date(2025, 3, 1),
    "签署时间": datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    "条款": ["第三条", "第五条"],
    "通过": True,
    "序号": 7,
    "备注": None,
}


@pytest.fixture(scope="module")
def ca() -> CaBundle:
    return create_ca()


@pytest.fixture(scope="module")
def reviewer(ca: CaBundle):
    return issue_reviewer(ca, "张三", "初审")


# --- canonical bytes --------------------------------------------------------


def test_canonical_bytes_shape():
    data = canonical_bytes({"b": Decimal("1.50"), "a": "聊城", "c": date(2025, 1, 2)})
    assert data == '{"a":"聊城","b":"1.50","c":"2025-01-02"}'.encode()


def test_canonical_bytes_ignore_dict_order():
    reordered = dict(reversed(list(RECORD.items())))
    assert canonical_bytes(reordered) == canonical_bytes(RECORD)
    nested_a = {"x": {"q": 1, "p": 2}}
    nested_b = {"x": {"p": 2, "q": 1}}
    assert canonical_bytes(nested_a) == canonical_bytes(nested_b)


def test_decimal_never_in_exponent_form():
    assert canonical_bytes({"v": Decimal("1E+3")}) == b'{"v":"1000"}'
    assert canonical_bytes({"v": Decimal("0.00000010")}) == b'{"v":"0.00000010"}'


@pytest.mark.parametrize(
    "record",
    [
        {"奖励金额": 1.5},
        {"nested": {"amount": 0.1}},
        {"list": [Decimal("1"), 2.0]},
        {"nan": Decimal("NaN")},
        {1: "int key"},
        {"set": {1, 2}},
        {"bytes": b"raw"},
    ],
)
def test_canonical_bytes_refuse(record):
    with pytest.raises(TypeError):
        canonical_bytes(record)


def test_float_refused_when_signing(reviewer):
    key, _ = reviewer
    with pytest.raises(TypeError, match="float"):
        sign_record(key, {"奖励金额": 100.0})


# --- record signatures ------------------------------------------------------


def test_signature_verifies(reviewer):
    key, cert = reviewer
    signature = sign_record(key, RECORD)
    assert verify_record(cert, RECORD, signature)
    assert verify_record(cert, dict(reversed(list(RECORD.items()))), signature)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("奖励金额", Decimal("1250000.01")),
        ("企业", "聊城市某某机械有限公司 "),
        ("通过", False),
        ("条款", ["第五条", "第三条"]),
        ("新字段", "x"),
    ],
)
def test_signature_fails_after_one_change(reviewer, field, value):
    key, cert = reviewer
    signature = sign_record(key, RECORD)
    assert not verify_record(cert, {**RECORD, field: value}, signature)


def test_signature_survives_storage_as_json(reviewer):
    """The stored record is canonical JSON; reading it back gives the same bytes."""
    key, cert = reviewer
    stored = canonical_bytes(RECORD).decode("utf-8")
    signature = sign_record(key, RECORD)
    assert canonical_bytes(json.loads(stored)) == stored.encode("utf-8")
    assert verify_record(cert, json.loads(stored), signature)


def test_unsignable_record_does_not_verify(reviewer):
    key, cert = reviewer
    signature = sign_record(key, {"奖励金额": Decimal("100")})
    assert not verify_record(cert, {"奖励金额": 100.0}, signature)


def test_signature_of_another_reviewer_fails(ca: CaBundle, reviewer):
    key, _ = reviewer
    _, other_cert = issue_reviewer(ca, "李四", "复核")
    assert not verify_record(other_cert, RECORD, sign_record(key, RECORD))


def test_garbage_signature_fails(reviewer):
    _, cert = reviewer
    assert not verify_record(cert, RECORD, b"")
    assert not verify_record(cert, RECORD, b"\x30\x06\x02\x01\x01\x02\x01\x01")


# --- PDF signing with pyHanko ----------------------------------------------


def _tiny_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "ReviewDesk signature test")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _sign_and_validate(key, cert, signer_roots, trust_roots):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(certificate):
        return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))

    signer = signers.SimpleSigner(
        signing_cert=asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in signer_roots]),
    )
    writer = IncrementalPdfFileWriter(BytesIO(_tiny_pdf()))
    signed = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="审核签名"), signer=signer)
    embedded = PdfFileReader(signed).embedded_signatures[0]
    context = ValidationContext(trust_roots=[asn1(c) for c in trust_roots], allow_fetching=False)
    return validate_pdf_signature(embedded, context)


def test_pdf_signed_with_reviewer_cert_validates_against_ca(ca: CaBundle, reviewer):
    key, cert = reviewer
    status = _sign_and_validate(key, cert, [ca.certificate], [ca.certificate])
    assert status.intact and status.valid
    assert status.trusted, status.pretty_print_details()
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "张三"


def test_pdf_signature_not_trusted_under_another_ca(ca: CaBundle, reviewer):
    key, cert = reviewer
    status = _sign_and_validate(key, cert, [ca.certificate], [create_ca().certificate])
    assert status.intact and status.valid
    assert not status.trusted
    assert not status.bottom_line
