"""An amount as the workspace stores it: its plain digits, never an exponent, whatever its spelling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.workspace.records import money_text
from tests.policy.test_money_texts import SPELLINGS


@pytest.mark.parametrize("spelling", [*SPELLINGS, "1E-7", "0.0000001", "1E+10", "-2.5E+3", "0.000001"])
def test_a_stored_amount_is_its_plain_digits_for_each_spelling(spelling: str) -> None:
    """``records.money_text`` takes ``str``'s text only where it has no exponent: ``f"{amount:f}"`` always."""
    amount = Decimal(spelling)
    assert money_text(amount) == f"{amount:f}" and "E" not in str(money_text(amount))


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_stored_amount_is_its_plain_digits_for_any_decimal(amount: Decimal) -> None:
    assert money_text(amount) == f"{amount:f}"
