"""Money in Chinese uppercase (大写金额) as written on vouchers and official forms.

Rules (《支付结算办法》 practice): 壹拾 not 拾; one 零 for a run of zeros inside
the number, and for an empty 万/亿 section followed by a non-zero one; 零 between
元 and 角 when the 元 part ends in 0; 零 for a missing 角 before 分; 整 after 元 or
角, never after 分.
"""

from __future__ import annotations

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
SECTIONS = ("", "万", "亿", "万亿")
LIMIT = Decimal(10) ** 16


def _section_words(value: int) -> str:
    """1 to 9999, without a leading 零."""
    words: list[str] = []
    zero_pending = False
    for place, digit in zip(PLACES, f"{value:04d}"):
        if digit == "0":
            zero_pending = bool(words)
            continue
        if zero_pending:
            words.append("零")
            zero_pending = False
        words.append(DIGITS[int(digit)] + place)
    return "".join(words)


def integer_words(value: int) -> str:
    """The whole-元 part: ``100010000`` → ``壹亿零壹万``."""
    if value == 0:
        return "零"
    sections: list[int] = []
    while value:
        value, section = divmod(value, 10000)
        sections.append(section)
    words: list[str] = []
    zero_pending = False
    for index in reversed(range(len(sections))):
        section = sections[index]
        if section == 0:
            zero_pending = bool(words)
            continue
        if words and (zero_pending or section < 1000):
            words.append("零")
        words.append(_section_words(section) + SECTIONS[index])
        zero_pending = False
    return "".join(words)


def rmb_uppercase(amount: Decimal) -> str:
    """``Decimal("500000")`` → ``人民币伍拾万元整``.

    Raises ValueError for a negative or non-finite amount, one with digits
    below 分, or one of 1 万亿亿 (10^16) 元 or more.
    """
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"金额 {amount} 不能写成大写")
    fen_total = amount * 100
    if fen_total != fen_total.to_integral_value():
        raise ValueError(f"金额 {amount} 有分以下的位数，不能写成大写")
    if amount >= LIMIT:
        raise ValueError(f"金额 {amount} 过大，不能写成大写")
    yuan, cents = divmod(int(fen_total), 100)
    jiao, fen = divmod(cents, 10)
    if not cents:
        return f"人民币{integer_words(yuan)}元整"
    words = ["人民币"]
    if yuan:
        words.append(integer_words(yuan) + "元")
        if yuan % 10 == 0 or not jiao:
            words.append("零")
    if jiao:
        words.append(DIGITS[jiao] + "角")
    words.append(DIGITS[fen] + "分" if fen else "整")
    return "".join(words)
