"""Checks that need a person's word whatever the item's rule: each returns flags in plain Chinese."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from operator import attrgetter
from typing import Any

from policy.application import Application
from policy.catalog import AwardItem, Policy
from policy.divisions import COUNTY, DivisionTable, load_divisions
from policy.kinds import rule_kinds
from policy.names import normalise_name

INPUT_HEADERS = {
    "quantity": "数量",
    "total_investment_yuan": "总投资额(万元)",
    "equipment_yuan": "设备购置额(万元)",
    "land_efficiency": "亩产效益评价",
    "superior_funding_yuan": "上级资助金额(万元)",
    "enclave_region": "飞地所在地区",
    "performance": "绩效评估",
}


def ignored_input_flags(item: AwardItem, app: Application) -> list[str]:
    """A filled column the item's rule does not read: perhaps the wrong item was chosen."""
    kind = rule_kinds()[item.kind]
    if kind.compute is None:
        return []
    unread, values_of = _unread_inputs(kind.inputs)
    values = values_of(app)
    if values.count(None) == len(unread):  # the usual case: every column the rule ignores is blank
        return []
    return [f"填写了“{header}”，但{item.name}不按此计算，请核实申报事项是否选对（{item.ref}）"
            for (_, header), value in zip(unread, values) if value not in (None, "")]


@lru_cache(maxsize=64)
def _unread_inputs(used: frozenset[str]) -> tuple[tuple[tuple[str, str], ...], Callable[[Application], tuple[Any, ...]]]:
    """The intake columns (field, header) a rule reading ``used`` ignores, in the template's order, and a function
    giving an application's values of them as a tuple."""
    unread = tuple((field, header) for field, header in INPUT_HEADERS.items() if field not in used)
    if not unread:
        return unread, lambda app: ()
    getter = attrgetter(*(field for field, _ in unread))
    if len(unread) == 1:
        return unread, lambda app: (getter(app),)
    return unread, getter


def alias_flags(item: AwardItem, app: Application, policy: Policy) -> list[str]:
    """申报事项 written as an alias that could name more than the item (主持制定地方标准 → 山东省地方标准)."""
    if not app.item_text or not policy.is_broader_alias(app.item_text):
        return []
    return [f"申报事项写作“{app.item_text}”，其含义可能宽于“{item.name}”，"
            f"请核实是否符合“{item.sentence}”（{item.ref}）"]


def proof_flags(item: AwardItem, app: Application) -> list[str]:
    """The item's condition needs a document (驰名商标: 行政认定) and no attachment is named for it."""
    if not item.proof or any(item.proof in name for name in app.attachments):
        return []
    return [f"附件中未见“{item.proof}”的证明材料，本条款只奖励“{item.proof}”的情形，请核实（{item.ref}）"]


def county_flags(app: Application, policy: Policy) -> list[str]:
    """所属县区 against the registering authority's division in the 统一社会信用代码 (characters 3–8).

    A code registered at city level (``371500``) fits any county of the city, and
    an applicant in a development zone may carry any code of the city.
    """
    if not app.county or not policy.home_city:
        return []
    code = app.uscc[2:8]
    if len(code) != 6 or not code.isdigit():
        return []
    problem = _county_problem(app.county, code, policy.home_city, policy.development_zones)
    return [problem] if problem else []


@lru_cache(maxsize=8192)
def _county_problem(declared_text: str, code: str, home_city: str, zones: tuple[str, ...]) -> str:
    table = load_divisions()
    city = next(d for d in table.named(home_city) if d.name == home_city)
    county = normalise_name(declared_text).removeprefix(normalise_name(city.name)).removeprefix(city.short)
    in_city = code[:4] == city.code[:4]
    if county in zones:
        return "" if in_city else _county_flag(declared_text, code, table, f"不在{city.name}")
    declared = [d for d in table.named(county) if d.level == COUNTY and d.city == city.code]
    if not declared:
        return f"所属县区“{declared_text}”不是{city.name}的县（市、区）或开发区，请核实"
    if in_city and (code[4:] in ("00", "01") or code[4] == "7"):
        return ""  # registered at city level, or by a development zone
    registered = table.by_code.get(code)
    if registered is not None and any(d.code == code for d in declared):
        return ""
    if registered is not None and registered.level == COUNTY and registered.city == city.code:
        if {d.name for d in declared} & {registered.name, registered.short} or _same_county(
                registered.name, declared[0].name):
            return ""
        return _county_flag(declared_text, code, table, f"属{registered.name}")
    return _county_flag(declared_text, code, table, f"不在{city.name}")


def _same_county(a: str, b: str) -> bool:
    """茌平县 and 茌平区: the same county renamed keeps its old code in old registrations."""
    return a[:-1] == b[:-1] and len(a) > 2


def _county_flag(declared_text: str, code: str, table: DivisionTable, where: str) -> str:
    known = table.by_code.get(code)
    name = f"（{known.name}）" if known else ""
    return (f"统一社会信用代码第3–8位登记管理机关行政区划码 {code}{name}{where}，"
            f"与所属县区“{declared_text}”不一致，请核实")
