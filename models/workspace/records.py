"""The ``applications`` and ``assessments`` tables: their one record type each, and the one place that reads and
writes them. Money is Decimal text in 元; lines are joined with newlines.

Read-only joins across tables (the queue, history, statistics) select the columns they show; everything that
needs a whole application or assessment asks :func:`application` or :func:`assessment`.
"""

from __future__ import annotations

import json
from hashlib import sha256
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from policy.application import Application
from policy.assessment import Assessment
from policy.money import yuan_text

from models.workspace.database import in_list, insert_sql, row_replace, row_write

if TYPE_CHECKING:
    from models.workspace.database import Database

# Built once: json.dumps with keyword arguments builds a new encoder on every call.
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

APPLICATION_COLUMNS = (
    "application_id", "enterprise", "uscc", "county", "industry", "item_id", "recognised_on",
    "application_year", "quantity", "total_investment_yuan", "equipment_yuan", "land_efficiency",
    "superior_funding_yuan", "enclave_region", "performance", "requested_yuan", "attachments",
    "warnings", "source_row", "item_text",
)
"""The application's own fields, in the order :func:`application_values` gives them."""

STORED_COLUMNS = ("import_id", "version", "demo", "seq")
"""What the workspace keeps beside an application's fields: its import, its version, demo or not, file order."""

TABLE_COLUMNS = (*APPLICATION_COLUMNS[:-1], *STORED_COLUMNS, "item_text")
"""Every column of ``applications`` in the table's order (``item_text`` came with migration 0006)."""

ASSESSMENT_COLUMNS = ("application_id", "policy_version", "policy_hash", "status", "uncapped_yuan", "cap_yuan",
                      "recommended_yuan", "flags", "trace", "record_hash", "assessed_at")


def lines_text(lines: list[str] | tuple[str, ...]) -> str:
    """Trace and flag lines as stored: one per line (they never hold a newline)."""
    return "\n".join(lines)


def text_lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def money_text(value: Decimal | None) -> str | None:
    """``f"{value:f}"``: the plain digits, never an exponent. ``str`` gives the same text three times as fast
    (0.17 against 0.55 µs; an import makes five a row) except where it would write an exponent."""
    if value is None:
        return None
    text = str(value)
    return text if "E" not in text else f"{value:f}"


def money_value(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def columns_sql(columns: Sequence[str], alias: str = "") -> str:
    """``a.x, a.y`` for a join that reads a record's columns under ``alias``."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{name}" for name in columns)


# --- applications -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredApplication:
    """An application as the workspace holds it: its fields, and where it came from."""

    application: Application
    import_id: int | None
    version: int
    demo: bool
    seq: int


def application_values(app: Application) -> tuple[Any, ...]:
    """The row for ``APPLICATION_COLUMNS``, in that order."""
    return (
        app.application_id, app.enterprise, app.uscc, app.county, app.industry, app.item_id,
        app.recognised_on.isoformat() if app.recognised_on else None, app.application_year,
        app.quantity, money_text(app.total_investment_yuan), money_text(app.equipment_yuan),
        app.land_efficiency, money_text(app.superior_funding_yuan), app.enclave_region,
        app.performance, money_text(app.requested_yuan),
        _json_list(app.attachments), _json_list(app.warnings), app.row, app.item_text,
    )


_json_lists: dict[tuple[str, ...], str] = {}


def _json_list(values: tuple[str, ...]) -> str:
    """``compact_json(list(values))``, remembered: the same attachment names and warnings recur row after row."""
    if not values:
        return "[]"
    text = _json_lists.get(values)
    if text is None:
        if len(_json_lists) >= 10_000:
            _json_lists.clear()
        text = _json_lists[values] = compact_json(list(values))
    return text


def application_from_row(row: dict[str, Any]) -> Application:
    return Application(
        application_id=row["application_id"], enterprise=row["enterprise"], uscc=row["uscc"],
        industry=row["industry"], item_id=row["item_id"], county=row["county"],
        recognised_on=date.fromisoformat(row["recognised_on"]) if row["recognised_on"] else None,
        application_year=row["application_year"], quantity=row["quantity"],
        total_investment_yuan=money_value(row["total_investment_yuan"]),
        equipment_yuan=money_value(row["equipment_yuan"]), land_efficiency=row["land_efficiency"],
        superior_funding_yuan=money_value(row["superior_funding_yuan"]),
        enclave_region=row["enclave_region"], performance=row["performance"],
        requested_yuan=money_value(row["requested_yuan"]),
        attachments=tuple(json.loads(row["attachments"])), warnings=tuple(json.loads(row["warnings"])),
        row=row["source_row"], item_text=row.get("item_text") or "",
    )


def stored_application_from_row(row: dict[str, Any]) -> StoredApplication:
    return StoredApplication(application_from_row(row), row["import_id"], int(row["version"]), bool(row["demo"]),
                             int(row["seq"]))


def application_snapshot(app: Application) -> dict[str, Any]:
    """A plain mapping of the application, for history and for signed records.

    ``item_text`` is left out when empty, so records signed before it was stored still match.
    """
    snapshot = dict(zip(APPLICATION_COLUMNS, application_values(app)))
    if not app.item_text:
        del snapshot["item_text"]
    return snapshot


_APPLICATION = f"SELECT {columns_sql(TABLE_COLUMNS)} FROM applications WHERE application_id = :id"


def application_row(db: Database, application_id: str) -> dict[str, Any] | None:
    """The application's row exactly as stored, every column: what a kept version and the 补正 comparison hold."""
    cursor = db.execute(_APPLICATION, {"id": application_id})
    values = cursor.fetchone()
    return None if values is None else dict(zip(TABLE_COLUMNS, values))


def application(db: Database, application_id: str) -> StoredApplication | None:
    """The application with that 申报编号, or None."""
    row = application_row(db, application_id)
    return None if row is None else stored_application_from_row(row)


def application_exists(db: Database, application_id: str) -> bool:
    return db.execute("SELECT 1 FROM applications WHERE application_id = :id",
                      {"id": application_id}).fetchone() is not None


def any_application(db: Database) -> bool:
    return db.execute("SELECT 1 FROM applications LIMIT 1").fetchone() is not None


def existing_applications(db: Database, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` the workspace already holds."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):  # SQLite's limit on bound variables
        marks, parameters = in_list("id", ids[start:start + 500])
        found.update(row[0] for row in db.execute(
            f"SELECT application_id FROM applications WHERE application_id IN {marks}", parameters))
    return found


def next_seq(db: Database) -> int:
    """The file-order number the next imported application takes."""
    return int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM applications").fetchone()[0]) + 1


_INSERT_HEAD = f"INSERT INTO applications ({columns_sql(APPLICATION_COLUMNS)}, import_id, version, demo, seq)"
_INSERT_COLUMNS = (*APPLICATION_COLUMNS, "import_id", "version", "demo", "seq")
_UPSERT = row_write(_INSERT_HEAD, _INSERT_COLUMNS,
                    tail=" ON CONFLICT(application_id) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in APPLICATION_COLUMNS[1:])
                    + ", import_id = excluded.import_id, version = applications.version + 1")
_INSERT_NEW = row_write(_INSERT_HEAD, _INSERT_COLUMNS)
"""The same insert without its conflict clause, for applications known to be new."""


ApplicationRow = tuple[Any, ...]
"""An imported application's values for :func:`put_application_rows`: its fields, import, version, demo, order."""


def application_rows(apps: Sequence[Application], import_id: int, demo: bool, first_seq: int) -> list[ApplicationRow]:
    """The rows :func:`put_application_rows` writes for an import's applications, in file order from ``first_seq``."""
    return [(*application_values(app), import_id, 1, int(demo), first_seq + n) for n, app in enumerate(apps)]


def put_application_rows(db: Database, rows: Sequence[ApplicationRow], *, replace: bool = True) -> int:
    """Insert an import's applications (from :func:`application_rows`); one already held is replaced and its
    version counted up. Returns the number of rows written.

    Without ``replace`` (new applications only) one already held is refused (``sqlite3.IntegrityError``): a plain
    INSERT does less for each row than one with a conflict clause (at 50,000 rows, 0.82 instead of 0.92 CPU
    seconds)."""
    return db.write_rows(_UPSERT if replace else _INSERT_NEW, rows).rowcount


def put_applications(db: Database, apps: Sequence[Application], import_id: int, demo: bool, first_seq: int) -> int:
    """Insert an import's applications in file order; one already held is replaced and its version counted up.
    Returns the number of rows written."""
    return put_application_rows(db, application_rows(apps, import_id, demo, first_seq))


def insert_application(db: Database, stored: StoredApplication) -> None:
    """Insert an application as it was stored elsewhere (a 会评 package), keeping its version and order."""
    db.execute(insert_sql("applications", (*APPLICATION_COLUMNS, *STORED_COLUMNS)),
               dict(zip((*APPLICATION_COLUMNS, *STORED_COLUMNS),
                        (*application_values(stored.application), stored.import_id, stored.version, int(stored.demo),
                         stored.seq))))


def set_attachments(db: Database, application_id: str, names: Sequence[str]) -> None:
    db.execute("UPDATE applications SET attachments = :attachments WHERE application_id = :id",
               {"attachments": compact_json(list(names)), "id": application_id})


def keep_versions(db: Database, ids: Iterable[str], import_id: int, now: str) -> None:
    """Keep each application's version, whole, in ``application_versions`` before an ``--update`` replaces it."""
    for application_id in ids:
        row = application_row(db, application_id)
        if row is None:
            continue
        db.execute(
            insert_sql("application_versions", ("application_id", "version", "snapshot", "replaced_at",
                                                "replaced_by_import")),
            {"application_id": application_id, "version": row["version"],
             "snapshot": json.dumps(row, ensure_ascii=False), "replaced_at": now, "replaced_by_import": import_id})


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One file taken in: by whom, when, how many rows, under which policy version (and the one its 申报年度 called
    for; they differ when a reviewer chose). A 会评 workspace records its package as its one import."""

    file_name: str
    sha256: str
    row_count: int
    updated: bool
    imported_at: str
    actor: str
    policy_version: str = ""
    policy_by_year: str = ""


def import_row(db: Database, import_id: int | None) -> ImportRow | None:
    row = db.execute("SELECT file_name, sha256, row_count, updated, imported_at, actor, policy_version, "
                     "policy_by_year FROM imports WHERE id = :id", {"id": import_id}).fetchone()
    if row is None:
        return None
    file_name, sha256, row_count, updated, imported_at, actor, policy_version, by_year = row
    return ImportRow(file_name, sha256, int(row_count), bool(updated), imported_at, actor, policy_version, by_year)


def policy_versions_named(db: Database) -> set[str]:
    """Every policy version an assessment or an import of the workspace names."""
    return {str(row[0]) for row in db.execute(
        "SELECT DISTINCT policy_version FROM assessments UNION SELECT DISTINCT policy_version FROM imports")}


def record_import(db: Database, row: ImportRow) -> int:
    """Store the import; returns its id, which its applications carry."""
    returned = list(db.query(  # query: a write that returns rows is finished (and committed outside a transaction)
        insert_sql("imports", _IMPORT_COLUMNS) + " RETURNING id",
        {"file_name": row.file_name, "sha256": row.sha256, "row_count": row.row_count, "updated": int(row.updated),
         "imported_at": row.imported_at, "actor": row.actor, "policy_version": row.policy_version,
         "policy_by_year": row.policy_by_year}))
    if len(returned) != 1:
        raise RuntimeError("the database gave no id for the import")  # an INSERT … RETURNING always gives one
    return int(returned[0]["id"])


_IMPORT_COLUMNS = ("file_name", "sha256", "row_count", "updated", "imported_at", "actor", "policy_version",
                   "policy_by_year")


# --- assessments --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """An assessment as the ``assessments`` table holds it: money as text, lines joined."""

    application_id: str
    status: str
    uncapped_yuan: str | None
    cap_yuan: str | None
    recommended_yuan: str | None
    flags: str
    trace: str
    record_hash: str
    policy_version: str
    policy_hash: str
    assessed_at: str = ""

    @property
    def cap(self) -> Decimal | None:
        return money_value(self.cap_yuan)

    def signed_fields(self) -> dict[str, Any]:
        """The cap record as a decision's signed record carries it."""
        return {"status": self.status, "uncapped_yuan": self.uncapped_yuan, "cap_yuan": self.cap_yuan,
                "recommended_yuan": self.recommended_yuan, "flags": text_lines(self.flags),
                "trace": text_lines(self.trace), "policy_version": self.policy_version,
                "policy_hash": self.policy_hash, "record_hash": self.record_hash}


def stored_assessment(result: Assessment, policy_version: str, policy_hash: str,
                      assessed_at: str = "") -> StoredAssessment:
    """The cap record a decision is made against; ``record_hash`` identifies it and its policy."""
    (application_id, status, uncapped, cap, recommended, flags, trace,
     record_hash) = imported_assessment_row(result, policy_version, policy_hash)
    return StoredAssessment(application_id, status, uncapped, cap, recommended, flags, trace, record_hash,
                            policy_version, policy_hash, assessed_at)


def imported_assessment_row(result: Assessment, policy_version: str, policy_hash: str) -> tuple[Any, ...]:
    """The row for ``IMPORTED_ASSESSMENT_COLUMNS`` of the cap record :func:`stored_assessment` gives, built
    without the record in between: an import builds millions."""
    row = unhashed_assessment_row(result)
    return (*row, _record_hash(row, policy_version, policy_hash))


def unhashed_assessment_row(result: Assessment) -> tuple[Any, ...]:
    """:func:`imported_assessment_row` without its ``record_hash``: what an import's worker sends for each
    assessment. The importer, which has a fifth of its core to spare while the worker has none, adds the hash
    (:func:`with_record_hashes`): 2.4 of the worker's 60 CPU seconds at 1,000,000 rows."""
    cap = None if result.cap_yuan is None else yuan_text(result.cap_yuan)
    recommended = None if result.recommended_yuan is None else yuan_text(result.recommended_yuan)
    return (result.application_id, result.status, money_text(result.uncapped_yuan), cap, recommended,
            lines_text(result.flags), lines_text(result.trace))


def with_record_hashes(rows: Sequence[tuple[Any, ...]], policy_version: str,
                       policy_hash: str) -> list[tuple[Any, ...]]:
    """Each :func:`unhashed_assessment_row` with its ``record_hash``: :func:`imported_assessment_row`'s rows."""
    return [(*row, _record_hash(row, policy_version, policy_hash)) for row in rows]


def _record_hash(row: tuple[Any, ...], policy_version: str, policy_hash: str) -> str:
    """What identifies a cap record and its policy: its status, amounts, flags and trace, and the policy's version
    and hash."""
    _, status, uncapped, cap, recommended, flags, trace = row
    content = "\x1f".join((status, uncapped or "", cap or "", recommended or "", flags, trace,
                            policy_version, policy_hash))
    return sha256(content.encode()).hexdigest()


def assessment_from_row(row: dict[str, Any]) -> StoredAssessment:
    return StoredAssessment(**{name: row[name] for name in ASSESSMENT_COLUMNS})


def assessment_values(s: StoredAssessment) -> tuple[Any, ...]:
    """The row for ``ASSESSMENT_COLUMNS``, in that order (spelt out: an import builds one per row)."""
    return (s.application_id, s.policy_version, s.policy_hash, s.status, s.uncapped_yuan, s.cap_yuan,
            s.recommended_yuan, s.flags, s.trace, s.record_hash, s.assessed_at)


_ASSESSMENT = f"SELECT {columns_sql(ASSESSMENT_COLUMNS)} FROM assessments WHERE application_id = :id"


def assessment(db: Database, application_id: str) -> StoredAssessment | None:
    """The application's assessment, or None before it is assessed."""
    values = db.execute(_ASSESSMENT, {"id": application_id}).fetchone()
    return None if values is None else assessment_from_row(dict(zip(ASSESSMENT_COLUMNS, values)))


def assessments_held_otherwise(db: Database, rows: Sequence[tuple[Any, ...]], policy_version: str, policy_hash: str,
                               assessed_at: str) -> list[str]:
    """The applications, in the order of ``rows`` (:func:`imported_assessment_values`), whose held assessment is not
    the one ``rows`` give: what made an insert of new assessments fail, beside those it wrote before failing."""
    wanted = {row[0]: (*row, policy_version, policy_hash, assessed_at) for row in rows}
    ids = list(wanted)
    held: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 500):  # SQLite's limit on bound variables
        marks, parameters = in_list("id", ids[start:start + 500])
        for row in db.execute(f"SELECT {columns_sql(IMPORTED_ASSESSMENT_COLUMNS)}, policy_version, policy_hash, "
                              f"assessed_at FROM assessments WHERE application_id IN {marks}", parameters):
            held[row[0]] = tuple(row)
    return [application_id for application_id in ids if application_id in held and held[application_id] != wanted[
        application_id]]


def assessment_hash(db: Database, application_id: str) -> str | None:
    """The ``record_hash`` of the application's assessment: what a decision or a sheet was made against."""
    row = db.execute("SELECT record_hash FROM assessments WHERE application_id = :id", {"id": application_id}).fetchone()
    return None if row is None else str(row[0])


_PUT_ASSESSMENT = row_replace("assessments", ASSESSMENT_COLUMNS, ("application_id",))


def put_assessments(db: Database, assessments: Iterable[StoredAssessment]) -> int:
    """Store each assessment, replacing the application's earlier one; returns the number of rows written."""
    return put_assessment_rows(db, [assessment_values(stored) for stored in assessments])


def put_assessment_rows(db: Database, rows: Sequence[tuple[Any, ...]]) -> int:
    """As :func:`put_assessments`, given each assessment's :func:`assessment_values`."""
    return db.write_rows(_PUT_ASSESSMENT, rows).rowcount


IMPORTED_ASSESSMENT_COLUMNS = ("application_id", "status", "uncapped_yuan", "cap_yuan", "recommended_yuan", "flags",
                               "trace", "record_hash")
"""What differs between the assessments of one import; its policy version and hash and the time are the import's."""


def imported_assessment_values(s: StoredAssessment) -> tuple[Any, ...]:
    """The row for ``IMPORTED_ASSESSMENT_COLUMNS``: what an import's worker sends for each assessment."""
    return (s.application_id, s.status, s.uncapped_yuan, s.cap_yuan, s.recommended_yuan, s.flags, s.trace,
            s.record_hash)


def put_imported_assessments(db: Database, rows: Sequence[tuple[Any, ...]], policy_version: str, policy_hash: str,
                             assessed_at: str, *, replace: bool) -> int:
    """As :func:`put_assessment_rows` for assessments of one policy and time, given each one's
    :func:`imported_assessment_values`: the stored rows are the same, the three shared values are bound once
    per statement instead of once per row.

    Without ``replace`` (new applications only) an assessment already held is refused (``sqlite3.IntegrityError``)
    rather than replaced: a plain INSERT changes nothing before it may fail, so SQLite keeps no statement journal
    for it, where ``INSERT OR REPLACE`` (its delete may fire a trigger) copied two pages a row into a temporary
    file (at 200,000 rows, 720,000 of the import's 1,100,000 writes).
    """
    shared = {"policy_version": _sql_text(policy_version), "policy_hash": _sql_text(policy_hash),
              "assessed_at": _sql_text(assessed_at)}
    write = (row_replace("assessments", IMPORTED_ASSESSMENT_COLUMNS, ("application_id",), shared) if replace else
             row_write(f"INSERT INTO assessments ({columns_sql(IMPORTED_ASSESSMENT_COLUMNS)}, {', '.join(shared)})",
                       IMPORTED_ASSESSMENT_COLUMNS, list(shared.values())))
    return db.write_rows(write, rows).rowcount


def _sql_text(value: str) -> str:
    """A text literal: ``'`` doubled, and a NUL (which would end the statement) refused."""
    if "\x00" in value:
        raise ValueError("text with NUL cannot be a literal")
    return "'" + value.replace("'", "''") + "'"


def replace_assessment_if_changed(db: Database, stored: StoredAssessment) -> bool:
    """Store a re-assessment when it differs from the one held (by ``record_hash``); whether it did."""
    changed = [name for name in ASSESSMENT_COLUMNS if name != "application_id"]
    cursor = db.execute(
        f"UPDATE assessments SET {', '.join(f'{name} = :{name}' for name in changed)} "
        "WHERE application_id = :application_id AND record_hash != :record_hash",
        {name: getattr(stored, name) for name in ASSESSMENT_COLUMNS})
    return bool(cursor.rowcount)
