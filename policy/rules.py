"""The built-in kinds of award rule: one small function each, registered with its numbers and summary.

Each function takes the item, the application and what the enterprise already
uses of a ceiling, and returns the uncapped amount, the cap, and why. Every
number comes from the item's data, which cites its clause; none is written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from policy.application import Application
from policy.catalog import AwardItem, Number, Policy
from policy.money import YUAN_PER_WAN, ZERO, floor_to_fen, wan_text
from policy.kinds import RuleKind, register
from policy.regions import Placement, place

HUNDRED = Decimal(100)


@dataclass(slots=True)
class RuleResult:
    uncapped: Decimal | None
    cap: Decimal | None
    trace: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    ineligible: list[str] = field(default_factory=list)
    over_ceiling: list[str] = field(default_factory=list)
    """Why nothing is left under the enterprise ceiling: ineligible, unless the room went to other years."""


def _wan_number(item: AwardItem, name: str) -> Decimal:
    return item.numbers[name].value * YUAN_PER_WAN


def _as_written(number: Number) -> str:
    """The number as the clause writes it: ``200万元``, ``10%``."""
    return f"{number.value}{number.unit}"


def _region_names(policy: Policy) -> str:
    return "、".join(region.name for region in policy.regions.regions)


def capped_amount(item: AwardItem, app: Application, policy: Policy, used: Decimal) -> RuleResult:
    """An amount "at most": the item's amount is the cap; the reviewer may grant less. One shared result."""
    return _amount_result(item, "最高")


def fixed_amount(item: AwardItem, app: Application, policy: Policy, used: Decimal) -> RuleResult:
    """A set amount: the item's amount when eligible. One shared result, unless less is asked for."""
    result = _amount_result(item, "奖励")
    short = _less_than_set_amount(item, app)
    return RuleResult(result.uncapped, result.cap, list(result.trace), short) if short else result


def _less_than_set_amount(item: AwardItem, app: Application) -> list[str]:
    """一次性奖励50万元 is not 最高50万元: asking for less is a question, not a smaller award."""
    number = item.numbers["amount"]
    amount = _wan_number(item, "amount")
    if app.requested_yuan is None or app.requested_yuan >= amount:
        return []
    return [f"申请金额 {wan_text(app.requested_yuan)}少于“{number.quote}”的定额 {wan_text(amount)}，"
            f"原文为定额奖励而非最高限额，请核实（{number.clause.ref}）"]


@cache
def _amount_result(item: AwardItem, verb: str) -> RuleResult:
    number = item.numbers["amount"]
    amount = _wan_number(item, "amount")
    return RuleResult(amount, amount, [f"依据“{number.quote}”，{item.name}{verb}{wan_text(amount)}（{number.clause.ref}）"])


def per_unit_amount(item: AwardItem, app: Application, policy: Policy, used: Decimal) -> RuleResult:
    """So much per product (brand): the number of products times the amount for each."""
    number = item.numbers["per_unit"]
    each = _wan_number(item, "per_unit")
    result = RuleResult(None, None)
    quantity = app.quantity
    if quantity is None:
        quantity = 1
        result.flags.append(f"数量未填写，按1种产品（品牌）计算上限，请核实入选的产品数量（{number.clause.ref}）")
    total = floor_to_fen(each * quantity)
    result.uncapped = result.cap = total
    result.trace.append(
        f"依据“{number.quote}”：{quantity}种 × 最高{wan_text(each)} = {wan_text(total)}（{number.clause.ref}）"
    )
    return result


def tech_transform_amount(item: AwardItem, app: Application, policy: Policy, used: Decimal) -> RuleResult:
    """A share of the equipment (and software) bought, for a project above an investment threshold.

    The share depends on the enterprise's 亩产效益 grade (the rates with a
    ``grade``, else the general rate); the enterprise as a whole has a ceiling,
    and ``used`` is what it already has against it: final approvals in the
    workspace plus the recommended amounts of rows above.
    """
    threshold = item.numbers["min_total_investment"]
    ceiling = item.numbers["enterprise_cap"]
    ref = item.clause.ref
    result = RuleResult(None, None)

    total = app.total_investment_yuan
    minimum = _wan_number(item, "min_total_investment")
    if total is None:
        result.flags.append(f"总投资额未填写，无法确认是否达到“{threshold.quote}”（{ref}）")
    elif total < minimum:
        result.ineligible.append(f"计划总投资 {wan_text(total)} 不足{_as_written(threshold)}，不符合“{threshold.quote}”（{ref}）")
    else:
        result.trace.append(f"计划总投资 {wan_text(total)}，符合“{threshold.quote}”（{ref}）")

    grade = app.land_efficiency
    rate_number = next((n for n in item.numbers.values() if grade and n.grade == grade), item.numbers["rate"])
    rate = rate_number.value
    grade_label = f"亩产效益{grade}类" if grade else "亩产效益评价未填写，按一般比例"
    if not grade:
        result.flags.append(_blank_grade_flag(item))

    equipment = app.equipment_yuan
    if equipment is None:
        result.flags.append(f"设备购置额(含软件)未填写，无法计算奖补金额（{ref}）")
        result.uncapped = result.cap = ZERO
        return result
    if total is not None and equipment > total:
        result.flags.append(f"设备购置额 {wan_text(equipment)} 大于总投资额 {wan_text(total)}，请核实")

    uncapped = floor_to_fen(equipment * rate / HUNDRED)
    room = _wan_number(item, "enterprise_cap") - used
    result.uncapped = uncapped
    head = f"设备购置额 {wan_text(equipment)} × {rate}%（{grade_label}）= {wan_text(uncapped)}"
    result.trace.append(
        f"单户企业最高支持{_as_written(ceiling)}，"
        f"已占用 {wan_text(used)}，剩余额度 {wan_text(max(room, ZERO))}（{ceiling.clause.ref}）"
    )
    if room <= 0:
        result.cap = ZERO
        result.trace.append(head)
        result.over_ceiling.append(f"该企业已达“{ceiling.quote}”的上限，无剩余额度（{ceiling.clause.ref}）")
    else:
        limit = f"单户{_as_written(ceiling)}上限" if used == 0 else f"单户剩余额度 {wan_text(room)}"
        if uncapped <= room:
            result.cap = uncapped
            result.trace.append(f"{head}，未超过{limit}（{ref}）")
        else:
            result.cap = room
            result.trace.append(f"{head}，超过{limit}，按 {wan_text(room)} 核定（{ref}）")
    if rate_number.grade:
        result.trace.append(f"依据“{rate_number.quote}”（{rate_number.clause.ref}）")
    return result


def _blank_grade_flag(item: AwardItem) -> str:
    """A blank grade may be an enterprise never graded or one whose C or D grade was left out: a person asks."""
    graded = [n for n in item.numbers.values() if n.grade]
    grades = "或".join(f"{n.grade}类" for n in graded)
    rates = "和".join(_as_written(n) for n in graded)
    return (f"亩产效益评价未填写，按一般比例{_as_written(item.numbers['rate'])}计算；"
            f"若企业评价结果为{grades}，比例分别不超过{rates}，请核实（{item.clause.ref}）")


def talent_match_amount(item: AwardItem, app: Application, policy: Policy, used: Decimal) -> RuleResult:
    """Matching the national or provincial talent funding at the item's ratio, within its range."""
    ratio = item.numbers["match_ratio"]
    low = item.numbers["range_min"]
    ref = item.clause.ref
    result = RuleResult(None, None)
    funding = app.superior_funding_yuan
    if funding is None:
        result.flags.append(f"上级资助金额未填写，无法按“{ratio.quote}”计算配套金额（{ref}）")
        result.uncapped = result.cap = ZERO
        return result
    uncapped = floor_to_fen(funding * ratio.value)
    maximum = _wan_number(item, "range_max")
    minimum = _wan_number(item, "range_min")
    result.uncapped = uncapped
    head = f"上级资助金额 {wan_text(funding)} × {ratio.value}（{ratio.quote}）= {wan_text(uncapped)}"
    if uncapped > maximum:
        result.cap = maximum
        result.trace.append(f"{head}，超过{_as_written(item.numbers['range_max'])}上限，按 {wan_text(maximum)} 核定（{ref}）")
    else:
        result.cap = uncapped
        result.trace.append(f"{head}，未超过{_as_written(item.numbers['range_max'])}上限（{ref}）")
    if uncapped < minimum:
        result.trace.append(
            f"配套金额 {wan_text(uncapped)}低于{_as_written(low)}下限：政策未说明此时是否资助及金额，"
            f"核定上限暂按{_as_written(ratio)}配套额 {wan_text(uncapped)}；"
            f"若按下限{_as_written(low)}资助，须在决定中写明超出上限的理由（{ref}）"
        )
        result.flags.append(
            f"配套金额 {wan_text(uncapped)} 低于“{low.quote}”所列的{_as_written(low)}下限，"
            f"政策未说明此时是否资助及金额，请审核人确定（{ref}）"
        )
    return result


def enclave_amount(item: AwardItem, app: Application, policy: Policy, used: Decimal) -> RuleResult:
    """A set amount for a 人才飞地 in one of the named regions that passed its performance review."""
    amount = _amount_result(item, "奖励")
    result = RuleResult(amount.uncapped, amount.cap, list(amount.trace), _less_than_set_amount(item, app))
    regions = policy.regions
    ref = regions.clause.ref
    if not app.enclave_region:
        result.flags.append(f"飞地所在地区未填写，无法确认是否在{_region_names(policy)}地区（{ref}）")
    else:
        answer = place(app.enclave_region, regions)
        if answer.placement is Placement.INSIDE:
            result.trace.append(f"飞地所在地区“{app.enclave_region}”属{answer.region}地区（{ref}）")
        elif answer.placement is Placement.OUTSIDE:
            result.ineligible.append(
                f"飞地所在地区“{app.enclave_region}”不在{_region_names(policy)}地区（{ref}）"
            )
        else:
            result.flags.append(
                f"无法确定飞地所在地区“{app.enclave_region}”是否在{_region_names(policy)}地区：{answer.unknown}，请核实（{ref}）"
            )
    if app.performance is None:
        result.flags.append(f"绩效评估结果未填写，政策要求“经绩效评估合格”（{item.clause.ref}）")
    elif app.performance == "合格":
        result.trace.append(f"绩效评估合格（{item.clause.ref}）")
    else:
        result.ineligible.append(f"绩效评估结果为{app.performance}，政策要求“经绩效评估合格”（{item.clause.ref}）")
    return result


def _grade_rates(item: AwardItem, n: Mapping[str, str]) -> str:
    graded = [f"{number.grade}类{n[name]}" for name, number in item.numbers.items() if number.grade]
    return f"（亩产效益{'、'.join(graded)}）" if graded else ""


register(RuleKind(
    "cap", "最高限额奖励", {"amount": "奖励金额"},
    lambda item, policy, n: f"最高{n['amount']}", capped_amount, maximum="amount",
    quote_says={"amount": ("最高",)},
))
register(RuleKind(
    "fixed", "定额奖励", {"amount": "奖励金额"},
    lambda item, policy, n: f"定额奖励{n['amount']}", fixed_amount, maximum="amount",
    never_says={"amount": ("最高", "不超过")},
))
register(RuleKind(
    "per_unit", "按产品（品牌）数量奖励", {"per_unit": "每种产品（品牌）最高"},
    lambda item, policy, n: f"产品（品牌）数量 × 每种最高{n['per_unit']}", per_unit_amount,
    inputs=frozenset({"quantity"}), maximum="per_unit", maximum_label="每种",
    repeat_question="请核实是否为不同的产品（品牌），同一产品不重复奖励",
    quote_says={"per_unit": ("每", "最高")},
))
register(RuleKind(
    "tech_transform", "技术改造设备投资奖补",
    {"min_total_investment": "计划总投资门槛", "rate": "设备(含软件)购置额奖补比例",
     "rate_c": "亩产效益C类企业比例", "rate_d": "亩产效益D类企业比例", "enterprise_cap": "单户企业最高支持"},
    lambda item, policy, n: (f"设备(含软件)购置额 × {n['rate']}{_grade_rates(item, n)}；"
                             f"计划总投资{n['min_total_investment']}以上；单户企业最高{n['enterprise_cap']}"),
    tech_transform_amount, inputs=frozenset({"total_investment_yuan", "equipment_yuan", "land_efficiency"}),
    maximum="enterprise_cap", maximum_label="剩余", ceiling="enterprise_cap",
    quote_says={"min_total_investment": ("以上",), "rate": ("不超过",), "rate_c": ("不超过",),
                "rate_d": ("不超过",), "enterprise_cap": ("单户", "最高")},
))
register(RuleKind(
    "talent_match", "人才资助经费配套", {"match_ratio": "配套比例", "range_min": "资助下限", "range_max": "资助上限"},
    lambda item, policy, n: f"上级人才资助经费 × {n['match_ratio']}配套，{n['range_min']}—{n['range_max']}",
    talent_match_amount, inputs=frozenset({"superior_funding_yuan"}), maximum="range_max", per_person=True,
    repeat_question="请核实是否为同一名人才：同一人不重复资助，不同的人各自配套",
    quote_says={"match_ratio": ("配套",)},
))
register(RuleKind(
    "enclave", "“人才飞地”奖励", {"amount": "奖励金额"},
    lambda item, policy, n: f"奖励{n['amount']}（须在{_region_names(policy)}地区，经绩效评估合格）",
    enclave_amount, inputs=frozenset({"enclave_region", "performance"}), maximum="amount",
    never_says={"amount": ("最高", "不超过")},
    repeat_question="请核实是否为另一处“人才飞地”：政策未说明同一飞地再次绩效评估合格时能否再获奖励",
))
register(RuleKind(
    "referral", "转其他政策办理", {},
    lambda item, policy, n: f"按{item.referral_policy}办理，本措施不核定金额",
))
