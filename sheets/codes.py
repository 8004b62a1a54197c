"""The sheet's verification code: 16 symbols such as ``7K3M-9QXP-2HD4-WA1C``.

Fifteen symbols are the first 75 bits of SHA-256 over the canonical sheet
record (which carries the decisions' signatures), in Crockford's base32; the
sixteenth is a check symbol over the fifteen, so a mistyped code is caught
before any lookup. Typing is forgiving: case, spaces and dashes do not matter,
and O reads as 0, I and L as 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from models.failures import ReviewDeskError
from models.signing import canonical_bytes

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 15
GROUP = 4
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " -\u2010\u2011\u2012\u2013\u2014\u2212\u3000_")


class BadCode(ReviewDeskError):
    """A typed verification code is malformed or fails its check symbol."""


def _base32(data: bytes, symbols: int) -> str:
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    return "".join(ALPHABET[(number >> (bits - 5 * (i + 1))) & 31] for i in range(symbols))


def _check_symbol(data_symbols: str) -> str:
    return _base32(hashlib.sha256(data_symbols.encode("ascii")).digest()[:1], 1)


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i:i + GROUP] for i in range(0, len(symbols), GROUP))


def verification_code(sheet_record: Mapping[str, Any]) -> str:
    """The grouped code of a sheet record (see ``sheets.content.sheet_record``)."""
    data = _base32(hashlib.sha256(canonical_bytes(sheet_record)).digest(), DATA_SYMBOLS)
    return _grouped(data + _check_symbol(data))


def normalise_code(typed: str) -> str:
    """The grouped code a person meant by ``typed``. Raises :class:`BadCode`."""
    symbols = typed.upper().translate(_IGNORED).translate(_LOOKALIKES)
    if len(symbols) != DATA_SYMBOLS + 1 or any(symbol not in ALPHABET for symbol in symbols):
        raise BadCode(f"校验码“{typed.strip()}”格式不对：应为 16 位字母数字，如 7K3M-9QXP-2HD4-WA1C")
    if _check_symbol(symbols[:DATA_SYMBOLS]) != symbols[DATA_SYMBOLS]:
        raise BadCode(f"校验码“{typed.strip()}”有误（校验位不符），请核对是否抄错")
    return _grouped(symbols)
