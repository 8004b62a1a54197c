"""The verify's shortcuts decide exactly as the longer way did: the plain values of a signed application snapshot
are what reading back its canonical JSON gives, so ``changed_since_decided`` compares the same things; and the
quick conversion behind every canonical record refuses what it refused, saying where."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models.signing.signatures import canonical_bytes, plain_values


@pytest.mark.parametrize("record", [
    {"amount_yuan": Decimal("500000.00"), "scale": Decimal("1E+3"), "zero": Decimal("0.000")},
    {"when": date(2026, 1, 5), "at": datetime(2026, 1, 5, 9, 30, tzinfo=UTC), "none": None},
    {"name": "聊城𠮷祥堃犇䶮生物科技有限公司", "flags": ("一", "二"), "nested": {"b": [1, True, "x"], "a": {}}},
    {},
])
def test_plain_values_are_the_canonical_json_read_back(record: dict[str, object]) -> None:
    assert plain_values(record) == json.loads(canonical_bytes(record))


@pytest.mark.parametrize("record", [{"amount": 1.5}, {"amount": Decimal("NaN")}, {1: "key"}, {"x": object()}])
def test_plain_values_refuse_what_canonical_bytes_refuses(record: dict[object, object]) -> None:
    with pytest.raises(TypeError):
        canonical_bytes(record)  # type: ignore[arg-type]  # the wrong types on purpose
    with pytest.raises(TypeError):
        plain_values(record)  # type: ignore[arg-type]  # the wrong types on purpose


@pytest.mark.parametrize(("record", "message"), [
    ({"a": {"b": [1, {"c": 1.5}]}}, "record.a.b[1].c: float 1.5 refused; use Decimal for amounts"),
    ({"a": [Decimal("Infinity")]}, "record.a[0]: non-finite Decimal Decimal('Infinity') refused"),
    ({"a": {"b": {2: "x"}}}, "record.a.b: key 2 is not a str"),
    ({"a": (1, object())}, "record.a[1]: object cannot be signed"),
])
def test_a_refusal_still_says_where_the_value_sits(record: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError) as refused:
        canonical_bytes(record)
    assert str(refused.value) == message
