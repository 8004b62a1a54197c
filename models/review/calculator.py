"""What an enterprise has received, has applied for, and may also look at under the measures.

The policy calculator answers a reviewer's question "what else could this
enterprise qualify for?" from what the workspace knows: the enterprise's
industry decides which measure applies; award items it has neither applied
for nor received are candidates; referral items are named as decided under
another policy; 国家级↔省级 counterparts of an honour it holds or has applied
for are flagged for the reviewer. Every amount is read from the item's
numbers, which cite their clause.

It also describes each kind of rule in plain Chinese (:func:`rule_summary`),
for the policy browser and the calculator alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from policy.catalog import AwardItem, Number, Policy
from policy.kinds import KindLabels, NumberLabels, rule_kinds, summarise
from policy.kinds import most_yuan as kind_most_yuan
from policy.money import YUAN_PER_WAN, ZERO, wan_text
from models.workspace.database import Database

from models.review.queue import QueueRow, queue_rows
from models.intake.uscc import normalise_uscc
from models.review.history import WorkspaceHistory

KIND_LABELS = KindLabels()
TIMING_LABELS: dict[str, str] = {
    "newly": "须为政策发布后新认定（新创建、新评选）",
    "first_time": "限首次获得",
    "application_year": "须为申报当年度认定",
    "dated": "获得日期须在政策发布之后",
    "none": "",
}
TIMING_SHORT: dict[str, str] = {
    "newly": "新认定", "first_time": "限首次获得", "application_year": "当年度认定", "dated": "发布后获得",
    "none": "",
}
NUMBER_LABELS = NumberLabels()


def as_written(number: Number) -> str:
    """The number as the clause writes it: ``200万元``, ``10%``."""
    return f"{number.value}{number.unit}"


def rule_summary(item: AwardItem, policy: Policy) -> str:
    """The item's rule in one line of plain Chinese, numbers as the clause writes them."""
    return summarise(item, policy)


def most_yuan(item: AwardItem) -> Decimal | None:
    """The most the rule can give one application, in 元 (per product for per_unit); None for referrals."""
    return kind_most_yuan(item)


@dataclass(frozen=True, slots=True)
class Enterprise:
    uscc: str
    name: str
    county: str
    industries: tuple[str, ...]

    @property
    def industry(self) -> str:
        return "、".join(self.industries)

    def label(self) -> str:
        """``91371524…  聊城某某有限公司``: how the completer lists it."""
        return f"{self.uscc}  {self.name}"


@dataclass(frozen=True, slots=True)
class Received:
    """An approval at a final stage (复核, or the 负责人 for a case sent up)."""

    item: AwardItem
    application_id: str
    approved_yuan: Decimal


@dataclass(frozen=True, slots=True)
class Applied:
    """An application on file that has not (yet) been finally approved."""

    item: AwardItem
    row: QueueRow


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item of the enterprise's measure it has neither applied for nor received."""

    item: AwardItem
    rule: str
    most_yuan: Decimal | None
    notes: tuple[str, ...] = ()

    @property
    def timing(self) -> str:
        """``新认定`` / ``限首次获得`` / ``当年度认定``, or empty."""
        return TIMING_SHORT.get(self.item.timing, "")

    @property
    def is_referral(self) -> bool:
        return self.item.kind == "referral"


@dataclass(frozen=True, slots=True)
class CeilingRoom:
    """What is left of an item's 单户 ceiling (技术改造: 单户企业最高支持200万元)."""

    item: AwardItem
    ceiling: Number
    ceiling_yuan: Decimal
    approved_yuan: Decimal
    pending_yuan: Decimal
    """Caps of applications of the item still under review: not yet counted."""

    @property
    def remaining_yuan(self) -> Decimal:
        return max(self.ceiling_yuan - self.approved_yuan, ZERO)

    def sentence(self) -> str:
        text = (f"{self.item.name}：依据“{self.ceiling.quote}”（{self.ceiling.clause.ref}），"
                f"已获批 {wan_text(self.approved_yuan)}，剩余额度 {wan_text(self.remaining_yuan)}")
        if self.pending_yuan:
            text += f"；另有在审申请核定上限合计 {wan_text(self.pending_yuan)}，获批后将占用额度"
        return text


@dataclass(frozen=True, slots=True)
class Overview:
    enterprise: Enterprise | None
    industry: str
    received: list[Received] = field(default_factory=list)
    applied: list[Applied] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    rooms: list[CeilingRoom] = field(default_factory=list)

    @property
    def received_yuan(self) -> Decimal:
        return sum((award.approved_yuan for award in self.received), ZERO)


_ENTERPRISE_ROWS = "SELECT uscc, enterprise, county, industry FROM applications {where} ORDER BY seq"


def _enterprises(db: Database, where: str = "", params: dict[str, str] | None = None) -> list[Enterprise]:
    """One Enterprise per USCC among the matching applications; the latest name and county win."""
    found: dict[str, tuple[str, str, dict[str, None]]] = {}
    for uscc, name, county, industry in db.execute(_ENTERPRISE_ROWS.format(where=where), params):
        _, _, industries = found.get(uscc, ("", "", {}))
        industries[industry] = None
        found[uscc] = (name, county, industries)
    enterprises = [Enterprise(uscc, name, county, tuple(industries))
                   for uscc, (name, county, industries) in found.items()]
    return sorted(enterprises, key=lambda e: (e.name, e.uscc))


def known_enterprises(db: Database) -> list[Enterprise]:
    """Every enterprise with an application in the workspace, by name."""
    return _enterprises(db)


def enterprise_by_uscc(db: Database, uscc: str) -> Enterprise | None:
    found = _enterprises(db, "WHERE uscc = :uscc", {"uscc": normalise_uscc(uscc)})
    return found[0] if found else None


def find_enterprise(db: Database, text: str) -> Enterprise | None:
    """The enterprise a 统一社会信用代码, a completer label or a (unique part of a) name names."""
    wanted = text.strip()
    if not wanted:
        return None
    by_code = enterprise_by_uscc(db, wanted.split()[0])
    if by_code is not None:
        return by_code
    by_name = _enterprises(db, "WHERE uscc IN (SELECT uscc FROM applications WHERE enterprise = :name)",
                           {"name": wanted})
    if by_name:
        return by_name[0]
    pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    partial = _enterprises(db, "WHERE uscc IN (SELECT uscc FROM applications WHERE enterprise LIKE :pattern "
                               "ESCAPE '\\')", {"pattern": pattern})
    return partial[0] if len(partial) == 1 else None


def enterprise_overview(db: Database, uscc: str, policy: Policy) -> Overview:
    """Received, applied-for and candidate items of the enterprise ``uscc`` (an empty Overview if unknown)."""
    uscc = normalise_uscc(uscc)
    enterprise = enterprise_by_uscc(db, uscc)
    if enterprise is None:
        return Overview(None, "")
    history = WorkspaceHistory(db).approved_awards(uscc)
    received = [Received(policy.items[award.item_id], award.application_id, award.approved_yuan)
                for award in history if award.item_id in policy.items]
    final_ids = {award.application_id for award in received}
    ids = [row[0] for row in db.execute("SELECT application_id FROM applications WHERE uscc = :uscc", {"uscc": uscc})]
    names = {item.id: item.name for item in policy.items.values()}
    applied = [Applied(policy.items[row.item_id], row) for row in queue_rows(db, names, ids)
               if row.application_id not in final_ids and row.item_id in policy.items]
    held = {award.item.id for award in received}
    asked = {entry.item.id for entry in applied}
    candidates = [_candidate(item, policy, held, asked) for item in policy.items.values()
                  if item.measure in enterprise.industries and item.id not in held | asked]
    rooms = [_room(item, received, applied) for item in policy.items.values()
             if rule_kinds()[item.kind].ceiling and item.measure in enterprise.industries]
    return Overview(enterprise, enterprise.industry, received, applied, candidates, rooms)


def _candidate(item: AwardItem, policy: Policy, held: set[str], asked: set[str]) -> Candidate:
    notes: list[str] = []
    if item.kind == "referral":
        notes.append(f"由{item.referral_policy}规定并办理，不在本措施核定金额（{item.ref}）")
    for other_id in item.counterparts:
        other = policy.items[other_id]
        if other_id in held:
            notes.append(f"已获{other.name}：政策未规定同一荣誉国家级与省级是否补差或兼得，请审核人确定")
        elif other_id in asked:
            notes.append(f"已申报{other.name}：政策未规定同一荣誉国家级与省级是否补差或兼得，请审核人确定")
    return Candidate(item, rule_summary(item, policy), most_yuan(item), tuple(notes))


def _room(item: AwardItem, received: list[Received], applied: list[Applied]) -> CeilingRoom:
    ceiling = item.numbers[rule_kinds()[item.kind].ceiling or ""]
    approved = sum((award.approved_yuan for award in received if award.item is item), ZERO)
    pending = sum((entry.row.cap_yuan or ZERO for entry in applied
                   if entry.item is item and entry.row.approved_yuan is None), ZERO)
    return CeilingRoom(item, ceiling, ceiling.value * YUAN_PER_WAN, approved, pending)
