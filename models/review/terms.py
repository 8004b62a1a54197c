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
IMPORTING_ROLES = (FIRST_REVIEWER, SECOND_REVIEWER, LEAD_ROLE)
"""Who may import an intake file (and so set the fields every decision is made on): those who review. Not the
审计员, who changes nothing; not the 系统管理员 (三员分立: who issues the keys puts no data under them)."""
RESTORING_ROLES = (ADMIN, LEAD_ROLE)
"""Who may restore a backup, which replaces the whole workspace: the 系统管理员, whose duty the system's upkeep is,
and the 负责人, who answers for the record; a rollback (a backup older than this PC has seen) only the 负责人."""

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
    ``roles[0]`` is the role whose queue the stage fills (the others may stand
    in); ``waiting`` and ``done`` are how the queue names a case waiting at
    the stage and one closed there on the merits.
    """

    name: str
    order: int
    roles: tuple[str, ...]
    outcomes: tuple[str, ...]
    opens_after: tuple[tuple[str, tuple[str, ...]], ...]
    final: bool
    waiting: str
    done: str

    @property
    def queue_role(self) -> str:
        return self.roles[0]


STAGE_TABLE: tuple[Stage, ...] = (
    Stage(FIRST, 1, (FIRST_REVIEWER, LEAD_ROLE),
          (APPROVE, PARTIAL, REJECT, RETURN_FOR_MATERIALS, TO_LEAD, REFER), (), final=False,
          waiting="待初审", done="已初审"),
    Stage(SECOND, 2, (SECOND_REVIEWER, LEAD_ROLE),
          (APPROVE, PARTIAL, REJECT, RETURN_FOR_MATERIALS, TO_LEAD), ((FIRST, FINAL_OUTCOMES),), final=True,
          waiting="待复核", done="已复核"),
    Stage(LEAD, 3, (LEAD_ROLE,),
          (APPROVE, PARTIAL, REJECT, RETURN_FOR_MATERIALS, REFER), ((FIRST, (TO_LEAD,)), (SECOND, (TO_LEAD,))),
          final=True, waiting="待负责人", done="负责人已决定"),
)
RETURNED_LABEL, OVERDUE_LABEL, REFERRED_LABEL = "待补正", "待补正·逾期", "已转主管部门"
"""How the queue names a case whose latest outcome sent it back to the applicant (past its 补正 deadline), or to
another department."""

STAGES_BY_NAME = {stage.name: stage for stage in STAGE_TABLE}
STAGES = tuple(stage.name for stage in STAGE_TABLE)
OUTCOMES = tuple(dict.fromkeys(o for stage in STAGE_TABLE for o in stage.outcomes))
ROLES_FOR_STAGE = {stage.name: stage.roles for stage in STAGE_TABLE}
FINAL_STAGES = tuple(stage.name for stage in STAGE_TABLE if stage.final)
"""A current approving decision at one of these stages is the bureau's award."""
CLOSED_LABELS = (*(stage.done for stage in STAGE_TABLE if stage.final), REFERRED_LABEL)
"""Queue labels of a case the bureau has finished with: decided at a final stage, or referred."""
QUEUE_LABELS = tuple(dict.fromkeys((*(s.waiting for s in STAGE_TABLE), RETURNED_LABEL, OVERDUE_LABEL,
                                    *(s.done for s in STAGE_TABLE if s.final), REFERRED_LABEL)))
"""Every label the queue's 审核阶段 column can show, in the order a case moves through them."""


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


def latest_stage(current_outcomes: dict[str, str]) -> str | None:
    """The latest stage (by order) with a current outcome: its decision is where the case stands."""
    decided = [stage for stage in STAGE_TABLE if current_outcomes.get(stage.name)]
    return decided[-1].name if decided else None


def waiting_stage(current_outcomes: dict[str, str]) -> str | None:
    """The stage the case waits at now; None when it is closed, returned or referred."""
    latest = latest_stage(current_outcomes)
    if latest is None:
        return STAGE_TABLE[0].name
    if current_outcomes[latest] in (RETURN_FOR_MATERIALS, REFER):
        return None
    return next((stage for stage in later_stages(latest) if stage_is_open(stage, current_outcomes)), None)


def queue_label(current_outcomes: dict[str, str]) -> str:
    """The 审核阶段 the queue shows: 待初审 … 已复核, 负责人已决定, 待补正, 已转主管部门."""
    waiting = waiting_stage(current_outcomes)
    if waiting is not None:
        return STAGES_BY_NAME[waiting].waiting
    latest = latest_stage(current_outcomes)
    assert latest is not None  # nothing decided yet means waiting at the first stage
    outcome = current_outcomes[latest]
    if outcome == RETURN_FOR_MATERIALS:
        return RETURNED_LABEL
    if outcome == REFER:
        return REFERRED_LABEL
    return STAGES_BY_NAME[latest].done


def deciding_stage(current_outcomes: dict[str, str]) -> str | None:
    """The final stage whose current outcome is the bureau's answer on the merits, if the case has one."""
    latest = latest_stage(current_outcomes)
    if latest is None or not STAGES_BY_NAME[latest].final or current_outcomes[latest] not in FINAL_OUTCOMES:
        return None
    return latest


def stages_open_to(role: str, reviewer: str, current_outcomes: dict[str, str],
                   deciders: dict[str, str]) -> tuple[str, ...]:
    """The stages ``reviewer`` (of ``role``) may decide now on a case, by the rules ``decide`` checks
    (their role, the order of stages, nothing decided later, one person at one stage only) and one more
    for the form: a stage a colleague decided is theirs to change, not this reviewer's."""
    elsewhere = {stage for stage, name in deciders.items() if name == reviewer}
    return tuple(
        stage.name for stage in STAGE_TABLE
        if role in stage.roles and stage_is_open(stage.name, current_outcomes)
        and not any(current_outcomes.get(later) for later in later_stages(stage.name))
        and not elsewhere - {stage.name} and deciders.get(stage.name, reviewer) == reviewer)


def acts_next(role: str, reviewer: str, current_outcomes: dict[str, str], deciders: dict[str, str]) -> bool:
    """Whether the case waits at the stage whose queue ``role`` fills, and ``reviewer`` may act there."""
    waiting = waiting_stage(current_outcomes)
    return (waiting is not None and STAGES_BY_NAME[waiting].queue_role == role
            and waiting in stages_open_to(role, reviewer, current_outcomes, deciders))


def why_none_open(role: str, reviewer: str, current_outcomes: dict[str, str], deciders: dict[str, str]) -> str:
    """A plain sentence saying why :func:`stages_open_to` gives ``reviewer`` no stage of a case."""
    mine = [stage for stage, name in deciders.items() if name == reviewer]
    own = [stage.name for stage in STAGE_TABLE if stage.queue_role == role] or list(stages_for_role(role))
    if not own:
        return f"{role}不作审核决定"
    stage = own[0]
    if mine and mine[0] != stage:
        return f"{reviewer} 已作出本件{mine[0]}：同一申报的每个审核阶段须由不同人员作出"
    later = [name for name in later_stages(stage) if current_outcomes.get(name)]
    if later:
        return f"本件已{later[0]}（{current_outcomes[later[0]]}），不能再作出或修改{stage}"
    if deciders.get(stage) and deciders[stage] != reviewer:
        return f"本件{stage}已由{deciders[stage]}作出"
    return why_closed(stage, current_outcomes)
