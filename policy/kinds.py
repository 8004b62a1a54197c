"""Kinds of award rule, each one object: its numbers, inputs, computation, summary, maximum and labels.

A kind is registered once (:func:`register`); the loader checks items against
its numbers, the engine computes with it, the checks know which intake columns
it reads, and the calculator and the policy browser describe it from its
summary. Adding a kind is one module that registers it, plus its items' data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policy.application import Application
    from policy.catalog import AwardItem, Policy
    from policy.rules import RuleResult

Compute = Callable[["AwardItem", "Application", "Policy", Decimal], "RuleResult"]
Summary = Callable[["AwardItem", "Policy", Mapping[str, str]], str]


@dataclass(frozen=True)
class RuleKind:
    """One kind of rule.

    ``numbers`` maps each number an item of this kind must carry to its label;
    ``inputs`` are the intake fields the computation reads; ``summary`` states the
    rule in one line from the numbers as the clause writes them; ``maximum`` names
    the number that bounds one application's award (None: no amount, a referral).
    ``compute`` is None only for a kind decided under another policy.
    """

    name: str
    label: str
    numbers: Mapping[str, str]
    summary: Summary
    compute: Compute | None = None
    inputs: frozenset[str] = frozenset()
    maximum: str | None = None
    maximum_label: str = ""
    """How the calculator shows the maximum (``每种``: per product); "" when plain."""
    ceiling: str | None = None
    """The number that bounds all of one enterprise's awards of the item (单户最高), if any."""
    per_person: bool = False
    """Awards go to a person through the enterprise: two claims ask whether it is the same person,
    at either level, instead of whether the levels top each other up."""
    repeat_question: str = ""
    """What a reviewer must settle when the enterprise claims the item again ("" for the default).

    Given, it also makes a repeat claim of an item that is neither one-off nor dated a question
    (人才飞地: the text says neither 一次性 nor whether one enclave may be rewarded again)."""
    quote_says: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Words each number's quote must hold for the rule to be the clause's (最高 for an amount at most)."""
    never_says: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Words neither a number's quote nor the item's sentence may hold (最高 for a set amount)."""


_KINDS: dict[str, RuleKind] = {}


def register(kind: RuleKind) -> RuleKind:
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Tests add toy kinds; they take them out again."""
    _KINDS.pop(name, None)


def rule_kinds() -> Mapping[str, RuleKind]:
    """Every registered kind, by name (the built-in ones registered by :mod:`policy.rules`)."""
    if "cap" not in _KINDS:
        import policy.rules  # noqa: F401 - registers the built-in kinds
    return _KINDS


class KindLabels(Mapping[str, str]):
    """kind name → label, always current with the registry."""

    def __getitem__(self, key: str) -> str:
        return rule_kinds()[key].label

    def __iter__(self) -> Iterator[str]:
        return iter(rule_kinds())

    def __len__(self) -> int:
        return len(rule_kinds())


class NumberLabels(Mapping[str, str]):
    """number name → label, over every registered kind."""

    def _all(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for kind in rule_kinds().values():
            labels.update(kind.numbers)
        return labels

    def __getitem__(self, key: str) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class NumbersByKind(Mapping[str, frozenset[str]]):
    """kind name → the numbers its items must carry, always current with the registry."""

    def __getitem__(self, key: str) -> frozenset[str]:
        return frozenset(rule_kinds()[key].numbers)

    def __iter__(self) -> Iterator[str]:
        return iter(rule_kinds())

    def __len__(self) -> int:
        return len(rule_kinds())


def summarise(item: AwardItem, policy: Policy) -> str:
    """The item's rule in one line of plain Chinese, numbers as the clause writes them."""
    written = {name: f"{number.value}{number.unit}" for name, number in item.numbers.items()}
    return rule_kinds()[item.kind].summary(item, policy, written)


def most_yuan(item: AwardItem) -> Decimal | None:
    """The most the rule gives one application, in 元 (per product, or the ceiling's room); None for referrals."""
    name = rule_kinds()[item.kind].maximum
    if name is None:
        return None
    number = item.numbers[name]
    return number.value * 10000 if number.unit.startswith("万") else number.value
