"""The award engine: one application in, status, cap and reasons out.

Checks run in the order a reviewer reads the measures: is the item for this
industry, is it decided elsewhere (referral), does the recognition date from
the measures on, has the enterprise had it, claimed it above or pending in the
workspace (every one-off award, and a 人才飞地), then the questions only a person can settle
(an ignored input, a broader alias, missing proof, a county that does not match
the code), then the item's own rule. A condition the text leaves to judgement
becomes a flag and the status needs_review.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple
from collections.abc import Iterable, Iterator, Sequence

from policy.application import Application
from policy.assessment import ELIGIBLE, INELIGIBLE, NEEDS_REVIEW, REFERRAL, Assessment
from policy.catalog import AwardItem, Policy
from policy.history import History, PendingApplication, PriorAward
from policy.checks import alias_flags, county_flags, ignored_input_flags, proof_flags
from policy.money import ZERO, wan_text
from policy.kinds import rule_kinds
from policy.rules import RuleResult

_TIMING_WORDS = {
    "newly": "新认定（新创建、新评选）", "first_time": "首次获得", "application_year": "当年度认定", "dated": "获得",
}
_EARLY_QUESTIONS = {
    "newly": "是否属于新认定（新创建、新评选）", "first_time": "是否属于首次获得", "application_year": "是否属于当年度认定",
    "dated": "原文未限定获得时间，政策发布前获得的是否适用",
}


class EarlierRow(NamedTuple):
    """An application above the current one in the same file."""

    row: int
    application_id: str
    recommended_yuan: Decimal


class EnterpriseLedger:
    """What is known of each enterprise while a file is assessed top to bottom.

    Rows found ineligible are not recorded: they neither use the 单户 ceiling
    nor make a later row a repeat.
    """

    def __init__(self, history: History | None = None) -> None:
        self._history = history
        self._approved: dict[str, Sequence[PriorAward]] = {}
        self._pending: dict[str, Sequence[PendingApplication]] = {}
        self._earlier: dict[tuple[str, str], list[EarlierRow]] = {}
        self._seen: set[str] = set()

    def approved(self, uscc: str) -> Sequence[PriorAward]:
        if self._history is None:
            return ()
        awards = self._approved.get(uscc)
        if awards is None:
            awards = self._approved[uscc] = tuple(self._history.approved_awards(uscc))
        return awards

    def pending(self, uscc: str) -> Sequence[PendingApplication]:
        """The enterprise's applications in the workspace still awaiting a final decision."""
        lookup = getattr(self._history, "pending_applications", None)
        if lookup is None:
            return ()
        found = self._pending.get(uscc)
        if found is None:
            found = self._pending[uscc] = tuple(lookup(uscc))
        return found

    def knows(self, uscc: str) -> bool:
        """Whether anything is on record for the enterprise: an earlier row, a final approval or a pending one."""
        return uscc in self._seen or bool(self.approved(uscc)) or bool(self.pending(uscc))

    def earlier_rows(self, uscc: str, item_id: str) -> Sequence[EarlierRow]:
        return self._earlier.get((uscc, item_id), ())

    def record(self, app: Application, result: Assessment) -> None:
        if result.status == INELIGIBLE:
            return
        # tuple.__new__ is EarlierRow(...) without the Python-level __new__ a NamedTuple has: an import makes millions
        row = tuple.__new__(EarlierRow, (app.row, app.application_id, result.recommended_yuan or ZERO))
        self._earlier.setdefault((app.uscc, app.item_id), []).append(row)
        self._seen.add(app.uscc)

    def used_against_ceiling(self, uscc: str, item_id: str) -> Decimal:
        """Final approvals plus earlier rows' recommended amounts of the same item."""
        used = sum((a.approved_yuan for a in self.approved(uscc) if a.item_id == item_id), ZERO)
        return used + sum((r.recommended_yuan for r in self.earlier_rows(uscc, item_id)), ZERO)

    def ceiling_sources(self, uscc: str, item_id: str) -> list[str]:
        """Each application that uses the 单户 room, or may: its id, amount and state."""
        sources = [f"申报编号 {a.application_id or '（历史）'} 已核准 {wan_text(a.approved_yuan)}"
                   for a in self.approved(uscc) if a.item_id == item_id]
        sources += [f"申报编号 {r.application_id} 本文件第{r.row}行建议 {wan_text(r.recommended_yuan)}"
                    for r in self.earlier_rows(uscc, item_id)]
        sources += [f"申报编号 {p.application_id} {p.state}、建议 {wan_text(p.recommended_yuan)}（未计入）"
                    for p in self.pending(uscc) if p.item_id == item_id]
        return sources


def assess_batch(
    apps: Sequence[Application], policy: Policy, history: History | None = None
) -> list[Assessment]:
    """Assess a file's applications in order; each sees the rows above it.

    The cyclic garbage collector is paused meanwhile: a batch allocates many
    small objects and no cycles, and the collector's rescans of everything
    alive otherwise cost more than the assessing itself.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return list(assess_in_order(apps, policy, history))
    finally:
        if collecting:
            gc.enable()


def assess_in_order(
    apps: Iterable[Application], policy: Policy, history: History | None = None
) -> Iterator[Assessment]:
    """As :func:`assess_batch`, lazily: each application sees the ones before it."""
    ledger = EnterpriseLedger(history)
    for app in apps:
        result = assess(app, policy, ledger)
        ledger.record(app, result)
        yield result


def assess(app: Application, policy: Policy, ledger: EnterpriseLedger | None = None) -> Assessment:
    """Assess one application against what ``ledger`` knows of its enterprise.

    ``flags`` lists the import's warnings first, then the conditions that need a
    reviewer (any of these makes the status needs_review), then notes.
    """
    ledger = ledger or EnterpriseLedger()
    item = policy.items[app.item_id]
    kind = rule_kinds()[item.kind]
    if app.industry != item.measure:
        reason = (f"{item.name}属于《{policy.measure_titles[item.measure]}》（{item.ref}），"
                  f"企业所属产业为{app.industry}，不适用")
        return _finish(app, item, RuleResult(None, ZERO), [], [reason], list(app.warnings))
    compute = kind.compute
    if compute is None:
        trace = [_heading(item), _referral_line(item)]
        return Assessment(app.application_id, item.id, item.name, item.ref, REFERRAL,
                          None, None, None, list(app.warnings), trace, app.row)

    reasons: list[str] = []
    checks: list[str] = []
    uscc = app.uscc
    known = ledger.knows(uscc)
    timing = item.timing
    if timing != "none":
        recognised = app.recognised_on
        if recognised is None or recognised < policy.issued_on or timing == "application_year":
            checks += _timing_flags(item, app, policy)
    if known and (timing != "none" or _once(item) or kind.repeat_question):
        _repeat_checks(item, app, policy, ledger, reasons, checks)
    if item.counterparts and known and not kind.per_person:
        checks += _honour_flags(item, app, policy, ledger)
    if app.item_text:
        checks += alias_flags(item, app, policy)
    checks += ignored_input_flags(item, app)
    if item.proof:
        checks += proof_flags(item, app)
    checks += county_flags(app, policy)
    ceiling = kind.ceiling
    result = compute(item, app, policy, ledger.used_against_ceiling(uscc, item.id) if ceiling else ZERO)
    if result.flags:
        checks += result.flags
    if result.ineligible:
        reasons += result.ineligible
    if ceiling and known:
        result = _with_ceiling_sources(item, ceiling, app, ledger, result, checks)
        other_years = _other_year_flags(item, ceiling, app, ledger)
    else:
        other_years = []
    if other_years:
        checks += other_years
        checks += result.over_ceiling
    elif result.over_ceiling:
        reasons += result.over_ceiling
    return _finish(app, item, result, checks, reasons, [*app.warnings, *checks] if app.warnings else checks[:])


@cache
def _once(item: AwardItem) -> bool:
    return item.once


@cache
def _heading(item: AwardItem) -> str:
    return f"申报事项：{item.name}（{item.ref}）"


@cache
def _referral_line(item: AwardItem) -> str:
    return f"依据“{item.sentence}”，本事项按{item.referral_policy}办理，本措施不核定金额（{item.ref}）"


def _finish(app: Application, item: AwardItem, result: RuleResult, checks: list[str],
            reasons: list[str], flags: list[str]) -> Assessment:
    """Status from the reasons and checks; the recommended amount from the cap and 申请金额.

    ``result`` may be shared between applications: it is read, never changed.
    """
    trace = [_heading(item), *result.trace]
    if reasons:
        trace += [f"不符合条件：{reason}" for reason in reasons]
        trace.append("核定上限 0.00万元，建议金额 0.00万元")
        return Assessment(app.application_id, item.id, item.name, item.ref, INELIGIBLE,
                          result.uncapped, ZERO, ZERO, flags, trace, app.row)
    cap = result.cap if result.cap is not None else ZERO
    requested = app.requested_yuan
    cap_text = wan_text(cap)
    if requested is None:
        recommended = cap
        flags.append("申请金额未填写，建议金额按核定上限计")
        trace.append(f"核定上限 {cap_text}；申请金额未填写，建议金额 {cap_text}")
    else:
        requested_text = wan_text(requested)
        recommended, recommended_text = (requested, requested_text) if requested < cap else (cap, cap_text)
        trace.append(f"核定上限 {cap_text}；申请金额 {requested_text}；建议金额 {recommended_text}")
    return Assessment(app.application_id, item.id, item.name, item.ref, NEEDS_REVIEW if checks else ELIGIBLE,
                      result.uncapped, cap, recommended, flags, trace, app.row)


def _timing_flags(item: AwardItem, app: Application, policy: Policy) -> list[str]:
    """新认定、首次、当年度: the recognition must date from the measures on."""
    ref = item.ref
    issued = policy.issued_on
    words = _TIMING_WORDS[item.timing]
    if app.recognised_on is None:
        return [f"认定日期未填写，无法确认是否为政策发布（{_day(issued)}）后{words}（{ref}）"]
    if app.recognised_on >= issued and item.timing != "application_year":
        return []
    flags = []
    if app.recognised_on < issued:
        flags.append(f"认定日期 {_day(app.recognised_on)} 早于政策发布日期 {_day(issued)}，"
                     f"{_EARLY_QUESTIONS[item.timing]}请核实（{ref}）")
    if item.timing == "application_year":
        if app.application_year is None:
            flags.append(f"申报年度未填写，无法确认是否为当年度认定（{ref}）")
        elif app.recognised_on.year != app.application_year:
            flags.append(f"认定日期 {_day(app.recognised_on)} 不在申报年度 {app.application_year} 年内，"
                         f"政策要求“当年度被认定”（{ref}）")
    return flags


def _day(day: date) -> str:
    """``f"{day:%Y-%m-%d}"``; ``isoformat`` writes the same for years from 1000 on, without ``strftime``."""
    return day.isoformat() if day.year >= 1000 else f"{day:%Y-%m-%d}"


def _repeat_checks(item: AwardItem, app: Application, policy: Policy, ledger: EnterpriseLedger,
                   reasons: list[str], flags: list[str]) -> None:
    """A one-off award claimed again: by a final approval, a pending application or a row above.

    A first-time item granted before is a repeat; otherwise a person must say
    whether it is a new recognition, another product or standard, or, for a
    talent, another person.
    """
    ref = item.ref
    question = _repeat_question(item)
    same = (item.id, *_same_person_items(item))
    for award in ledger.approved(app.uscc):
        if award.item_id not in same:
            continue
        which = f"（申报编号 {award.application_id}）" if award.application_id else ""
        name = policy.items[award.item_id].name
        if item.timing == "first_time" and award.item_id == item.id:
            reasons.append(f"该企业已获{item.name}奖励{which}，本条款限首次获得（{ref}）")
        else:
            flags.append(f"该企业已获{name}奖励{which}，{question}（{ref}）")
    for pending in ledger.pending(app.uscc):
        if pending.item_id in same:
            flags.append(f"工作区中该企业另有{policy.items[pending.item_id].name}的申请"
                         f"（申报编号 {pending.application_id}，{pending.state}），{question}（{ref}）")
    for other in same:
        for earlier in ledger.earlier_rows(app.uscc, other):
            flags.append(f"同一文件第{earlier.row}行（申报编号 {earlier.application_id}）已申报"
                         f"{policy.items[other].name}，{question}（{ref}）")


def _repeat_question(item: AwardItem) -> str:
    asked = rule_kinds()[item.kind].repeat_question
    if asked:
        return asked
    if item.timing == "newly":
        return "请核实本次是否为新认定"
    return "本事项为一次性奖励，请核实是否重复申报"


def _same_person_items(item: AwardItem) -> tuple[str, ...]:
    """For a talent, the other level's item: the question is whether it is the same person."""
    return item.counterparts if rule_kinds()[item.kind].per_person else ()


def _with_ceiling_sources(item: AwardItem, ceiling: str, app: Application, ledger: EnterpriseLedger,
                          result: RuleResult, checks: list[str]) -> RuleResult:
    """The enterprise ceiling's line names the applications that used the room, and flags pending ones."""
    sources = ledger.ceiling_sources(app.uscc, item.id)
    if not sources:
        return result
    trace = [*result.trace, f"占用单户额度的申请：{'；'.join(sources)}（{item.numbers[ceiling].clause.ref}）"]
    if any(p.item_id == item.id for p in ledger.pending(app.uscc)):
        checks.append(f"该企业另有待审的{item.name}申请，未计入已占用额度；若先核准，剩余额度将减少，请审核人统筹（{item.ref}）")
    return replace(result, trace=trace)


def _other_year_flags(item: AwardItem, ceiling: str, app: Application, ledger: EnterpriseLedger) -> list[str]:
    """单户企业最高支持200万元 names no period: room taken by another 申报年度's approval is a question."""
    number = item.numbers[ceiling]
    others = [a for a in ledger.approved(app.uscc) if a.item_id == item.id and app.application_year is not None
              and a.application_year is not None and a.application_year != app.application_year]
    if not others:
        return []
    named = "；".join(f"申报编号 {a.application_id or '（历史）'}，{a.application_year}年度，{wan_text(a.approved_yuan)}"
                     for a in others)
    return [f"已占用的单户额度含其他申报年度的核准（{named}），原文“{number.quote}”未说明是否按年度计算；"
            f"剩余额度按全部已核准金额计算，请审核人确定（{number.clause.ref}）"]


def _honour_flags(item: AwardItem, app: Application, policy: Policy, ledger: EnterpriseLedger) -> list[str]:
    """国家级 and 省级 of the same honour: the measures say nothing of topping up."""
    held = [a.item_id for a in ledger.approved(app.uscc) if a.item_id in item.counterparts]
    held += [p.item_id for p in ledger.pending(app.uscc) if p.item_id in item.counterparts]
    held += [other for other in item.counterparts if ledger.earlier_rows(app.uscc, other)]
    return [f"该企业已获或同时申报{policy.items[other].name}，政策未规定同一荣誉国家级与省级是否补差或兼得，请审核人确定"
            for other in dict.fromkeys(held)]
