"""How money reads on screen: 万元 with exactly two decimals (the sheets keep 元, to the 分)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT_OF_WAN = Decimal("0.01")


def wan_text(yuan: Decimal) -> str:
    """``603751.25`` 元 → ``60.38万元``."""
    return f"{yuan.scaleb(-4).quantize(CENT_OF_WAN, rounding=ROUND_HALF_UP):f}万元"
