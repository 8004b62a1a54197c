"""The sheet's verification code, in Crockford's base32 (no I, L, O, U), grouped by four.

Current codes have 20 symbols, ``7K3M-9QXP-2HD4-WA1C-R8TE``: 19 symbols are
the first 95 bits of SHA-256 over the canonical sheet record (which carries the
decisions' signatures) and the 20th is a weighted check over GF(32). With
distinct non-zero weights, every single mistyped symbol and every swap of two
neighbours changes the weighted sum, so they are all caught before any lookup
(``tests/sheets/test_codes.py`` tries every one).

Sheets exported before that carry 16-symbol codes with a hash-based check
symbol; they are told apart by length and keep verifying.

Typing is forgiving: NFKC folds full-width input from a Chinese input method,
case, spaces and dashes do not matter, O reads as 0, I and L as 1, and the QR
code's text as a scanner types it (``REVIEWDESK-SHEET:申报编号:表号:校验码``) is
accepted as it is.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.failures import ReviewDeskError
from models.signing.signatures import canonical_bytes

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 19
LEGACY_DATA_SYMBOLS = 15
GROUP = 4
QR_PREFIX = "REVIEWDESK-SHEET:"
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " \t\r\n-\u2010\u2011\u2012\u2013\u2014\u2212\u3000_")
# GF(2^5) with the primitive polynomial x^5 + x^2 + 1: the powers of x run through all 31 non-zero elements.
_FIELD_POLY, _FIELD_BITS = 0b100101, 5


class BadCode(ReviewDeskError):
    """A typed verification code is malformed or fails its check symbol."""


@dataclass(frozen=True, slots=True)
class TypedCode:
    """What a person or a scanner typed: the grouped code, and the QR text's 申报编号 and 表号 when given."""

    code: str
    application_id: str = ""
    serial: str = ""

    @property
    def legacy(self) -> bool:
        return len(self.code.replace("-", "")) == LEGACY_DATA_SYMBOLS + 1


def _gf_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & (1 << _FIELD_BITS):
            a ^= _FIELD_POLY
    return product


def _gf_inverse(a: int) -> int:
    return next(b for b in range(1, 32) if _gf_mul(a, b) == 1)


def _weights(count: int) -> tuple[int, ...]:
    weights, power = [], 1
    for _ in range(count):
        weights.append(power)
        power = _gf_mul(power, 2)
    return tuple(weights)


WEIGHTS = _weights(DATA_SYMBOLS + 1)  # distinct and non-zero: 20 of the 31 powers of x
_CHECK_INVERSE = _gf_inverse(WEIGHTS[-1])


def weighted_sum(symbols: str) -> int:
    """Σ wᵢ·aᵢ over GF(32) for the symbols (data and check); 0 for a well-formed current code."""
    total = 0
    for weight, symbol in zip(WEIGHTS, symbols):
        total ^= _gf_mul(weight, ALPHABET.index(symbol))
    return total


def check_symbol(data_symbols: str) -> str:
    """The symbol that makes the weighted sum of ``data_symbols`` plus itself zero."""
    return ALPHABET[_gf_mul(weighted_sum(data_symbols), _CHECK_INVERSE)]


def _base32(data: bytes, symbols: int) -> str:
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    return "".join(ALPHABET[(number >> (bits - 5 * (i + 1))) & 31] for i in range(symbols))


def _legacy_check_symbol(data_symbols: str) -> str:
    return _base32(hashlib.sha256(data_symbols.encode("ascii")).digest()[:1], 1)


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i:i + GROUP] for i in range(0, len(symbols), GROUP))


def verification_code(sheet_record: Mapping[str, Any]) -> str:
    """The grouped 20-symbol code of a sheet record (see ``sheets.content.sheet_record``)."""
    return code_of_canonical(canonical_bytes(sheet_record))


def code_of_canonical(canonical: bytes) -> str:
    """:func:`verification_code` of the record whose canonical bytes are ``canonical``."""
    data = _base32(hashlib.sha256(canonical).digest(), DATA_SYMBOLS)
    return _grouped(data + check_symbol(data))


def legacy_verification_code(sheet_record: Mapping[str, Any]) -> str:
    """The 16-symbol code of sheets exported before the weighted check (format ``reviewdesk-sheet/1``)."""
    data = _base32(hashlib.sha256(canonical_bytes(sheet_record)).digest(), LEGACY_DATA_SYMBOLS)
    return _grouped(data + _legacy_check_symbol(data))


def read_code(typed: str) -> TypedCode:
    """The code a person or scanner meant by ``typed``. Raises :class:`BadCode`."""
    shown = typed.strip()
    text = unicodedata.normalize("NFKC", typed).strip()
    application_id = serial = ""
    if text.upper().startswith(QR_PREFIX):
        parts = text[len(QR_PREFIX):].split(":")
        if len(parts) < 3:
            raise BadCode(f"二维码内容“{shown}”不完整：应为 {QR_PREFIX}申报编号:表号:校验码")
        application_id, serial, text = ":".join(parts[:-2]).strip(), parts[-2].strip(), parts[-1]
    symbols = text.upper().translate(_IGNORED).translate(_LOOKALIKES)
    lengths = (DATA_SYMBOLS + 1, LEGACY_DATA_SYMBOLS + 1)
    if len(symbols) not in lengths or any(symbol not in ALPHABET for symbol in symbols):
        raise BadCode(f"校验码“{shown}”格式不对：应为 20 位字母数字，如 7K3M-9QXP-2HD4-WA1C-R8TE"
                      "（较早导出的审核表为 16 位）")
    if len(symbols) == DATA_SYMBOLS + 1:
        intact = weighted_sum(symbols) == 0
    else:
        intact = _legacy_check_symbol(symbols[:LEGACY_DATA_SYMBOLS]) == symbols[LEGACY_DATA_SYMBOLS]
    if not intact:
        raise BadCode(f"校验码“{shown}”有误（校验位不符），请核对是否抄错")
    return TypedCode(_grouped(symbols), application_id, serial)


def normalise_code(typed: str) -> str:
    """The grouped code a person meant by ``typed``. Raises :class:`BadCode`."""
    return read_code(typed).code
