"""Runs the policy cases in ``cases/*.toml`` through the engine, one test per case."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from models.intake.uscc import uscc_check_char
from policy.application import Application
from policy.catalog import load_policy
from policy.engine import assess_batch
from policy.history import InMemoryHistory, PendingApplication, PriorAward

CASES_DIR = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "rows", "expect", "history", "pending"}
ROW_KEYS = {
    "item", "enterprise", "industry", "recognised_on", "year", "quantity", "total_wan",
    "equipment_wan", "grade", "funding_wan", "region", "performance", "requested_wan",
    "attachments", "county", "division",
}
EXPECT_KEYS = {"status", "cap_yuan", "recommended_yuan", "trace_contains", "flag_contains", "no_flag_contains"}
DEFAULT_INDUSTRY = {"bio.toml": "生物医药"}  # every other file: 纺织服装


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            params.append(pytest.param(path.name, case, id=case["name"]))
    return params


def _uscc_for(letter: str, division: str = "371500") -> str:
    """A valid 18-character code (GB 32100-2015) distinct per enterprise letter, registered in ``division``."""
    body = f"91{division}MA3C{ord(letter):04d}0"[:17]
    return body + uscc_check_char(body)


def _wan(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text) * 10000


def _application(raw: dict[str, str], index: int, industry: str) -> Application:
    assert set(raw) <= ROW_KEYS, f"unknown row keys {set(raw) - ROW_KEYS}"
    item = load_policy().resolve_item(raw["item"])
    assert item is not None, raw["item"]
    recognised = raw.get("recognised_on", "2023-09-01")
    return Application(
        application_id=f"SB{index:03d}",
        enterprise=f"企业{raw.get('enterprise', 'A')}",
        uscc=_uscc_for(raw.get("enterprise", "A"), raw.get("division", "371500")),
        county=raw.get("county", ""),
        industry=raw.get("industry", industry),
        item_id=item.id,
        recognised_on=date.fromisoformat(recognised) if recognised else None,
        application_year=int(raw.get("year", "2023")) if raw.get("year", "2023") else None,
        quantity=int(raw["quantity"]) if raw.get("quantity") else None,
        total_investment_yuan=_wan(raw.get("total_wan")),
        equipment_yuan=_wan(raw.get("equipment_wan")),
        land_efficiency=raw.get("grade") or None,
        superior_funding_yuan=_wan(raw.get("funding_wan")),
        enclave_region=raw.get("region") or None,
        performance=raw.get("performance") or None,
        requested_yuan=_wan(raw.get("requested_wan")),
        attachments=tuple(raw.get("attachments", [])),
        row=index + 2,
        item_text=raw["item"],
    )


def _history(case: dict[str, Any]) -> InMemoryHistory:
    awards: dict[str, list[PriorAward]] = {}
    for n, raw in enumerate(case.get("history", [])):
        item = load_policy().resolve_item(raw["item"])
        assert item is not None
        awards.setdefault(_uscc_for(raw["enterprise"]), []).append(
            PriorAward(item.id, _wan(raw["approved_wan"]) or Decimal(0), f"历史{n + 1}",
                       int(raw["year"]) if raw.get("year") else None)
        )
    pending: dict[str, list[PendingApplication]] = {}
    for n, raw in enumerate(case.get("pending", [])):
        item = load_policy().resolve_item(raw["item"])
        assert item is not None
        pending.setdefault(_uscc_for(raw["enterprise"]), []).append(
            PendingApplication(item.id, f"待审{n + 1}", _wan(raw.get("recommended_wan")) or Decimal(0), raw["state"])
        )
    return InMemoryHistory(awards, pending)


@pytest.mark.parametrize(("file_name", "case"), _cases())
def test_policy_case(file_name: str, case: dict[str, Any]) -> None:
    assert set(case) <= CASE_KEYS
    apps = [_application(raw, i, DEFAULT_INDUSTRY.get(file_name, "纺织服装")) for i, raw in enumerate(case["rows"])]
    results = assess_batch(apps, load_policy(), _history(case))
    assert len(results) == len(case["expect"])
    for result, expected in zip(results, case["expect"]):
        assert set(expected) <= EXPECT_KEYS
        shown = result.to_json()
        context = "\n".join([*shown["trace"], *shown["flags"]])
        assert shown["status"] == expected["status"], context
        if expected["status"] == "referral":
            assert shown["cap_yuan"] is None and shown["recommended_yuan"] is None
        if "cap_yuan" in expected:
            assert shown["cap_yuan"] == expected["cap_yuan"], context
        if "recommended_yuan" in expected:
            assert shown["recommended_yuan"] == expected["recommended_yuan"], context
        if "trace_contains" in expected:
            assert any(expected["trace_contains"] in line for line in shown["trace"]), context
        if "flag_contains" in expected:
            assert any(expected["flag_contains"] in line for line in shown["flags"]), context
        if "no_flag_contains" in expected:
            assert not any(expected["no_flag_contains"] in line for line in shown["flags"]), context


def test_every_award_item_has_a_case() -> None:
    policy = load_policy()
    named = set()
    for _, case in (p.values for p in _cases()):
        for raw in case["rows"]:
            named.add(policy.resolve_item(raw["item"]).id)
    assert named == set(policy.items)
