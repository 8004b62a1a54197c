"""A toy kind of rule, as a new kind would be added: one module that registers it.

Rule in words: twice the item's amount for each unit of 数量 (one unit when blank).
"""

from __future__ import annotations

from decimal import Decimal

from policy.application import Application
from policy.catalog import AwardItem, Policy
from policy.kinds import RuleKind, register
from policy.money import YUAN_PER_WAN, wan_text
from policy.rules import RuleResult

NAME = "toy_double"


def double_amount(item: AwardItem, app: Application, policy: Policy, used: Decimal) -> RuleResult:
    number = item.numbers["amount"]
    total = number.value * YUAN_PER_WAN * 2 * (app.quantity or 1)
    return RuleResult(total, total, [f"依据“{number.quote}”，按示例规则加倍：{wan_text(total)}（{number.clause.ref}）"])


KIND = RuleKind(
    NAME, "示例：加倍奖励", {"amount": "奖励金额"},
    lambda item, policy, n: f"示例规则：每件 {n['amount']} × 2", double_amount,
    inputs=frozenset({"quantity"}), maximum="amount",
)


def install() -> RuleKind:
    return register(KIND)
