"""Canonical bytes of a record, and ECDSA signatures over them.

The canonical form is JSON with sorted keys, no whitespace and raw UTF-8.
Money must be ``Decimal`` (rendered as its fixed-point text, scale kept, so
quantize to 分 first); floats are refused so an amount never passes through
binary floating point. Dates and datetimes become ISO 8601 text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from models.pure_memo import PureMemo, input_digest

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

# The signature algorithm every signed record names under "alg" (a record without one is from before
# algorithms were named, and is this one). ECDSA P-256 with SHA-256 is what PDF viewers, pdfsig and pyHanko
# all verify; SM2 with SM3 (GB/T 39786 密评) would be a second identifier beside it, chosen per record.
ALGORITHM = "ECDSA-P256-SHA256"
KNOWN_ALGORITHMS = frozenset({ALGORITHM})


def algorithm_of(record: Mapping[str, Any]) -> str:
    """The record's "alg", or ECDSA-P256-SHA256 for records made before the field existed."""
    alg = record.get("alg", ALGORITHM) if isinstance(record, Mapping) else ALGORITHM
    return alg if isinstance(alg, str) else ""


def with_algorithm(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with ``"alg": ALGORITHM`` added, for the builders of signed records."""
    return {**record, "alg": ALGORITHM}


class _Unsignable(Exception):
    """Raised by :func:`_quick_plain` for anything :func:`_plain` refuses; :func:`_plain` then says where."""


def _quick_plain(value: Any) -> JsonValue:
    """:func:`_plain` without working out where each value sits (most of its cost): the same result, or
    :class:`_Unsignable` where :func:`_plain` raises."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # type: ignore[no-any-return]  # one of the JSON scalars
    if isinstance(value, (str, bool, int)):
        return value
    if kind is dict or isinstance(value, Mapping):
        plain: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unsignable
            plain[key] = _quick_plain(item)
        return plain
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_quick_plain(item) for item in value]
    raise _Unsignable  # floats, non-finite Decimals, other types


def _plain(value: Any, where: str) -> JsonValue:
    try:
        return _quick_plain(value)
    except _Unsignable:
        return _checked_plain(value, where)


def _checked_plain(value: Any, where: str) -> JsonValue:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        raise TypeError(f"{where}: float {value!r} refused; use Decimal for amounts")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"{where}: non-finite Decimal {value!r} refused")
        return format(value, "f")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        plain: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not a str")
            plain[key] = _checked_plain(item, f"{where}.{key}")
        return plain
    if isinstance(value, (list, tuple)):
        return [_checked_plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} cannot be signed")


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """Deterministic UTF-8 JSON of ``record``.

    Raises TypeError for floats, non-finite Decimals, non-str keys and any
    type other than str/int/bool/None/Decimal/date/datetime/list/tuple/Mapping.
    """
    if not isinstance(record, Mapping):
        raise TypeError("record must be a Mapping")
    text = json.dumps(
        _plain(record, "record"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return text.encode("utf-8")


def plain_values(record: Mapping[str, Any]) -> dict[str, JsonValue]:
    """``record`` as ``json.loads(canonical_bytes(record))`` gives it back, without writing and reading the JSON.

    Raises TypeError as canonical_bytes does.
    """
    if not isinstance(record, Mapping):
        raise TypeError("record must be a Mapping")
    plain = _plain(record, "record")
    assert isinstance(plain, dict)  # a Mapping's plain form
    return plain


def sign_record(key: ec.EllipticCurvePrivateKey, record: Mapping[str, Any]) -> bytes:
    """DER-encoded ECDSA/SHA-256 signature of ``canonical_bytes(record)``.

    Raises TypeError as canonical_bytes does.
    """
    return key.sign(canonical_bytes(record), ec.ECDSA(hashes.SHA256()))


def verify_record(certificate: x509.Certificate, record: Mapping[str, Any], signature: bytes) -> bool:
    """True when ``signature`` is the certificate key's signature of ``record``.

    Only the signature is checked; check the certificate itself with
    ``models.signing.ca.certificate_issued_by``. Never raises: a record that
    canonical_bytes refuses (e.g. a float) cannot have been signed, so it is False.
    """
    if algorithm_of(record) not in KNOWN_ALGORITHMS:
        return False
    try:
        return verify_bytes(certificate, canonical_bytes(record), signature)
    except TypeError:
        return False


@lru_cache(maxsize=256)
def _public_key(certificate: x509.Certificate) -> tuple[Any, bytes]:
    """The certificate's key, and its SubjectPublicKeyInfo DER (curve and point: what a signature check depends on)."""
    key = certificate.public_key()
    return key, key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def public_key_der(certificate: x509.Certificate) -> bytes:
    """The certificate's SubjectPublicKeyInfo DER: the key a memo of a signature check names."""
    return bytes(_public_key(certificate)[1])


# Each (key, signature, SHA-256 of the data) that verified: a pure check, so the same three verify again.
_VERIFIED: PureMemo[bool] = PureMemo()


def verify_bytes(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` is the certificate key's signature of ``data``, canonical bytes as stored.

    A success is remembered for exactly this key, signature and data (``models.pure_memo``): ``audit verify``
    checks every signed row before each export, and most are the ones it checked last time.
    """
    public_key, key_der = _public_key(certificate)
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    checked = None
    if isinstance(signature, bytes) and isinstance(data, bytes):
        checked = input_digest(key_der, signature, hashlib.sha256(data).digest())
        if _VERIFIED.get(checked):
            return True
    try:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    if checked is not None:
        _VERIFIED.put(checked, True)
    return True
