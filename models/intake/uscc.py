"""统一社会信用代码 (GB 32100-2015) checks, including the embedded 组织机构代码 (GB 11714)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
USCC_LENGTH = 18

_USCC_VALUE = {char: value for value, char in enumerate(USCC_ALPHABET)}
# GB 11714 body characters are digits and upper-case letters A–Z valued 10–35.
_ORG_CODE_VALUE = {char: int(char, 36) for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}

_SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+$")
# Excel keeps 15 significant digits, so an 18-digit code typed as a number ends in 000.
_TRAILING_ZEROS = re.compile(r"^[0-9]+000$")

EXCEL_NUMBER_MESSAGE = (
    "统一社会信用代码被当成了数字（Excel 会转成科学计数法并丢掉末几位），原代码已无法还原；"
    "请把该列设置为“文本”格式后重新填写"
)


def uscc_check_char(first17: str) -> str:
    """The 18th character for a 17-character body (raises KeyError on bad characters)."""
    total = sum(_USCC_VALUE[char] * weight for char, weight in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th character of a GB 11714 组织机构代码 for its 8-character body."""
    total = sum(_ORG_CODE_VALUE[char] * weight for char, weight in zip(first8, ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def normalise_uscc(text: str) -> str:
    """Strip, turn full-width characters half-width, upper-case."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def looks_like_excel_number(text: str) -> bool:
    """True when the text is what Excel makes of an 18-character code it took for a number."""
    if _SCIENTIFIC.match(text):
        return True
    return bool(_TRAILING_ZEROS.match(text)) and not _check_char_is_right(text)


def _check_char_is_right(code: str) -> bool:
    try:
        return len(code) == USCC_LENGTH and uscc_check_char(code[:17]) == code[17]
    except KeyError:
        return False


def check_uscc(text: str) -> tuple[str, str | None, str | None]:
    """Validate one code.

    Returns ``(normalised, error, warning)``: ``error`` rejects the row,
    ``warning`` (a failing embedded 组织机构代码) only annotates it.
    """
    code = normalise_uscc(text)
    if not code:
        return code, "不能为空", None
    if looks_like_excel_number(code):
        return code, EXCEL_NUMBER_MESSAGE, None
    if len(code) != USCC_LENGTH:
        return code, f"应为18位，实为{len(code)}位：{code}", None
    bad_chars = sorted({char for char in code if char not in _USCC_VALUE}, key=code.index)
    if bad_chars:
        listed = "、".join(f"“{char}”" for char in bad_chars)
        return code, f"含无效字符 {listed}（统一社会信用代码不使用 I、O、Z、S、V）：{code}", None
    expected = uscc_check_char(code[:17])
    if expected != code[17]:
        return code, f"校验位错误：{code} 的第18位应为“{expected}”", None
    return code, None, org_code_warning(code)


def org_code_warning(code: str) -> str | None:
    """The warning for a valid 18-character code whose embedded 组织机构代码 fails GB 11714."""
    org_code = code[8:17]
    try:
        expected = org_code_check_char(org_code[:8])
    except KeyError:
        return f"统一社会信用代码 {code} 内含的组织机构代码 {org_code} 含非法字符，请核实"
    if expected != org_code[8]:
        return (
            f"统一社会信用代码 {code} 内含的组织机构代码 {org_code} 校验位应为“{expected}”，请核实"
        )
    return None


def uscc_failures(cells: Sequence[object]) -> list[int]:
    """Vectorised check of a whole column: indexes of the cells ``check_uscc`` must look at.

    Every other cell is already a normalised, valid code whose embedded
    组织机构代码 is valid too, so ``check_uscc`` would return it unchanged with
    neither error nor warning.
    """
    count = len(cells)
    if count == 0:
        return []
    texts: Sequence[str] = cells  # type: ignore[assignment]  # fast path: a non-text cell raises TypeError, handled below
    try:
        joined = "".join(texts)
    except TypeError:  # a number, date or None among the cells
        texts = [cell if isinstance(cell, str) else "" for cell in cells]
        joined = "".join(texts)
    if len(joined) != USCC_LENGTH * count or max(map(len, texts)) != USCC_LENGTH:
        # Stand-ins of the right length that fail, so that rows stay aligned.
        joined = "".join(text if len(text) == USCC_LENGTH else "_" * USCC_LENGTH for text in texts)
    # "replace" keeps one byte per character, so rows stay aligned; "?" then fails.
    raw = joined.encode("ascii", errors="replace")
    grid = np.frombuffer(raw, dtype=np.uint8).reshape(count, USCC_LENGTH)

    values = _USCC_LOOKUP.take(grid)
    uscc_ok = (31 - (values[:, :17] @ _USCC_WEIGHT_VECTOR) % 31) % 31 == values[:, 17]
    # Characters of a valid USCC are all valid 组织机构代码 characters too.
    org_values = _ORG_CODE_LOOKUP.take(grid[:, 8:16])
    org_expected = 11 - (org_values @ _ORG_CODE_WEIGHT_VECTOR) % 11  # 10 means "X", 11 means "0"
    org_ok = np.where(org_expected == 11, 0, org_expected) == _ORG_CHECK_LOOKUP.take(grid[:, 16])
    passes = uscc_ok & org_ok
    if raw.translate(None, _USCC_ALPHABET_BYTES):  # some character outside the alphabet
        passes &= (values >= 0).all(axis=1)
    return np.flatnonzero(~passes).tolist()


def _lookup_table(values: dict[str, int]) -> np.ndarray:
    """Byte value → character value, -1 for characters outside the alphabet.

    int16 is enough: the largest weighted sum is 30 × 305 for the USCC, 35 × 48 for the org code.
    """
    table = np.full(256, -1, dtype=np.int16)
    for char, value in values.items():
        table[ord(char)] = value
    return table


_USCC_ALPHABET_BYTES = USCC_ALPHABET.encode("ascii")
_USCC_LOOKUP = _lookup_table(_USCC_VALUE)
_ORG_CODE_LOOKUP = _lookup_table(_ORG_CODE_VALUE)
_ORG_CHECK_LOOKUP = _lookup_table({**{str(digit): digit for digit in range(10)}, "X": 10})
_USCC_WEIGHT_VECTOR = np.array(USCC_WEIGHTS, dtype=np.int16)
_ORG_CODE_WEIGHT_VECTOR = np.array(ORG_CODE_WEIGHTS, dtype=np.int16)
