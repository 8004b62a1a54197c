"""The review's stages, outcomes and roles: one table every check reads; nothing heavy to import.

Local decisions, replay in ``audit verify``, session merge and the GUI's queue
all ask this module who may act at which stage, in which order, with which
outcomes. Later rounds (公示, payment) add rows to :data:`STAGE_TABLE`.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST, SECOND, LEAD = "初审", "复核", "负责人"

APPROVE, PARTIAL, REJECT = "通过", "部分通过", "不通过"
RETURN_FOR_MATERIALS, TO_LEAD, REFER = "退回补正", "提交负责人", "转主管部门"

ADMIN, AUDITOR = "系统管理员", "审计员"
FIRST_REVIEWER, SECOND_REVIEWER, LEAD_ROLE = "初审", "复核", "负责人"

DECIDING_ROLES = (FIRST_REVIEWER, SECOND_REVIEWER, LEAD_ROLE)
ROLES = (FIRST_REVIEWER, SECOND_REVIEWER, LEAD_ROLE, ADMIN, AUDITOR)

APPROVING = (APPROVE, PARTIAL)
"""Outcomes that grant money: they carry an amount."""
WITH_AMOUNT = APPROVING
FINAL_OUTCOMES = (APPROVE, PARTIAL, REJECT)
"""Outcomes that close a stage on the merits; the next stage may follow them."""
NO_AMOUNT = (RETURN_FOR_MATERIALS, TO_LEAD, REFER)
"""Outcomes that record no amount: the application goes back, up, or elsewhere."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of the review.

    ``opens_after`` names the earlier stages whose current outcome may open
    this one, with the outcomes that do: a 复核 follows a 初审 that closed on
    the merits; the 负责人 stage follows any stage that sent the case up.
    """

    name: str
    order: int
    roles: tuple[str, ...]
    outcomes: tuple[str, ...]
    opens_after: tuple[tuple[str, tuple[str, ...]], ...]
    final: bool


STAGE_TABLE: tuple[Stage, ...] = (
    Stage(FIRST, 1, (FIRST_REVIEWER, LEAD_ROLE),
          (APPROVE, PARTIAL, REJECT, RETURN_FOR_MATERIALS, TO_LEAD, REFER), (), final=False),
    Stage(SECOND, 2, (SECOND_REVIEWER, LEAD_ROLE),
          (APPROVE, PARTIAL, REJECT, RETURN_FOR_MATERIALS, TO_LEAD), ((FIRST, FINAL_OUTCOMES),), final=True),
    Stage(LEAD, 3, (LEAD_ROLE,),
          (APPROVE, PARTIAL, REJECT, RETURN_FOR_MATERIALS, REFER), ((FIRST, (TO_LEAD,)), (SECOND, (TO_LEAD,))),
          final=True),
)

STAGES_BY_NAME = {stage.name: stage for stage in STAGE_TABLE}
STAGES = tuple(stage.name for stage in STAGE_TABLE)
OUTCOMES = tuple(dict.fromkeys(o for stage in STAGE_TABLE for o in stage.outcomes))
ROLES_FOR_STAGE = {stage.name: stage.roles for stage in STAGE_TABLE}
FINAL_STAGES = tuple(stage.name for stage in STAGE_TABLE if stage.final)
"""A current approving decision at one of these stages is the bureau's award."""


def stages_for_role(role: str) -> tuple[str, ...]:
    return tuple(stage.name for stage in STAGE_TABLE if role in stage.roles)


def may_decide(role: str) -> bool:
    return role in DECIDING_ROLES


def later_stages(stage: str) -> tuple[str, ...]:
    order = STAGES_BY_NAME[stage].order
    return tuple(s.name for s in STAGE_TABLE if s.order > order)


def stage_is_open(stage: str, current_outcomes: dict[str, str]) -> bool:
    """Whether ``stage`` may be decided, given each stage's current outcome."""
    rule = STAGES_BY_NAME[stage]
    if not rule.opens_after:
        return True
    return any(current_outcomes.get(before) in outcomes for before, outcomes in rule.opens_after)


def why_closed(stage: str, current_outcomes: dict[str, str]) -> str:
    """A plain sentence saying why ``stage`` is not open yet."""
    rule = STAGES_BY_NAME[stage]
    wanted = "；或".join(f"{before}结论为{'、'.join(outcomes)}" for before, outcomes in rule.opens_after)
    found = "，".join(f"{s}：{o}" for s, o in current_outcomes.items() if o) or "尚无任何决定"
    return f"{stage}须在{wanted}之后作出（当前{found}）"
