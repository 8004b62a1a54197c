"""Encrypted reviewer keys, passphrase intake, the bureau CA and reviewer certificates."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, UTC
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PublicFormat,
    pkcs12,
)
from cryptography.x509.oid import NameOID

from models.signing.ca import (
    CA_COMMON_NAME,
    CA_ORGANIZATION,
    CaBundle,
    cert_from_pem,
    cert_to_pem,
    certificate_issued_by,
    common_name,
    create_ca,
    fingerprint,
    issue_reviewer,
    load_ca_p12,
)
from models.signing.keys import (
    KdfParams,
    KeyFileError,
    PassphraseError,
    WrongPassphrase,
    check_passphrase,
    check_passphrase_text,
    decrypt_private_key,
    encrypt_private_key,
    read_passphrase_file,
)

CHEAP = KdfParams.cheap_for_tests()
OWNER = "张三"


@pytest.fixture(scope="module")
def ca() -> CaBundle:
    return create_ca()


@pytest.fixture(scope="module")
def reviewer(ca: CaBundle) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    return issue_reviewer(ca, "张三", "复核")


def public_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def encrypted(passphrase: str = "正确口令 1") -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, encrypt_private_key(key, passphrase, CHEAP, associated=OWNER)


# --- encrypted keys ---------------------------------------------------------


def test_round_trip():
    key, blob = encrypted()
    again = decrypt_private_key(blob, "正确口令 1", associated=OWNER)
    assert public_der(again) == public_der(key)


def test_wrong_passphrase_refused():
    _, blob = encrypted()
    with pytest.raises(WrongPassphrase) as caught:
        decrypt_private_key(blob, "正确口令 2", associated=OWNER)
    assert str(caught.value) == "口令错误，无法解锁审核员密钥"


def test_empty_passphrase_refused_on_both_sides():
    key, blob = encrypted()
    with pytest.raises(PassphraseError):
        encrypt_private_key(key, "  ", CHEAP, associated=OWNER)
    with pytest.raises(PassphraseError):
        decrypt_private_key(blob, "", associated=OWNER)


def test_blob_carries_its_kdf_params():
    _, blob = encrypted()
    data = json.loads(blob)
    assert data["kdf"]["name"] == "scrypt"
    assert (data["kdf"]["n"], data["kdf"]["r"], data["kdf"]["p"]) == (CHEAP.n, CHEAP.r, CHEAP.p)
    assert len(data["kdf"]["salt"]) > 0 and "PRIVATE" not in blob.decode()
    # no params passed: they come from the blob (the default n would be far slower)
    decrypt_private_key(blob, "正确口令 1", associated=OWNER)


def test_default_params_are_strong():
    assert KdfParams() == KdfParams(n=2**17, r=8, p=1)


def test_same_key_encrypts_differently_each_time():
    key, blob = encrypted()
    other = encrypt_private_key(key, "正确口令 1", CHEAP, associated=OWNER)
    assert json.loads(blob)["ciphertext"] != json.loads(other)["ciphertext"]


def _edit(blob: bytes, **changes: object) -> bytes:
    data = json.loads(blob)
    data.update(changes)
    return json.dumps(data).encode()


def test_one_flipped_ciphertext_byte_refused():
    import base64

    _, blob = encrypted()
    raw = bytearray(base64.b64decode(json.loads(blob)["ciphertext"]))
    raw[10] ^= 0x01
    tampered = _edit(blob, ciphertext=base64.b64encode(bytes(raw)).decode())
    with pytest.raises(KeyFileError, match="篡改"):
        decrypt_private_key(tampered, "正确口令 1", associated=OWNER)


def test_blob_of_another_reviewer_refused():
    _, blob = encrypted()
    with pytest.raises(KeyFileError, match="张三"):
        decrypt_private_key(blob, "正确口令 1", associated="李四")


def test_relabelled_blob_refused():
    """Editing the stored owner to match does not help: it is in the GCM associated data."""
    _, blob = encrypted()
    relabelled = _edit(blob, associated="李四")
    with pytest.raises(KeyFileError, match="篡改"):
        decrypt_private_key(relabelled, "正确口令 1", associated="李四")


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\xff\xfe",
        b"[]",
        b'{"format": "something-else"}',
    ],
)
def test_not_a_key_blob(blob: bytes):
    with pytest.raises(KeyFileError):
        decrypt_private_key(blob, "正确口令 1", associated=OWNER)


def test_hostile_kdf_params_refused_before_deriving():
    _, blob = encrypted()
    data = json.loads(blob)
    data["kdf"]["n"] = 2**24
    with pytest.raises(KeyFileError, match="过大"):
        decrypt_private_key(json.dumps(data).encode(), "正确口令 1", associated=OWNER)


def test_unicode_normalisation_of_passphrase():
    key = ec.generate_private_key(ec.SECP256R1())
    blob = encrypt_private_key(key, "cafe\u0301", CHEAP, associated=OWNER)  # decomposed é
    decrypt_private_key(blob, "caf\u00e9", associated=OWNER)


# --- passphrase intake ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"secret\n", "secret"),
        (b"secret\r\n", "secret"),
        (b"secret\n\n", "secret\n"),
        (b" secret ", " secret "),
        ("口令".encode() + b"\n", "口令"),
        (b"\xef\xbb\xbfsecret\r\n", "secret"),
    ],
)
def test_passphrase_file_strips_one_newline(tmp_path: Path, raw: bytes, expected: str):
    path = tmp_path / "pass.txt"
    path.write_bytes(raw)
    assert read_passphrase_file(path) == expected
    assert check_passphrase(raw) == expected


def _file_error(path: Path) -> str:
    with pytest.raises(PassphraseError) as caught:
        read_passphrase_file(path)
    return str(caught.value)


def test_passphrase_file_errors_are_distinct(tmp_path: Path):
    missing = _file_error(tmp_path / "nope.txt")
    (tmp_path / "empty.txt").write_bytes(b"\n")
    empty = _file_error(tmp_path / "empty.txt")
    (tmp_path / "gbk.txt").write_bytes("口令".encode("gbk"))
    not_utf8 = _file_error(tmp_path / "gbk.txt")
    unreadable = _file_error(tmp_path)  # a directory
    (tmp_path / "big.bin").write_bytes(b"x" * 5000)
    too_big = _file_error(tmp_path / "big.bin")

    assert "不存在" in missing
    assert "为空" in empty
    assert "UTF-8" in not_utf8
    assert "无法读取" in unreadable
    assert "过大" in too_big
    assert len({missing, empty, not_utf8, unreadable, too_big}) == 5


def test_check_passphrase_rules():
    with pytest.raises(PassphraseError, match="为空"):
        check_passphrase(b"")
    with pytest.raises(PassphraseError, match="UTF-8"):
        check_passphrase(b"\xb8\xdf")
    with pytest.raises(PassphraseError, match="为空"):
        check_passphrase_text(" \u3000")
    assert check_passphrase_text("口令") == "口令"


# --- CA and reviewer certificates -------------------------------------------


def test_ca_certificate(ca: CaBundle):
    cert = ca.certificate
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == CA_COMMON_NAME
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == CA_ORGANIZATION
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert isinstance(ca.key, ec.EllipticCurvePrivateKey) and ca.key.curve.name == "secp256r1"
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365.25
    assert 9.99 < years < 10.01
    cert.verify_directly_issued_by(cert)  # self-signed


def test_reviewer_certificate(ca: CaBundle, reviewer):
    key, cert = reviewer
    assert common_name(cert) == "张三"
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "复核"
    assert "张三" in cert.subject.rfc4514_string()
    assert public_der(key) == cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365.25
    assert 4.99 < years < 5.01


def test_serials_are_random(ca: CaBundle):
    serials = {issue_reviewer(ca, "李四", "初审")[1].serial_number for _ in range(3)}
    assert len(serials) == 3 and all(s.bit_length() > 64 for s in serials)


def test_bad_reviewer_input(ca: CaBundle):
    with pytest.raises(ValueError, match="角色"):
        issue_reviewer(ca, "张三", "局长")
    with pytest.raises(ValueError, match="姓名"):
        issue_reviewer(ca, " ", "初审")


def test_reviewer_chains_to_its_ca_only(ca: CaBundle, reviewer):
    _, cert = reviewer
    assert certificate_issued_by(cert, ca.certificate)
    other = create_ca()
    assert not certificate_issued_by(cert, other.certificate)
    # a CA with the very same name but another key is still refused
    twin = create_ca(CA_COMMON_NAME, CA_ORGANIZATION)
    assert twin.certificate.subject == ca.certificate.subject
    assert not certificate_issued_by(cert, twin.certificate)
    # a reviewer certificate is not a CA
    _, other_cert = issue_reviewer(ca, "李四", "初审")
    assert not certificate_issued_by(other_cert, cert)


def test_validity_window(ca: CaBundle):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    _, cert = issue_reviewer(ca, "王五", "负责人", now=start)
    assert not certificate_issued_by(cert, ca.certificate, at=start - timedelta(days=1))
    assert not certificate_issued_by(cert, ca.certificate, at=start + timedelta(days=6 * 365))


def test_reviewer_validity_capped_by_ca():
    old = create_ca(now=datetime.now(UTC) - timedelta(days=9 * 365))
    _, cert = issue_reviewer(old, "赵六", "初审")
    assert cert.not_valid_after_utc == old.certificate.not_valid_after_utc


def test_pem_and_fingerprint(reviewer):
    _, cert = reviewer
    pem = cert_to_pem(cert)
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert cert_from_pem(pem) == cert
    assert fingerprint(cert_from_pem(pem.encode())) == fingerprint(cert)
    assert len(fingerprint(cert)) == 64 and int(fingerprint(cert), 16) >= 0
    with pytest.raises(KeyFileError):
        cert_from_pem("not a certificate")


def test_ca_private_key_can_be_stored_encrypted(ca: CaBundle):
    blob = encrypt_private_key(ca.key, "局口令", CHEAP, associated="CA")
    assert public_der(decrypt_private_key(blob, "局口令", associated="CA")) == public_der(ca.key)


# --- PKCS#12 import ---------------------------------------------------------


def _p12(key, cert, password: bytes | None, others: list[x509.Certificate] | None = None) -> bytes:
    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"ca", key, cert, others, encryption)


def test_p12_round_trip(ca: CaBundle):
    loaded = load_ca_p12(_p12(ca.key, ca.certificate, b"p12-pass"), b"p12-pass")
    assert loaded.certificate == ca.certificate
    assert public_der(loaded.key) == public_der(ca.key)
    _, cert = issue_reviewer(loaded, "张三", "初审")
    assert certificate_issued_by(cert, ca.certificate)


def test_p12_without_password(ca: CaBundle):
    loaded = load_ca_p12(_p12(ca.key, ca.certificate, None), None)
    assert loaded.certificate == ca.certificate


def test_p12_wrong_password(ca: CaBundle):
    data = _p12(ca.key, ca.certificate, b"p12-pass")
    for password in (b"wrong", None, b""):
        with pytest.raises(WrongPassphrase, match="口令错误"):
            load_ca_p12(data, password)


@pytest.mark.parametrize("data", [b"", b"hello", b"-----BEGIN CERTIFICATE-----\n"])
def test_not_a_p12(data: bytes):
    with pytest.raises(KeyFileError, match="PKCS#12"):
        load_ca_p12(data, b"x")


def test_truncated_p12_is_not_a_p12(ca: CaBundle):
    with pytest.raises(KeyFileError, match="PKCS#12"):
        load_ca_p12(_p12(ca.key, ca.certificate, b"p")[:-7], b"p")


def test_p12_of_a_reviewer_is_not_a_ca(reviewer):
    key, cert = reviewer
    with pytest.raises(KeyFileError, match="不是 CA"):
        load_ca_p12(_p12(key, cert, b"pw"), b"pw")


def test_p12_certificate_found_among_the_others(ca: CaBundle):
    other = create_ca().certificate
    data = _p12(ca.key, None, b"pw", [other, ca.certificate])
    assert load_ca_p12(data, b"pw").certificate == ca.certificate


def test_p12_key_must_match(ca: CaBundle):
    stranger = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(KeyFileError, match="不匹配"):
        load_ca_p12(_p12(stranger, None, b"pw", [ca.certificate]), b"pw")


def test_p12_without_certificate():
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(KeyFileError, match="没有证书"):
        load_ca_p12(_p12(key, None, b"pw"), b"pw")


def test_expired_ca_refused():
    old = create_ca(now=datetime.now(UTC) - timedelta(days=11 * 365))
    with pytest.raises(KeyFileError, match="过期"):
        load_ca_p12(_p12(old.key, old.certificate, b"pw"), b"pw")
