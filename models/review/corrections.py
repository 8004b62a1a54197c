"""补正: an application returned for more materials, its deadline, and its resubmission.

A 退回补正 decision names the missing materials and a deadline; both are part
of the record its reviewer signs (``decision.correction``). The application
then waits as 待补正 until the applicant resubmits — an ``import --update`` of
its row — which supersedes its current decisions, returns it to review and
keeps what changed (fields, evidence added or removed) in ``resubmissions``,
with its audit event, for the reviewer who picks it up.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from models.workspace import dialect
from models.workspace.database import INSERTION_ORDER, Database, in_list, insert_in_order_sql

from models.intake.columns import COLUMNS
from models.limits import latest_date
from models.review.terms import RETURN_FOR_MATERIALS
from models.workspace import audit
from models.workspace.decision_rows import CURRENT, current_decisions, supersede
from models.workspace.evidence_rows import names_and_hashes
from models.workspace.records import application_row, compact_json
from models.workspace.workspace import Workspace
from policy.money import wan_text

if TYPE_CHECKING:
    from models.signing.signed_entries import SignedAppender

MAX_ITEMS = 30
MAX_ITEM_CHARS = 200
ADDED_EVIDENCE = "补充附件"
"""The source of a resubmission made of added files only (``models.review.correction_evidence``)."""
RESUBMITTED = "补正材料重新提交"
"""The audit action of a resubmission (trust part 1 names it as the one way back from 待补正)."""

_LABELS = {column.field: column.header for column in COLUMNS} | {
    "item_id": "申报事项", "warnings": "导入提示", "source_row": "所在行"}
_NOT_SHOWN = frozenset({"application_id", "warnings", "source_row", "attachments"})


@dataclass(frozen=True, slots=True)
class Correction:
    """A current 退回补正 decision: what is missing and by when."""

    application_id: str
    decision_uuid: str
    stage: str
    reviewer: str
    decided_at: str
    items: tuple[str, ...]
    deadline: date | None

    def overdue(self, today: date | None = None) -> bool:
        return self.deadline is not None and self.deadline < (today or local_today())


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Resubmission:
    uuid: str
    application_id: str
    returned_uuid: str
    resubmitted_at: str
    actor: str
    file_name: str
    late: bool
    changed: tuple[FieldChange, ...]
    evidence_added: tuple[str, ...]
    evidence_removed: tuple[str, ...]

    @property
    def source(self) -> str:
        """``由收件窗口导入 补正.csv`` or ``由收件窗口补充附件``."""
        return f"由{self.actor}{ADDED_EVIDENCE}" if self.file_name == ADDED_EVIDENCE else f"由{self.actor}导入 {self.file_name}"

    def lines(self) -> list[str]:
        """What changed, one line each, as the review form and ``show`` print it."""
        lines = [f"{change.label}：{change.before or '（空）'} → {change.after or '（空）'}" for change in self.changed]
        lines += [f"新增附件：{name}" for name in self.evidence_added]
        lines += [f"移除附件：{name}" for name in self.evidence_removed]
        return lines or ["申报内容与附件均未改变"]


# --- the rule of a 退回补正 decision ------------------------------------------------------------


def local_today() -> date:
    """This computer's date: what deadlines are compared with."""
    return date.today()


def clean_items(items: Iterable[str]) -> tuple[str, ...]:
    """The items as they are signed: trimmed, blanks dropped, each once, in the order given."""
    return tuple(dict.fromkeys(item.strip() for item in items if item.strip()))


def correction_problem(outcome: str, items: Sequence[str], deadline: date | None,
                       today: date | None = None) -> str | None:
    """Why these materials and deadline cannot go with ``outcome``, or None when they can."""
    today = today or local_today()
    cleaned = clean_items(items)
    if outcome != RETURN_FOR_MATERIALS:
        if cleaned or deadline is not None:
            return f"只有结论为{RETURN_FOR_MATERIALS}时才填写需补正的材料和补正期限"
        return None
    if not cleaned:
        return f"结论为{RETURN_FOR_MATERIALS}时须列明需补正的材料（从材料清单中勾选或填写）"
    if len(cleaned) > MAX_ITEMS:
        return f"需补正的材料最多 {MAX_ITEMS} 项，现为 {len(cleaned)} 项"
    for number, item in enumerate(cleaned, start=1):
        if len(item) > MAX_ITEM_CHARS:
            return f"第 {number} 项需补正的材料超过 {MAX_ITEM_CHARS} 个字符"
        if not item.isprintable():
            return f"第 {number} 项需补正的材料含有换行或控制字符：每项写成一行"
    if deadline is None:
        return f"结论为{RETURN_FOR_MATERIALS}时须填写补正期限（日期）"
    if deadline <= today:
        return f"补正期限 {deadline.isoformat()} 须晚于今天（{today.isoformat()}）"
    if deadline > latest_date(today):
        return f"补正期限 {deadline.isoformat()} 不能晚于一年之后（{latest_date(today).isoformat()}）"
    return None


def signed_fields(outcome: str, items: Sequence[str], deadline: date | None) -> dict[str, Any]:
    """The part of a decision's signed record that says what is missing and by when (nothing otherwise)."""
    if outcome != RETURN_FOR_MATERIALS:
        return {}
    return {"correction": {"items": list(clean_items(items)),
                           "deadline": deadline.isoformat() if deadline else None}}


# --- reading ----------------------------------------------------------------------------------


def correction_of_record(record_text: str) -> tuple[tuple[str, ...], date | None]:
    """The items and deadline a decision's signed record carries (none for an older record)."""
    try:
        signed = json.loads(record_text).get("decision", {}).get("correction") or {}
        items = tuple(str(item) for item in signed.get("items", []))
        deadline = date.fromisoformat(signed["deadline"]) if signed.get("deadline") else None
    except (ValueError, TypeError, AttributeError):
        return (), None
    return items, deadline


_PENDING = ("SELECT application_id, uuid, stage, reviewer, decided_at FROM decisions "
            f"WHERE {CURRENT} AND outcome = '{RETURN_FOR_MATERIALS}'")


def signed_corrections_sql(engine: str, uuids: str) -> str:
    """The items and deadline of the decisions ``uuids`` (an IN list), read from their signed records by the
    database, which parses the record's JSON about three times as fast as Python does."""
    return (f"SELECT uuid, {dialect.json_field(engine, 'record', 'decision', 'correction', 'items')}, "
            f"{dialect.json_field(engine, 'record', 'decision', 'correction', 'deadline')} FROM decisions "
            f"WHERE uuid IN {uuids}")

_CACHE_LIMIT = 200_000
_signed_corrections: dict[str, tuple[tuple[str, ...], date | None]] = {}
"""Decision uuid → (items, deadline): a signed record never changes, so each is read once per process."""


def pending_corrections(db: Database, ids: Sequence[str] | None = None) -> dict[str, Correction]:
    """Every application waiting for 补正 (or those of ``ids``), with its latest current 退回补正."""
    if ids is None:
        rows = db.execute(_PENDING + " ORDER BY decided_at").fetchall()
    else:
        wanted, rows = list(ids), []
        for start in range(0, len(wanted), 500):  # SQLite's limit on bound variables
            chunk = wanted[start:start + 500]
            marks, params = in_list("id", chunk)
            rows += db.execute(f"{_PENDING} AND application_id IN {marks} ORDER BY decided_at", params).fetchall()
    _read_signed(db, [row[1] for row in rows if row[1] not in _signed_corrections])
    return {application_id: Correction(application_id, decision_uuid, stage, reviewer, decided_at,
                                       *_signed_corrections.get(decision_uuid, ((), None)))
            for application_id, decision_uuid, stage, reviewer, decided_at in rows}


def _read_signed(db: Database, uuids: list[str]) -> None:
    if len(_signed_corrections) + len(uuids) > _CACHE_LIMIT:
        _signed_corrections.clear()
    for start in range(0, len(uuids), 500):
        chunk = uuids[start:start + 500]
        marks, params = in_list("uuid", chunk)
        for decision_uuid, items_json, deadline_text in db.execute(signed_corrections_sql(db.dialect, marks), params):
            _signed_corrections[decision_uuid] = _correction_fields(items_json, deadline_text)


def _correction_fields(items_json: str | None, deadline_text: str | None) -> tuple[tuple[str, ...], date | None]:
    try:
        items = tuple(str(item) for item in json.loads(items_json)) if items_json else ()
        return items, date.fromisoformat(deadline_text) if deadline_text else None
    except (ValueError, TypeError):
        return (), None


def pending_correction(db: Database, application_id: str) -> Correction | None:
    return pending_corrections(db, [application_id]).get(application_id)


def overdue_ids(db: Database, today: date | None = None, ids: Sequence[str] | None = None) -> set[str]:
    """The applications (of ``ids``, default all) whose 补正 deadline has passed with nothing resubmitted."""
    return {i for i, correction in pending_corrections(db, ids).items() if correction.overdue(today)}


def latest_resubmission(db: Database, application_id: str) -> Resubmission | None:
    """The newest resubmission of the application, while no decision has been made since."""
    row = db.execute("SELECT uuid, application_id, returned_uuid, resubmitted_at, actor, file_name, late, "
                     "changed_fields, evidence_added, evidence_removed FROM resubmissions "
                     f"WHERE application_id = :id ORDER BY resubmitted_at DESC, {INSERTION_ORDER} DESC LIMIT 1",
                     {"id": application_id}).fetchone()
    if row is None:
        return None
    if any(_moment(d.decided_at) >= _moment(row[3]) for d in current_decisions(db, application_id)):
        return None
    changed = tuple(FieldChange(**change) for change in json.loads(row[7]))
    return Resubmission(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), changed,
                        tuple(json.loads(row[8])), tuple(json.loads(row[9])))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- a resubmission -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Before:
    correction: Correction
    fields: dict[str, Any]
    evidence: tuple[tuple[str, str], ...]  # (name, sha256) in order


def _evidence(db: Database, application_id: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, sha256) for _, _, name, sha256 in names_and_hashes(db, application_id))


def _fields(db: Database, application_id: str) -> dict[str, Any]:
    return application_row(db, application_id) or {}


def before_resubmission(ws: Workspace, ids: Iterable[str]) -> dict[str, _Before]:
    """What the applications of ``ids`` that wait for 补正 hold now, before an import replaces them."""
    pending = pending_corrections(ws.db, list(ids))
    return {i: _Before(correction, _fields(ws.db, i), _evidence(ws.db, i)) for i, correction in pending.items()}


def record_resubmissions(ws: Workspace, before: Mapping[str, _Before], actor: str, file_name: str,
                         today: date | None = None, signed: SignedAppender | None = None) -> list[Resubmission]:
    """After the import wrote the new rows: supersede the current decisions of each application that
    waited for 补正 (it goes back to review), keep what changed, one audit event each (signed by the
    importer with ``signed``).

    Call inside the import's transaction.
    """
    made = []
    for application_id, old in before.items():
        superseded = [d.uuid for d in current_decisions(ws.db, application_id)]
        supersede(ws.db, superseded)
        changed = _changed_fields(old.fields, _fields(ws.db, application_id))
        new_evidence = _evidence(ws.db, application_id)
        added = [name for name, sha in new_evidence if (name, sha) not in old.evidence]
        removed = [name for name, sha in old.evidence if (name, sha) not in new_evidence]
        late = old.correction.overdue(today)
        resubmission = Resubmission(str(uuid.uuid4()), application_id, old.correction.decision_uuid,
                                    audit.now_text(), actor, file_name, late, tuple(changed), tuple(added),
                                    tuple(removed))
        ws.db.execute(
            insert_in_order_sql("resubmissions", ("uuid", "application_id", "returned_uuid", "resubmitted_at", "actor",
                                                  "file_name", "late", "changed_fields", "evidence_added",
                                                  "evidence_removed")),
            {"uuid": resubmission.uuid, "application_id": application_id, "returned_uuid": resubmission.returned_uuid,
             "resubmitted_at": resubmission.resubmitted_at, "actor": actor, "file_name": file_name, "late": int(late),
             "changed_fields": compact_json([_change_json(c) for c in changed]), "evidence_added": compact_json(added),
             "evidence_removed": compact_json(removed)})
        details = {
            "file": file_name, "superseded": superseded, "returned": old.correction.decision_uuid,
            "reason": "申报人按补正告知提交材料" + ("（已过补正期限）" if late else ""),
            "changed_fields": [c.field for c in changed], "evidence_added": added, "evidence_removed": removed,
        }
        if signed is not None:
            signed.append(ws.db, RESUBMITTED, application_id, details)
        else:
            audit.append(ws.db, actor, RESUBMITTED, application_id, details)
        made.append(resubmission)
    return made


def _change_json(change: FieldChange) -> dict[str, str]:
    return {"field": change.field, "label": change.label, "before": change.before, "after": change.after}


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    changes = []
    for field, label in _LABELS.items():
        if field in _NOT_SHOWN or before.get(field) == after.get(field):
            continue
        changes.append(FieldChange(field, label.removesuffix("(万元)"), _shown(field, before.get(field)),
                                   _shown(field, after.get(field))))
    return changes


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field.endswith("_yuan"):
        return wan_text(Decimal(str(value)))
    return str(value)


@dataclass(frozen=True, slots=True)
class CorrectionState:
    """What the review form shows about 补正: the request still open, or the resubmission to look at."""

    pending: Correction | None
    resubmission: Resubmission | None

    @property
    def shown(self) -> bool:
        return self.pending is not None or self.resubmission is not None


def correction_state(db: Database, application_id: str) -> CorrectionState:
    return CorrectionState(pending_correction(db, application_id), latest_resubmission(db, application_id))
