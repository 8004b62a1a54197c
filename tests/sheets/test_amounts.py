"""大写金额: the cases from 《支付结算办法》 and the edges of 零, 角分 and 整."""

from decimal import Decimal

import pytest

from sheets.amounts import integer_words, rmb_uppercase


@pytest.mark.parametrize(("amount", "words"), [
    ("500000", "人民币伍拾万元整"),
    ("500000.00", "人民币伍拾万元整"),
    ("0", "人民币零元整"),
    ("10", "人民币壹拾元整"),
    ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
    ("1409.50", "人民币壹仟肆佰零玖元伍角整"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ("100.05", "人民币壹佰元零伍分"),
    ("0.50", "人民币伍角整"),
    ("0.05", "人民币伍分"),
    ("0.55", "人民币伍角伍分"),
    # 零 at a 万 boundary is optional; like the rules' own 壹拾万柒仟元 example, none is written.
    ("1004000", "人民币壹佰万肆仟元整"),
    ("1010", "人民币壹仟零壹拾元整"),
    ("100000000", "人民币壹亿元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("101000000", "人民币壹亿零壹佰万元整"),
    ("110000000", "人民币壹亿壹仟万元整"),
    ("100001000", "人民币壹亿零壹仟元整"),
    ("2000000000000", "人民币贰万亿元整"),
    ("9999999999999999.99", "人民币玖仟玖佰玖拾玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
])
def test_uppercase_amounts_follow_the_payment_rules(amount: str, words: str) -> None:
    assert rmb_uppercase(Decimal(amount)) == words


def test_a_run_of_zeros_inside_a_section_is_one_zero() -> None:
    assert integer_words(1001) == "壹仟零壹"
    assert integer_words(10001) == "壹万零壹"


@pytest.mark.parametrize("amount", ["-1", "0.001", "NaN", "Infinity", "10000000000000000"])
def test_amounts_that_cannot_be_written_are_refused(amount: str) -> None:
    with pytest.raises(ValueError):
        rmb_uppercase(Decimal(amount))
