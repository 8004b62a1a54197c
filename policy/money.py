"""Money in 元 as Decimal; 万元 only for display and the intake template."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")
YUAN_PER_WAN = Decimal(10000)
ZERO = Decimal("0.00")


def wan_to_yuan(wan: Decimal) -> Decimal:
    return (wan * YUAN_PER_WAN).quantize(FEN)


def floor_to_fen(yuan: Decimal) -> Decimal:
    """不超过: a cap never rounds up past what the rule allows."""
    return yuan.quantize(FEN, rounding=ROUND_DOWN)


# Both texts are remembered by the amount's own text, which is cheaper to hash than the Decimal (its hash takes a
# modular inverse for every fraction: a microsecond) and tells apart what equality does not (0.00 and -0.00).
_yuan_texts: dict[str, str] = {}


def yuan_text(yuan: Decimal) -> str:
    """``500000.00`` — the form used in JSON and on the sheet's figures."""
    key = str(yuan)
    text = _yuan_texts.get(key)
    if text is None:
        text = f"{yuan.quantize(FEN):f}"
        if len(_yuan_texts) > 100_000:
            _yuan_texts.clear()
        _yuan_texts[key] = text
    return text


_wan_texts: dict[str, str] = {}


def wan_text(yuan: Decimal) -> str:
    """``60.00万元``; more decimals only when the amount needs them."""
    key = str(yuan)
    text = _wan_texts.get(key)
    if text is None:
        wan = yuan.scaleb(-4)
        shown = wan.quantize(FEN)
        if shown != wan:
            shown = wan.normalize()
        text = f"{shown:f}万元"
        if len(_wan_texts) > 100_000:
            _wan_texts.clear()
        _wan_texts[key] = text
    return text
