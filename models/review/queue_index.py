"""A light, column-wise index of the queue for instant search, filter and sort (no Qt).

The GUI's table keeps only positions into this index and fetches full rows
(:func:`models.review.queue.queue_rows`) a page at a time. Searching 100,000
applications is a substring test over one precomputed lowercase string per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from policy.assessment import STATUS_LABELS

from models.review.corrections import overdue_ids
from models.review.counties import in_official_order
from models.review.queue import APPROVING, STAGES, stage_of, with_overdue
from models.review.terms import FIRST, ROLES_FOR_STAGE, SECOND

# Columns whose order SQL computes (money); the rest sort in Python over the index.
SQL_SORTED = {
    "requested": "CAST(a.requested_yuan AS REAL)",
    "cap": "CAST(s.cap_yuan AS REAL)",
    "approved": (f"CASE WHEN r.outcome IN ({','.join(repr(o) for o in APPROVING)}) THEN CAST(r.amount_yuan AS REAL) "
                 "WHEN r.outcome = '不通过' THEN 0 END"),
}

_INDEX_QUERY = """
SELECT a.application_id, a.enterprise, a.uscc, a.county, a.industry, a.item_id, IFNULL(s.status, ''),
       f.outcome, IFNULL(f.reviewer, ''), r.outcome, IFNULL(r.reviewer, '')
FROM applications a
LEFT JOIN assessments s ON s.application_id = a.application_id
LEFT JOIN decisions f ON f.application_id = a.application_id AND f.stage = '初审' AND f.current = 1
LEFT JOIN decisions r ON r.application_id = a.application_id AND r.stage = '复核' AND r.current = 1
{where}
ORDER BY a.seq
"""

_SORT_QUERY = """
SELECT a.application_id FROM applications a
LEFT JOIN assessments s ON s.application_id = a.application_id
LEFT JOIN decisions r ON r.application_id = a.application_id AND r.stage = '复核' AND r.current = 1
ORDER BY {key}, a.seq
"""


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """What the reviewer asked to see; an empty field means any."""

    text: str = ""
    industry: str = ""
    county: str = ""
    item_id: str = ""
    status: str = ""
    stage: str = ""

    def facets(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, value) for name, value in (
            ("industries", self.industry), ("counties", self.county), ("item_ids", self.item_id),
            ("statuses", self.status), ("stages", self.stage)) if value)

    def terms(self) -> list[str]:
        return self.text.lower().split()


@dataclass(slots=True)
class QueueIndex:
    """One entry per application, in import order; ``haystacks`` hold 申报编号, 企业名称 and 统一社会信用代码."""

    ids: list[str] = field(default_factory=list)
    haystacks: list[str] = field(default_factory=list)
    enterprises: list[str] = field(default_factory=list)
    usccs: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    item_ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    first_outcomes: list[str] = field(default_factory=list)
    first_reviewers: list[str] = field(default_factory=list)
    second_reviewers: list[str] = field(default_factory=list)
    position_of: dict[str, int] = field(default_factory=dict)
    recusals: dict[str, set[str]] = field(default_factory=dict)  # reviewer → 申报编号 they declared a conflict on

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, application_id: str, enterprise: str, uscc: str, county: str, industry: str, item_id: str,
               status: str, first_outcome: str | None, first_reviewer: str, second_outcome: str | None,
               second_reviewer: str) -> None:
        self.position_of[application_id] = len(self.ids)
        self.ids.append(application_id)
        self._extend_haystack(application_id, enterprise, uscc)
        self.enterprises.append(enterprise)
        self.usccs.append(uscc)
        self.counties.append(county)
        self.industries.append(industry)
        self.item_ids.append(item_id)
        self.statuses.append(status)
        self.stages.append(stage_of(first_outcome, second_outcome))
        self.first_outcomes.append(first_outcome or "")
        self.first_reviewers.append(first_reviewer)
        self.second_reviewers.append(second_reviewer)

    def _extend_haystack(self, application_id: str, enterprise: str, uscc: str) -> None:
        self.haystacks.append(f"{application_id}\t{enterprise}\t{uscc}".lower())

    def distinct(self, column: str) -> list[str]:
        if column == "counties":
            return in_official_order(self.counties)
        return sorted({value for value in getattr(self, column) if value})


_RECUSALS_QUERY = "SELECT reviewer, application_id FROM conflicts WHERE has_conflict = 1"


def load_queue_index(db: Database) -> QueueIndex:
    """Every application's searchable and filterable fields, in one query (and who is recused where)."""
    index = QueueIndex()
    for row in db.execute(_INDEX_QUERY.format(where="")):
        index.append(*row)
    for reviewer, application_id in db.execute(_RECUSALS_QUERY):
        index.recusals.setdefault(reviewer, set()).add(application_id)
    _mark_overdue(db, index)
    return index


def _mark_overdue(db: Database, index: QueueIndex, ids: list[str] | None = None) -> None:
    """待补正·逾期 for the applications of ``ids`` (default all) whose 补正 deadline has passed."""
    for application_id in overdue_ids(db, ids=ids):
        at = index.position_of.get(application_id)
        if at is not None:
            index.stages[at] = with_overdue(index.stages[at], application_id, {application_id})


def refresh_rows(db: Database, index: QueueIndex, ids: Iterable[str]) -> None:
    """Re-read the stage and reviewers of ``ids`` after a decision (positions do not move)."""
    wanted = [i for i in ids if i in index.position_of]
    if not wanted:
        return
    where = f"WHERE a.application_id IN ({','.join('?' * len(wanted))})"
    for (application_id, _e, _u, _c, _i, _item, status, first_outcome, first_reviewer, second_outcome,
         second_reviewer) in db.execute(_INDEX_QUERY.format(where=where), wanted):
        at = index.position_of[application_id]
        index.statuses[at] = status
        index.stages[at] = stage_of(first_outcome, second_outcome)
        index.first_outcomes[at] = first_outcome or ""
        index.first_reviewers[at] = first_reviewer
        index.second_reviewers[at] = second_reviewer
    _mark_overdue(db, index, wanted)
    for recused in index.recusals.values():
        recused.difference_update(wanted)
    for reviewer, application_id in db.execute(
            f"{_RECUSALS_QUERY} AND application_id IN ({','.join('?' * len(wanted))})", wanted):
        index.recusals.setdefault(reviewer, set()).add(application_id)


class QueueFilter:
    """Positions matching a :class:`QueueQuery`, in a given order, reusing the previous answer where it can.

    Changing a facet (产业, 县区 …) rescans once; each keystroke then only tests
    the search terms, and a longer search text only narrows the previous result.
    """

    def __init__(self, index: QueueIndex, order: Sequence[int] | None = None) -> None:
        self.index = index
        self.order: Sequence[int] = range(len(index)) if order is None else order
        self._facets: tuple[tuple[str, str], ...] | None = None
        self._faceted: list[int] = []
        self._last_terms: list[str] = []
        self._last_result: list[int] = []

    def set_order(self, order: Sequence[int]) -> None:
        self.order = order
        self._facets = None

    def matching(self, query: QueueQuery) -> list[int]:
        facets = query.facets()
        if facets != self._facets:
            self._faceted = self._apply_facets(facets)
            self._facets = facets
            self._last_terms, self._last_result = [], self._faceted
        terms = query.terms()
        base = self._last_result if _narrows(self._last_terms, terms) else self._faceted
        hay = self.index.haystacks
        result = base if terms else list(base)
        for term in terms:
            result = [p for p in result if term in hay[p]]
        self._last_terms, self._last_result = terms, result
        return result

    def _apply_facets(self, facets: tuple[tuple[str, str], ...]) -> list[int]:
        positions = list(self.order)
        for column, wanted in facets:
            values = getattr(self.index, column)
            positions = [p for p in positions if values[p] == wanted]
        return positions


def _narrows(previous: list[str], terms: list[str]) -> bool:
    """True when every match of ``terms`` is also a match of ``previous``."""
    if not previous:
        return True
    return all(any(old in new for new in terms) for old in previous)


def sort_order(index: QueueIndex, column: str, descending: bool, *, db: Database | None = None,
               item_names: dict[str, str] | None = None,
               status_order: Sequence[str] = tuple(STATUS_LABELS)) -> list[int]:
    """Positions sorted by ``column`` (a :data:`COLUMN_KEYS` key); ties keep import order."""
    if column in SQL_SORTED:
        if db is None:
            raise ValueError(f"sorting by {column} needs the database")
        key = SQL_SORTED[column]
        direction = "DESC" if descending else "ASC"
        ids = db.execute(_SORT_QUERY.format(key=f"({key}) IS NULL, {key} {direction}"))
        return [index.position_of[i] for (i,) in ids if i in index.position_of]
    values: Sequence[Any] = _sort_values(index, column, item_names or {}, status_order)  # one kind per column
    return sorted(range(len(index)), key=lambda position: values[position], reverse=descending)


def _sort_values(index: QueueIndex, column: str, item_names: dict[str, str],
                 status_order: Sequence[str]) -> Sequence[object]:
    simple: dict[str, list[str]] = {
        "application_id": index.ids, "enterprise": index.enterprises, "uscc": index.usccs,
        "county": index.counties, "industry": index.industries,
        "first_reviewer": index.first_reviewers, "second_reviewer": index.second_reviewers,
    }
    if column in simple:
        return simple[column]
    if column == "item":
        return [item_names.get(i, i) for i in index.item_ids]
    if column == "status":
        rank = {status: n for n, status in enumerate(status_order)}
        return [rank.get(s, len(rank)) for s in index.statuses]
    if column == "stage":
        rank = {stage: n for n, stage in enumerate(STAGES)}
        return [rank.get(s, len(rank)) for s in index.stages]
    raise ValueError(f"unknown queue column {column!r}")


@dataclass(frozen=True, slots=True)
class ReviewProgress:
    """已审 n / 共 m, for one reviewer and for everyone.

    Everyone: applications through 复核 (已复核) out of all. A reviewer: the
    applications they decided at their stage, out of those plus the ones now
    waiting at that stage (初审: 待初审; 复核: 待复核; 负责人: 待负责人).
    """

    mine_done: int
    mine_total: int
    all_done: int
    all_total: int


_WAITING_FOR_ROLE = {"初审": "待初审", "复核": "待复核", "负责人": "待负责人"}


def is_recused(index: QueueIndex, position: int, reviewer: str | None) -> bool:
    """``reviewer`` declared a conflict of interest on the application at ``position``."""
    return bool(reviewer) and index.ids[position] in index.recusals.get(reviewer or "", ())


def may_act_next(index: QueueIndex, position: int, reviewer: str | None, role: str | None) -> bool:
    """The application at ``position`` waits at ``role``'s stage (a 复核 needs its 初审 first) and
    ``reviewer`` is not recused from it."""
    waiting = _WAITING_FOR_ROLE.get(role or "")
    return waiting is not None and index.stages[position] == waiting and not is_recused(index, position, reviewer)


def review_progress(index: QueueIndex, reviewer: str | None, role: str | None) -> ReviewProgress:
    all_done = index.stages.count("已复核")
    if not reviewer or role not in _WAITING_FOR_ROLE:
        return ReviewProgress(0, 0, all_done, len(index))
    if role == "初审":
        done = index.first_reviewers.count(reviewer)
    elif role == "复核":
        done = index.second_reviewers.count(reviewer)
    else:
        done = sum(1 for a, b in zip(index.first_reviewers, index.second_reviewers) if reviewer in (a, b))
    waiting = index.stages.count(_WAITING_FOR_ROLE[role])
    return ReviewProgress(done, done + waiting, all_done, len(index))


def stages_for_role(role: str) -> list[str]:
    return [stage for stage, roles in ROLES_FOR_STAGE.items() if role in roles and stage in (FIRST, SECOND)]


def default_stage(role: str, first_outcome: str | None) -> str:
    """The stage a reviewer of ``role`` decides next: their only one, else 初审 until it is final."""
    from models.review.terms import FINAL_OUTCOMES, FIRST, SECOND

    stages = stages_for_role(role)
    if len(stages) == 1:
        return stages[0]
    return SECOND if first_outcome in FINAL_OUTCOMES else FIRST


def reviewer_roles(db: Database) -> dict[str, str]:
    """Reviewer name → role, in the order they were added (without parsing their certificates)."""
    return dict(db.execute("SELECT name, role FROM reviewers ORDER BY created_at").fetchall())
