"""Every current assessment re-derived with the policy engine, so a stored cap the rules do not give is named.

An assessment follows from the stored application, the policy version recorded
for it and what the workspace held of the same enterprise at the time: its final
approvals (signed decisions), its applications pending and the rows above it in
one file. A 超上限核定 is a signed decision's amount, never the assessment's.
So the application is assessed again alone, under its recorded version:

- an enterprise with no other application in the workspace has nothing else:
  the stored assessment must be exactly the engine's, field by field (not in a
  会评 workspace, which holds only some of an enterprise's applications);
- for one with several, the others can only take room from the 单户 ceiling,
  add reasons and flags: the stored one must have the same uncapped amount and
  heading, every flag of the lone assessment, a cap no higher, a status no
  milder, and the recommended amount that its cap and 申请金额 give.

A forged 重新评估 that inflates a cap before anyone decides is caught either way.
Assessments written before the entry from which this build's rules revision
for their policy version holds (``signed_scope.rules_in_force_from``) were made
by other rules: they are counted, not re-derived, until they are assessed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal

from policy.assessment import ELIGIBLE, INELIGIBLE, NEEDS_REVIEW, REFERRAL, Assessment
from policy.catalog import Policy, load_policy
from policy import engine
from policy.money import yuan_text

from models.failures import ReviewDeskError
from models.pure_memo import PureMemo, input_digest
from models.workspace import dialect, records
from models.workspace.database import Database
from models.workspace.signed_scope import rules_in_force_from

SESSION_OPENED = "打开会评包"  # models.sessions.session: the assessments came in the signed package
_STORED_FIELDS = tuple(f.name for f in fields(records.StoredAssessment))
_MILDNESS = {ELIGIBLE: 0, NEEDS_REVIEW: 1, INELIGIBLE: 2}
_EXACT_FIELDS = ("status", "uncapped_yuan", "cap_yuan", "recommended_yuan", "flags", "trace", "record_hash")


@dataclass(slots=True)
class AssessmentCheck:
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    earlier_rules: int = 0

    def line(self) -> str:
        if self.problems:
            return f"评估复算：{len(self.problems)} 处与政策引擎的计算不符"
        done = f"评估复算：{self.checked} 件评估均与政策引擎按其政策版本的计算相符"
        if self.earlier_rules:
            done += f"；另有 {self.earlier_rules} 件按此前的规则修订作出，须重新评估后才能复算"
        return done


def _where(application_id: str, field_name: str) -> str:
    return f"申报 {application_id} 的评估 {field_name}"


def _recommended(cap: Decimal | None, requested: Decimal | None) -> Decimal | None:
    if cap is None:
        return None
    return cap if requested is None or requested >= cap else requested


def _bounded(stored: records.StoredAssessment, lone: Assessment, requested: Decimal | None) -> list[str]:
    """What an enterprise's other applications cannot explain in ``stored`` (``lone``: assessed alone)."""
    found = []
    application_id = stored.application_id
    uncapped = records.money_text(lone.uncapped_yuan)
    if stored.uncapped_yuan != uncapped:
        found.append(f"{_where(application_id, 'uncapped_yuan')}：库中为 {stored.uncapped_yuan!r}，重新计算为 {uncapped!r}")
    stored_cap, lone_cap = stored.cap, lone.cap_yuan
    if stored_cap is None or lone_cap is None or stored_cap > lone_cap:
        found.append(f"{_where(application_id, 'cap_yuan')}：库中为 {stored.cap_yuan!r}，重新计算最高为 "
                     f"{None if lone_cap is None else yuan_text(lone_cap)!r}（同一企业的其他申请只会使上限降低）")
    if _MILDNESS.get(stored.status, -1) < _MILDNESS[lone.status]:
        found.append(f"{_where(application_id, 'status')}：库中为 {stored.status!r}，重新计算至少为 {lone.status!r}")
    if lone.flags:
        kept = set(records.text_lines(stored.flags))
        missing = [flag for flag in lone.flags if flag not in kept]
        if missing:
            found.append(f"{_where(application_id, 'flags')}：库中缺少重新计算得出的提示「{'；'.join(missing)}」")
    if stored.trace.split("\n", 1)[0] != lone.trace[0]:
        found.append(f"{_where(application_id, 'trace')}：库中首行为 {records.text_lines(stored.trace)[:1]!r}，"
                     f"重新计算为 {lone.trace[:1]!r}")
    expected = Decimal(0) if stored.status == INELIGIBLE else _recommended(stored_cap, requested)
    if stored.recommended_yuan is None or expected is None or Decimal(stored.recommended_yuan) != expected:
        found.append(f"{_where(application_id, 'recommended_yuan')}：库中为 {stored.recommended_yuan!r}，"
                     f"按其上限和申请金额应为 {expected}")
    return found


def _exact(stored: records.StoredAssessment, lone: records.StoredAssessment) -> list[str]:
    return [f"{_where(stored.application_id, name)}：库中为 {getattr(stored, name)!r}，"
            f"按政策 {stored.policy_version} 重新计算为 {getattr(lone, name)!r}"
            for name in _EXACT_FIELDS if getattr(stored, name) != getattr(lone, name)]


def _last_written(db: Database, seq: int) -> dict[str, int]:
    """Key → the last entry at or after ``seq`` that wrote the application's assessment (keys as the capture
    triggers write them)."""
    return {str(key): int(last) for key, last in db.execute(
        "SELECT key, MAX(seq) FROM audit_changes WHERE seq >= :seq AND tbl = 'assessments' GROUP BY key",
        {"seq": seq})}


def _check_one(stored: records.StoredAssessment, app_row: dict[str, object], policy: Policy, alone_in: int) -> list[str]:
    found = []
    version = stored.policy_version
    if stored.policy_hash != policy.content_hash:
        found.append(f"{_where(stored.application_id, 'policy_hash')}：库中为 {stored.policy_hash[:16]}…，"
                     f"政策版本 {version} 的数据哈希为 {policy.content_hash[:16]}…")
    app = records.application_from_row(app_row)
    if app.item_id not in policy.items:
        return [*found, f"{_where(stored.application_id, 'policy_version')}：政策版本 {version} 没有申报事项 {app.item_id!r}"]
    lone = engine.assess(app, policy)
    if alone_in == 1 or lone.status == REFERRAL:  # the record hash follows: it covers exactly these fields
        return found + _exact(stored, records.stored_assessment(lone, policy.version, policy.content_hash))
    return found + _bounded(stored, lone, app.requested_yuan)


def assessed_applications_sql(engine: str) -> str:
    """Each application with its stored assessment and the assessment's capture key, in import order."""
    return (f"SELECT {records.columns_sql(records.TABLE_COLUMNS, 'a')}, {records.columns_sql(_STORED_FIELDS, 's')}, "
            f"{dialect.capture_key(engine, 'a.application_id')} FROM applications a "
            "JOIN assessments s ON s.application_id = a.application_id ORDER BY a.seq")


def check_assessments(db: Database) -> AssessmentCheck:
    """Each current assessment against the engine's, as the module docstring says."""
    result = AssessmentCheck()
    starts, result.problems = rules_in_force_from(db)
    written = _last_written(db, min(starts.values())) if starts else {}
    applications_of = {str(uscc): int(count) for uscc, count in db.execute(
        "SELECT uscc, COUNT(*) FROM applications GROUP BY uscc")}
    if db.execute("SELECT 1 FROM audit WHERE action = :action LIMIT 1", {"action": SESSION_OPENED}).fetchone():
        applications_of = {}  # a 会评 workspace holds some of each enterprise's applications: none counts as alone
    rows = db.execute(assessed_applications_sql(db.dialect))
    policies: dict[str, Policy | None] = {}
    width = len(records.TABLE_COLUMNS)
    for values in rows:
        stored = records.StoredAssessment(*values[width:-1])
        if written.get(values[-1], -1) < starts.get(stored.policy_version, 1 << 62):
            result.earlier_rules += 1
            continue
        result.checked += 1
        version = stored.policy_version
        if version not in policies:
            try:
                policies[version] = load_policy(version)
            except ReviewDeskError:
                policies[version] = None
        policy = policies[version]
        if policy is None:
            result.problems.append(f"{_where(stored.application_id, 'policy_version')}：本程序没有政策版本 {version!r}")
            continue
        app_row = dict(zip(records.TABLE_COLUMNS, values[:width]))
        alone_in = applications_of.get(str(app_row["uscc"]), 0)
        rederived = input_digest(tuple(values[:-1]), policy.version, policy.content_hash, alone_in)
        if _AGREED.get(rederived):
            continue
        try:
            found = _check_one(stored, app_row, policy, alone_in)
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
            found = [f"申报 {stored.application_id} 的评估无法复算：申报或评估记录已损坏"]
        result.problems += found
        if not found:
            _AGREED.put(rederived, True)
    return result


# Each application and stored assessment (under its policy, alone or not) that the engine agreed with, exactly so.
_AGREED: PureMemo[bool] = PureMemo()
