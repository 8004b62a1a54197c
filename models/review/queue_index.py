"""A light, column-wise index of the queue for instant search, filter and sort (no Qt).

The GUI's table keeps only positions into this index and fetches full rows
(:func:`models.review.queue.queue_rows`) a page at a time. Searching 100,000
applications is a substring test over one precomputed lowercase string per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from models.workspace.database import Database, in_list

from policy.assessment import STATUS_LABELS

from models.review.corrections import overdue_ids
from models.review.counties import in_official_order
from models.review.queue import STAGE_JOINS, STAGE_NAMES, STAGES, approved_sql, stage_columns, with_overdue
from models.review.terms import (CLOSED_LABELS, FIRST, LEAD, SECOND, STAGES_BY_NAME, acts_next, queue_label,
                                 stages_for_role as table_stages_for_role, stages_open_to, waiting_stage)
from models.workspace.conflict_rows import recusals
from models.workspace.people_rows import people

# Columns whose order SQL computes (money); the rest sort in Python over the index.
SQL_SORTED = {
    "requested": "CAST(a.requested_yuan AS NUMERIC)",
    "cap": "CAST(s.cap_yuan AS NUMERIC)",
    "approved": approved_sql(),
}

_INDEX_QUERY = f"""
SELECT a.application_id, a.enterprise, a.uscc, a.county, a.industry, a.item_id, COALESCE(s.status, ''),
       {stage_columns('outcome')}, {stage_columns('reviewer')}
FROM applications a
LEFT JOIN assessments s ON s.application_id = a.application_id{STAGE_JOINS}
{{where}}
ORDER BY a.seq
"""

_SORT_QUERY = f"""
SELECT a.application_id FROM applications a
LEFT JOIN assessments s ON s.application_id = a.application_id{STAGE_JOINS}
ORDER BY {{key}}, a.seq
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
    acting_as: tuple[str, str] | None = None
    """(reviewer, role): only what that reviewer may act on next (see :func:`may_act_next`)."""

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
    stages: list[str] = field(default_factory=list)  # the queue label (待初审 … 已复核, 待负责人 …)
    # Per application, one value per stage of the table ('' where none): its current outcome and who decided it.
    # Equal tuples are shared, and the rules over them are cached, so 100,000 rows stay light and quick.
    outcomes: list[tuple[str, ...]] = field(default_factory=list)
    deciders: list[tuple[str, ...]] = field(default_factory=list)
    _shared: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict, repr=False)
    position_of: dict[str, int] = field(default_factory=dict)
    recusals: dict[str, set[str]] = field(default_factory=dict)  # reviewer → 申报编号 they declared a conflict on

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, application_id: str, enterprise: str, uscc: str, county: str, industry: str, item_id: str,
               status: str, outcomes: Sequence[str | None] = (), deciders: Sequence[str | None] = ()) -> None:
        """``outcomes`` and ``deciders`` hold one value per stage of the table, in its order (None: no decision)."""
        self.position_of[application_id] = len(self.ids)
        self.ids.append(application_id)
        self._extend_haystack(application_id, enterprise, uscc)
        self.enterprises.append(enterprise)
        self.usccs.append(uscc)
        self.counties.append(county)
        self.industries.append(industry)
        self.item_ids.append(item_id)
        self.statuses.append(status)
        outcome_key, decider_key = self._share(outcomes), self._share(deciders)
        self.stages.append(_label(outcome_key))
        self.outcomes.append(outcome_key)
        self.deciders.append(decider_key)

    def _share(self, values: Sequence[str | None]) -> tuple[str, ...]:
        key = tuple(values[n] or "" if n < len(values) else "" for n in range(len(STAGE_NAMES)))
        return self._shared.setdefault(key, key)

    def set_stage_fields(self, position: int, outcomes: Sequence[str | None], deciders: Sequence[str | None]) -> None:
        self.outcomes[position], self.deciders[position] = self._share(outcomes), self._share(deciders)
        self.stages[position] = _label(self.outcomes[position])

    def outcomes_at(self, position: int) -> dict[str, str]:
        """Stage → current outcome of the application at ``position``."""
        return _as_dict(self.outcomes[position])

    def deciders_at(self, position: int) -> dict[str, str]:
        """Stage → who made its current decision, for the application at ``position``."""
        return _as_dict(self.deciders[position])

    def reviewers_at(self, stage: str) -> list[str]:
        """Who decided ``stage`` of each application ('' where nobody has)."""
        at = STAGE_NAMES.index(stage)
        return [deciders[at] for deciders in self.deciders]

    @property
    def first_reviewers(self) -> list[str]:
        return self.reviewers_at(FIRST)

    @property
    def second_reviewers(self) -> list[str]:
        return self.reviewers_at(SECOND)

    def _extend_haystack(self, application_id: str, enterprise: str, uscc: str) -> None:
        self.haystacks.append(f"{application_id}\t{enterprise}\t{uscc}".lower())

    def distinct(self, column: str) -> list[str]:
        if column == "counties":
            return in_official_order(self.counties)
        return sorted({value for value in getattr(self, column) if value})


def _stage_fields(values: Sequence[str | None]) -> tuple[Sequence[str | None], Sequence[str | None]]:
    """Each stage's current outcome and its reviewer, from the stage columns of the index query."""
    count = len(STAGE_NAMES)
    return values[:count], values[count:2 * count]


def _as_dict(values: tuple[str, ...]) -> dict[str, str]:
    return {name: value for name, value in zip(STAGE_NAMES, values) if value}


@cache
def _label(outcomes: tuple[str, ...]) -> str:
    return queue_label(_as_dict(outcomes))


@cache
def _waiting_role(outcomes: tuple[str, ...]) -> str | None:
    stage = waiting_stage(_as_dict(outcomes))
    return None if stage is None else STAGES_BY_NAME[stage].queue_role


@lru_cache(maxsize=65_536)
def _acts(role: str, reviewer: str, outcomes: tuple[str, ...], deciders: tuple[str, ...]) -> bool:
    return acts_next(role, reviewer, _as_dict(outcomes), _as_dict(deciders))


def load_queue_index(db: Database) -> QueueIndex:
    """Every application's searchable and filterable fields, in one query (and who is recused where)."""
    index = QueueIndex()
    for row in db.execute(_INDEX_QUERY.format(where="")):
        application_id, enterprise, uscc, county, industry, item_id, status = row[:7]
        index.append(application_id, enterprise, uscc, county, industry, item_id, status, *_stage_fields(row[7:]))
    for reviewer, application_id in recusals(db):
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
    marks, params = in_list("id", wanted)
    for row in db.execute(_INDEX_QUERY.format(where=f"WHERE a.application_id IN {marks}"), params):
        at = index.position_of[row[0]]
        index.statuses[at] = row[6]
        index.set_stage_fields(at, *_stage_fields(row[7:]))
    _mark_overdue(db, index, wanted)
    for recused in index.recusals.values():
        recused.difference_update(wanted)
    for reviewer, application_id in recusals(db, wanted):
        index.recusals.setdefault(reviewer, set()).add(application_id)


class QueueFilter:
    """Positions matching a :class:`QueueQuery`, in a given order, reusing the previous answer where it can.

    Changing a facet (产业, 县区 …) rescans once; each keystroke then only tests
    the search terms, and a longer search text only narrows the previous result.
    """

    def __init__(self, index: QueueIndex, order: Sequence[int] | None = None) -> None:
        self.index = index
        self.order: Sequence[int] = range(len(index)) if order is None else order
        self._facets: tuple[object, ...] | None = None
        self._faceted: list[int] = []
        self._last_terms: list[str] = []
        self._last_result: list[int] = []

    def set_order(self, order: Sequence[int]) -> None:
        self.order = order
        self._facets = None

    def invalidate(self) -> None:
        """The index changed under the filter (a decision): the next answer is computed afresh."""
        self._facets = None

    def matching(self, query: QueueQuery) -> list[int]:
        facets = (*query.facets(), query.acting_as)
        if facets != self._facets:
            self._faceted = self._apply_facets(query.facets())
            if query.acting_as is not None:
                reviewer, role = query.acting_as
                self._faceted = [p for p in self._faceted if may_act_next(self.index, p, reviewer, role)]
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
        "lead_reviewer": index.reviewers_at(LEAD),
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

    Everyone: applications the bureau has finished with (decided at a final
    stage, or referred) out of all. A reviewer: the applications they decided
    at any stage, out of those plus the ones now waiting at the stage whose
    queue their role fills (初审: 待初审; 复核: 待复核; 负责人: 待负责人).
    """

    mine_done: int
    mine_total: int
    all_done: int
    all_total: int


def is_recused(index: QueueIndex, position: int, reviewer: str | None) -> bool:
    """``reviewer`` declared a conflict of interest on the application at ``position``."""
    return bool(reviewer) and index.ids[position] in index.recusals.get(reviewer or "", ())


def may_act_next(index: QueueIndex, position: int, reviewer: str | None, role: str | None) -> bool:
    """The application at ``position`` waits at the stage whose queue ``role`` fills (a 复核 needs its 初审
    first; a 负责人's, a case sent up), ``reviewer`` may decide it there and is not recused from it."""
    if not reviewer or not role:
        return False
    return (_acts(role, reviewer, index.outcomes[position], index.deciders[position])
            and not is_recused(index, position, reviewer))


def review_progress(index: QueueIndex, reviewer: str | None, role: str | None) -> ReviewProgress:
    all_done = sum(1 for label in index.stages if label in CLOSED_LABELS)
    if not reviewer or not role or not table_stages_for_role(role):
        return ReviewProgress(0, 0, all_done, len(index))
    done = sum(1 for deciders in index.deciders if reviewer in deciders)
    waiting = sum(1 for outcomes in index.outcomes if _waiting_role(outcomes) == role)
    return ReviewProgress(done, done + waiting, all_done, len(index))


def stages_for_role(role: str) -> list[str]:
    """Every stage the stage table lets ``role`` decide."""
    return list(table_stages_for_role(role))


def open_stages(role: str, reviewer: str, outcomes: dict[str, str], deciders: dict[str, str]) -> list[str]:
    """The stages ``reviewer`` may decide on a case now (see :func:`models.review.terms.stages_open_to`)."""
    return list(stages_open_to(role, reviewer, outcomes, deciders))


def default_stage(role: str, reviewer: str, outcomes: dict[str, str], deciders: dict[str, str]) -> str | None:
    """The stage the form opens at: where the case waits when ``reviewer`` may act there, else the one they
    decided already, else the first open to them; None when none is."""
    allowed = stages_open_to(role, reviewer, outcomes, deciders)
    waiting = waiting_stage(outcomes)
    mine = next((stage for stage, name in deciders.items() if name == reviewer), None)
    for candidate in (waiting, mine):
        if candidate in allowed:
            return candidate
    return allowed[0] if allowed else None


def reviewer_roles(db: Database) -> dict[str, str]:
    """Reviewer name → role, in the order they were added (without parsing their certificates)."""
    return {person.name: person.role for person in people(db)}
