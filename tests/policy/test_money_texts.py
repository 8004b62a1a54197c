"""The amounts' texts are remembered: what comes back the second time is what the formula writes, for every spelling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policy.money import FEN, wan_text, yuan_text

SPELLINGS = ["0", "0.00", "-0", "-0.00", "0E+3", "1E+2", "100", "100.0", "1.5", "1.50", "1.505", "1.515", "-1.5",
             "600000.00", "600000", "123456.78", "0.01", "0.005", "12345678.999", "10000000000.00"]


def _wan_formula(yuan: Decimal) -> str:
    wan = yuan.scaleb(-4)
    shown = wan.quantize(FEN)
    return f"{shown if shown == wan else wan.normalize():f}万元"


@pytest.mark.parametrize("order", [SPELLINGS, SPELLINGS[::-1]])
def test_a_remembered_text_is_the_formula_s_for_each_spelling_of_an_amount(order: list[str]) -> None:
    """0.00 and -0.00 are equal Decimals, as are 100 and 1E+2: each keeps its own text whichever came first."""
    for _ in range(2):  # the second round reads what the first remembered
        for spelling in order:
            amount = Decimal(spelling)
            assert yuan_text(amount) == f"{amount.quantize(FEN):f}", spelling
            assert wan_text(amount) == _wan_formula(amount), spelling
    assert yuan_text(Decimal("-0.00")) == "-0.00" and yuan_text(Decimal("0")) == "0.00"
    assert wan_text(Decimal("-0.00")) == "-0.00万元" and wan_text(Decimal("0")) == "0.00万元"
