"""The models' SQL is written once: every statement the app's flows run on SQLite also parses on PostgreSQL.

The flows run on SQLite with every statement recorded (``database.recording_statements``), each under the module
that wrote it; then on a throwaway PostgreSQL with the schema of ``alembic upgrade head`` each statement of a ported
module is ``PREPARE``d in its PostgreSQL form (``dialect.postgres_sql``), with the parameter types psycopg would
send for the values it was run with: parse analysis checks every table, column, type, operator and function,
and nothing is executed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from models.workspace import dialect, schema_upgrade
from models.workspace.database import Parameters, recording_statements
from tests.postgres_server import PORT, PostgresServer

NOT_PORTED_YET = {
    # module: what in its SQL is still SQLite's (docs/architecture.md, "Still SQLite-only in the models' SQL")
    # empty: every module with SQL of its own is ported (a new one must be ported, not listed)
}
"""Modules whose statements are not checked yet: the list shrinks as they are ported, and may not grow."""

SQLITE_ONLY = {
    "models.workspace.migrations": "the frozen legacy steps: they run only on a SQLite workspace from before Alembic",
    "models.workspace.dialect.sqlite_backup": "the file-level backup API (sqlite3.Connection.backup): SQLite's by "
                                              "nature; a bureau server's backup is pg_dump, a later issue",
}
"""Modules (or functions) whose SQL, or use of the engine, is SQLite's for good."""

SQLITE_CONSTRUCTS_LEFT = {
    # construct: the ported modules still using it, and why it stays for now
    "_sqlite_migrations": ({"models.workspace.schema_upgrade"},
                           "the legacy steps' record: only a SQLite workspace has one (migrations.py)"),
}
"""SQLite-only constructs allowed in a ported module's statements, each with the modules that still use it."""

PER_ENGINE_BY_NATURE = {
    # construct: the ported modules whose SQLite statements use it, and why the engines differ there for good
    "json_object(": ({"models.workspace.projection"},
                     "the SQLite capture's row JSON, as its triggers (kept in sqlite_master) write it; PostgreSQL's "
                     "capture is its PL/pgSQL function (dialect.postgres_capture, json_build_object)"),
    "json_array(": ({"models.workspace.projection"},
                    "the SQLite capture's key and array rows (json_build_array in PostgreSQL's capture function)"),
    "json_each(": ({"models.workspace.projection"},
                   "the set-based capture of a bulk import walks the chunk's keys through SQLite's json_each; "
                   "PostgreSQL's bulk path (its trigger disabled inside the transaction) is the bureau server's"),
    "sqlite_master": ({"models.workspace.projection", "models.intake.importing"},
                      "SQLite's capture triggers and indexes, set aside inside a bulk import's transaction and made "
                      "again from the text sqlite_master holds (dialect.SQLITE_*): PostgreSQL has neither the "
                      "triggers nor that catalogue"),
    "DROP TRIGGER": ({"models.workspace.projection"},
                     "SQLite's capture triggers made again for the tables as they are, or set aside in a bulk "
                     "import (a PostgreSQL trigger is dropped with its table: DROP TRIGGER … ON, in dialect.py)"),
    "PRAGMA": ({"models.intake.importing"},
               "SQLite's tuning of a bulk import: page cache, foreign keys checked once at the end "
               "(dialect.sqlite_*); PostgreSQL's server is tuned by its administrator"),
}
"""SQLite statements of a ported module that stay per-engine, each construct with its modules and the reason."""


def _per_engine_statements(engine: str, listed: int = 1) -> list[tuple[str, Parameters]]:
    """The statements a ported module writes through ``models.workspace.dialect`` (JSON access, capture keys), in
    ``engine``'s form (an ``IN`` list of ``listed`` values): recorded on SQLite, they are prepared in this form."""
    from models.review.corrections import signed_corrections_sql
    from models.signing.clock import decision_times_sql
    from models.signing.declarations import decision_keys_sql, decisions_with_keys_sql, declared_conflicts_sql
    from models.signing.signers import decision_key_sql
    from models.workspace.assessment_check import assessed_applications_sql
    from models.workspace.database import in_list

    uuid = "d6c3a1e0-0000-4000-8000-000000000000"
    marks, parameters = in_list("uuid", [uuid] * listed)
    return [(signed_corrections_sql(engine, marks), parameters), (declared_conflicts_sql(engine), {}),
            (decisions_with_keys_sql(engine), {}), (decision_keys_sql(engine), {}),
            (decision_key_sql(engine), {"uuid": uuid}), (assessed_applications_sql(engine), {}),
            (dialect.table_exists_sql(engine), {"name": "audit_changes"}),
            (dialect.table_columns_sql(engine), {}), (decision_times_sql(engine), {}),
            *((f"SELECT {prefix}{dialect.change_line_sql(engine)} FROM audit_changes "
               "WHERE seq = :seq AND id >= :from_id ORDER BY id", {"seq": 1, "from_id": 1}) for prefix in ("", "id, "))]


def _written_per_engine() -> frozenset[str]:
    """The SQLite forms of :func:`_per_engine_statements`, with IN lists as long as the models make them (500)."""
    return frozenset(sql for listed in range(1, 501) for sql, _ in _per_engine_statements(dialect.SQLITE, listed))


def _allowed_on_sqlite_only(module: str, sql: str) -> bool:
    return any(construct in sql and module in modules
               for construct, (modules, _) in (*SQLITE_CONSTRUCTS_LEFT.items(), *PER_ENGINE_BY_NATURE.items()))


SQLITE_SETTINGS = frozenset(dialect.connection_settings(dialect.SQLITE))
"""The PRAGMAs every SQLite connection runs: dialect.py's (PostgreSQL has none)."""


@dataclass
class Recorded:
    module: str
    """The module that ran the statement first."""
    parameters: Parameters | None
    modules: set[str] = field(default_factory=set)
    """Every module that ran this very text."""


def _calling_module() -> str:
    frame = sys._getframe(2)
    while frame.f_globals.get("__name__") == "models.workspace.database":
        frame = frame.f_back  # type: ignore[assignment]  # the model code is always further out
    return str(frame.f_globals.get("__name__"))


@pytest.fixture(scope="module")
def flows_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flows")


@pytest.fixture(scope="module")
def recorded(flows_folder: Path) -> dict[str, Recorded]:
    statements: dict[str, Recorded] = {}

    def record(sql: str, parameters: Parameters | None) -> None:
        module = _calling_module()
        statements.setdefault(sql, Recorded(module, parameters)).modules.add(module)

    with recording_statements(record):
        _run_the_flows(flows_folder)
    return statements


def _run_the_flows(folder: Path) -> None:
    """A reviewer's and a bureau's day: demo workspace, queue, cases, decisions, 补正, 会评, exports, verify."""
    from demo.workspace import create_demo
    from models.exports.statistics import totals
    from models.exports.summary import export_summary
    from models.review.calculator import enterprise_overview, find_enterprise, known_enterprises
    from models.review.casefile import load_case
    from models.review.conflicts import declare_conflict, withdraw_conflict
    from models.review.corrections import correction_state, latest_resubmission, overdue_ids, pending_corrections
    from models.review.decisions import DecisionInput, decide, decide_with_key
    from models.review.queue import queue_rows
    from models.review.queue_index import SQL_SORTED, load_queue_index, refresh_rows, reviewer_roles, sort_order
    from models.sessions.session import export_results, export_session, merge_results, open_session
    from models.signing.reviewers import unlock
    from models.workspace.anchors import known_anchors
    from models.workspace.verification import stale_decisions, verify_workspace
    from models.workspace.workspace import Workspace
    from models.intake import importing
    from policy.catalog import load_policy
    from tests.workspace_support import CHEAP, PASSPHRASE, import_as, intake_row, staffed_workspace, write_csv

    policy = load_policy()
    names = {item.id: item.name for item in policy.items.values()}
    create_demo(folder / "demo", count=40, kdf=CHEAP)
    with Workspace.open(folder / "demo", create=False) as ws:
        index = load_queue_index(ws.db)
        for column in SQL_SORTED:
            sort_order(index, column, True, db=ws.db)
        reviewer_roles(ws.db)
        rows = queue_rows(ws.db, names)
        ids = [row.application_id for row in rows]
        queue_rows(ws.db, names, ids[:3])
        refresh_rows(ws.db, index, ids[:3])
        totals(ws.db)
        export_summary(ws, folder / "汇总.xlsx")
        for enterprise in known_enterprises(ws.db)[:2]:
            enterprise_overview(ws.db, enterprise.uscc, policy)
            find_enterprise(ws.db, enterprise.name)
        for application_id in ids[:3]:
            load_case(ws, application_id)
            correction_state(ws.db, application_id)
        pending_corrections(ws.db)
        pending_corrections(ws.db, ids[:5])
        overdue_ids(ws.db, date.today() + timedelta(days=60))
        stale_decisions(ws)
        known_anchors(folder / "demo", ws.db)
        assert verify_workspace(ws).ok

    with staffed_workspace(folder / "bureau") as ws:  # a workspace of its own: 补正, and a 会评 out and back
        import_as(ws, write_csv(folder / "a.csv", [intake_row(n) for n in range(1, 8)]))
        with pytest.MonkeyPatch.context() as bulk:  # the bulk paths, at a few rows: streamed, then with a worker
            for name, value in (("CHUNK_ROWS", 4), ("STREAMED_MIN_BYTES", 1), ("DEFERRED_INDEX_MIN_ROWS", 8),
                                ("REFERENCES_CHECKED_AFTER_MIN_ROWS", 8)):
                bulk.setattr(importing, name, value)
            import_as(ws, write_csv(folder / "streamed.csv", [intake_row(n) for n in range(100, 120)]))
            (folder / "no-files").mkdir()
            import_as(ws, write_csv(folder / "worker.csv", [intake_row(n) for n in range(200, 230)]),
                      evidence=folder / "no-files")
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", "初审", "退回补正", "审核员甲", opinion="请补正",
                                 missing_items=("认定文件",), deadline=date.today() + timedelta(days=10)), PASSPHRASE)
        import_as(ws, write_csv(folder / "b.csv", [intake_row(1, 企业名称="聊城补正企业有限公司")]), update=True)
        latest_resubmission(ws.db, "T00001")
        declare_conflict(ws, "T00005", "审核员乙", has_conflict=True, reason="亲属任职", passphrase=PASSPHRASE)
        refresh_rows(ws.db, load_queue_index(ws.db), ["T00005"])
        withdraw_conflict(ws, "T00005", "审核员乙", PASSPHRASE, "误报")
        declare_conflict(ws, "T00002", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00002", "初审", "通过", "审核员甲", Decimal("100000")), PASSPHRASE)
        declare_conflict(ws, "T00002", "审核员乙", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00002", "复核", "通过", "审核员乙", Decimal("100000")), PASSPHRASE)
        package = folder / "会评包.zip"
        export_session(ws, ["T00003", "T00004"], ["审核员甲"], package, lead="科长丙", travel_kdf=CHEAP,
                       passphrases={"科长丙": PASSPHRASE, "审核员甲": PASSPHRASE})
        open_session(package, folder / "laptop")
        with Workspace.open(folder / "laptop", create=False) as laptop:
            key = unlock(laptop, "审核员甲", PASSPHRASE)
            for application_id in ("T00003", "T00004"):
                declare_conflict(laptop, application_id, "审核员甲", has_conflict=False, key=key)
                decide_with_key(laptop, DecisionInput(application_id, "初审", "通过", "审核员甲", Decimal("50000")),
                                key)
            export_results(laptop, folder / "结果.zip", signer="审核员甲", passphrase=PASSPHRASE)
        assert merge_results(ws, folder / "结果.zip").merged
        assert verify_workspace(ws).ok
        _sheets_notices_and_backups(ws, folder)
    _self_test_steps(folder / "selftest")


def _sheets_notices_and_backups(ws: Any, folder: Path) -> None:
    """审核表 exported, looked up, verified and exported again; a 补正告知书 and its check; files added for a 补正;
    a backup restored; the log shown and checked against the backup's head."""
    from models.intake.new_evidence import discard_unreferenced
    from models.review.conflicts import declare_conflict
    from models.review.correction_evidence import add_evidence
    from models.review.decisions import DecisionInput, decide
    from models.signing.reviewers import ca_certificate, unlock
    from models.workspace import audit
    from models.workspace.backup import restore_backup, write_backup
    from models.workspace.evidence import EvidenceStore
    from models.workspace.verification import check_head, replayed_rows, verify_anchor_file, verify_workspace
    from models.workspace.workspace import Workspace
    from sheets import lookup
    from sheets.batch import decided_ids, export_sheets
    from sheets.correction_notice import issue_notice
    from sheets.notice_verify import verify_notice
    from sheets.registry import find_code, newest_sheet, registered_prefix
    from sheets.single import export_with_key, issued_copy, stored_copy
    from sheets.timestamps import timestamp_sheets
    from sheets.verify import verify_pdf
    from tests.workspace_support import CA_PASSPHRASE, PASSPHRASE, RESTORER, signer_of

    declare_conflict(ws, "T00006", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
    decide(ws, DecisionInput("T00006", "初审", "通过", "审核员甲", Decimal("100000")), PASSPHRASE)
    ca = ca_certificate(ws)
    out = folder / "审核表"
    assert not export_sheets(ws, out, ["T00002", "T00006"], "审核员甲", PASSPHRASE, jobs=1).failed
    verdict = verify_pdf(out / "T00002.pdf", ca, ws)
    assert verdict.ok, verdict.reasons
    assert issued_copy(ws, "T00002", out) is not None and decided_ids(ws)
    stamped = timestamp_sheets(ws, [out / "T00002.pdf"], "科长丙", PASSPHRASE, CA_PASSPHRASE)
    assert stamped.ok and stamped.stamped[0].stored, stamped.failed
    assert registered_prefix(ws.db, Path(stamped.stamped[0].path).read_bytes()) is not None
    (folder / "原件").mkdir()
    assert stored_copy(ws, "T00002", folder / "原件") is not None
    export_with_key(ws, "T00002", folder / "单张", "审核员甲", unlock(ws, "审核员甲", PASSPHRASE))
    sheet = newest_sheet(ws.db, "T00006")
    assert sheet is not None
    decide(ws, DecisionInput("T00006", "初审", "退回补正", "审核员甲", opinion="请补正认定文件",
                             missing_items=("认定文件",), deadline=date.today() + timedelta(days=10)), PASSPHRASE)
    assert not lookup.lookup_code(ws, sheet.code).currency.current  # its 初审 superseded since the export
    lookup._legacy_record(ws, sheet)  # a sheet from before records were kept: its decisions from the audit entry
    notice = folder / "补正告知书.pdf"
    issue_notice(ws, "T00006", notice, "审核员甲", PASSPHRASE)
    assert verify_notice(notice, ca, ws).ok
    scan = folder / "认定文件.pdf"
    scan.write_bytes(b"%PDF-1.4\n%scan\n")
    add_evidence(ws, "T00006", [scan], signer_of(ws, "科长丙"))
    stray = folder / "未登记.pdf"
    stray.write_bytes(b"%PDF-1.4\n%stray\n")
    assert discard_unreferenced(ws, [EvidenceStore(ws.evidence_dir).add(stray).sha256]) == 1
    archive = write_backup(ws, folder / "备份.zip", actor="管理员丁")
    restored = restore_backup(archive, folder / "restored", restorer=RESTORER)
    with Workspace.open(restored, create=False) as copy:
        assert verify_workspace(copy).ok
    assert verify_anchor_file(ws, archive)[0]
    assert check_head(ws, audit.head_hash(ws.db), None, "备份")[0] and not check_head(ws, "0" * 64, None, "备份")[0]
    assert find_code(ws.db, sheet.code) is not None and audit.entries(ws.db, limit=5) and replayed_rows(ws) > 0
    assert verify_workspace(ws).ok


def _self_test_steps(folder: Path) -> None:
    """The self-test's workflow on its own demo workspace: made, a file imported, decided at both stages."""
    from cli import selftest_workflow

    selftest_workflow.Scratch.folder = folder
    try:
        folder.mkdir()
        for step in (selftest_workflow.step_create_demo, selftest_workflow.step_import_file,
                     selftest_workflow.step_decide_both_stages):
            step()
    finally:
        selftest_workflow.Scratch.folder = None


PORTED = {"models.intake.importing"} | {f"models.review.{m}" for m in ("calculator", "casefile", "corrections", "decisions", "history", "queue",
                                         "queue_index", "reassess")} | {
    "models.sessions.merge", "models.signing.declarations", "models.signing.reviewers", "models.signing.signers",
    "models.signing.signed_entries", "models.signing.application_writes", "models.signing.clock",
    "models.review.decided_evidence"} | {
    f"models.workspace.{m}" for m in ("anchors", "assessment_check", "audit", "conflict_rows", "decision_rows",
                                      "evidence_rows", "people_rows", "projection", "records", "schema_upgrade",
                                      "session_rows", "sheet_originals", "signed_scope", "verification", "workspace")} | {
    "models.signing.status", "models.workspace.backup", "models.intake.new_evidence"} | {
    f"sheets.{m}" for m in ("batch", "correction_notice", "currency", "lookup", "notice_verify", "registry", "single",
                            "verify")} | {"demo.workspace", "cli.selftest_workflow"}
"""The ported modules with SQL of their own (models/review/drafts.py, on its own per-PC SQLite file, in NOT_MODEL_SQL)."""


def test_the_flows_run_statements_of_every_ported_module(recorded: dict[str, Recorded]) -> None:
    assert PORTED - {module for r in recorded.values() for module in r.modules} == set()
    assert PORTED.isdisjoint(NOT_PORTED_YET)


def test_the_flows_run_the_bulk_import_paths(recorded: dict[str, Recorded]) -> None:
    """Streamed and with a worker: indexes built after, foreign keys checked once, the set-based capture."""
    from models.workspace import records

    assert {dialect.SQLITE_TABLE_INDEXES, dialect.sqlite_foreign_key_check("applications"), records._UPSERT.sql,
            dialect.sqlite_foreign_keys(False)} <= recorded.keys()
    assert any("FROM json_each(:keys)" in sql for sql in recorded)
    assert any(sql.startswith("INSERT OR REPLACE") is False and "ON CONFLICT (\"application_id\") DO UPDATE" in sql
               for sql in recorded)  # an --update's assessments, in the form PostgreSQL is given


@pytest.fixture
def prepared_on_postgres(postgres_server: PostgresServer) -> Iterator[Any]:
    """A psycopg connection to a new database built by ``alembic upgrade head``."""
    import psycopg

    with postgres_server.new_database() as (name, engine):
        with engine.begin() as connection:
            schema_upgrade.run_revisions(connection, stamp=False)
            schema_upgrade.install_postgres_capture(connection)
        engine.dispose()
        with psycopg.connect(f"dbname={name} user=postgres host={postgres_server.socket_dir} port={PORT}",
                             autocommit=True) as connection:
            yield connection


def _copy_rows(sqlite_path: Path, postgres_url: str) -> None:
    """Every row of the SQLite workspace into the PostgreSQL database, through the one set of table definitions."""
    from sqlalchemy import insert, select

    from models.workspace import tables

    source = create_engine(f"sqlite:///{sqlite_path}", poolclass=NullPool)
    target = create_engine(postgres_url, poolclass=NullPool)
    with source.connect() as reading, target.begin() as writing:
        writing.exec_driver_sql("SET LOCAL session_replication_role = replica")  # the rows as stored: no capture
        for table in tables.metadata.sorted_tables:
            rows = [dict(row._mapping) for row in reading.execute(select(table))]
            if rows:
                writing.execute(insert(table), rows)
    source.dispose()
    target.dispose()


class PostgresDatabase:
    """What the model functions ask of a ``Database``, on psycopg: each statement in its ``postgres_sql`` form."""

    dialect = dialect.POSTGRESQL

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: Parameters | None = None) -> Any:
        return self.connection.execute(dialect.postgres_sql(sql)[0], parameters or {})

    def query(self, sql: str, parameters: Parameters | None = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, parameters)
        names = [column.name for column in cursor.description]
        return (dict(zip(names, row)) for row in cursor)


def _answers(db: Any) -> dict[str, Any]:
    """What the ported reads answer about a workspace, in plain values."""
    from models.review import corrections
    from models.review.calculator import enterprise_overview, known_enterprises
    from models.review.history import WorkspaceHistory
    from models.review.queue import queue_rows
    from models.review.queue_index import SQL_SORTED, load_queue_index, sort_order
    from models.workspace.conflict_rows import recusals
    from models.workspace.people_rows import people
    from policy.catalog import load_policy

    corrections._signed_corrections.clear()  # read the signed fields again, from this engine
    policy = load_policy()
    rows = queue_rows(db, {})
    index = load_queue_index(db)
    history = WorkspaceHistory(db)
    enterprises = known_enterprises(db)
    return {
        "queue": rows,
        "index": (index.ids, index.statuses, index.stages, index.recusals),
        "sorted": {(c, d): sort_order(index, c, d, db=db) for c in SQL_SORTED for d in (False, True)},
        "corrections": corrections.pending_corrections(db),
        "history": {e.uscc: (history.approved_awards(e.uscc), history.pending_applications(e.uscc))
                    for e in enterprises},
        "overviews": [enterprise_overview(db, e.uscc, policy) for e in enterprises[:5]],
        "people": people(db), "recusals": sorted(recusals(db)),
    }


def test_the_ported_reads_answer_the_same_on_postgresql(recorded: dict[str, Recorded], flows_folder: Path,
                                                        prepared_on_postgres: Any, postgres_server: PostgresServer) -> None:
    """The demo workspace's rows copied to PostgreSQL: the queue, its index and sort, 补正, history, the calculator,
    people and recusals, read by the same model functions, come out the same."""
    from models.workspace.workspace import Workspace

    _copy_rows(flows_folder / "demo" / "reviewdesk.db", postgres_server.url(prepared_on_postgres.info.dbname))
    with Workspace.open(flows_folder / "demo", create=False) as ws:
        on_sqlite = _answers(ws.db)
    on_postgres = _answers(PostgresDatabase(prepared_on_postgres))
    assert on_postgres == on_sqlite
    assert on_sqlite["corrections"] and any(row.approved_yuan for row in on_sqlite["queue"])


class _PostgresWrites(PostgresDatabase):
    def executemany(self, sql: str, rows: Any) -> Any:
        cursor = self.connection.cursor()
        cursor.executemany(dialect.postgres_sql(sql)[0], list(rows))
        return cursor

    def write_rows(self, write: Any, rows: Any) -> Any:
        return self.executemany(write.sql, [dict(zip(write.columns, row)) for row in rows])


def _write_the_same_rows(db: Any) -> None:
    """Every write of the ported record modules, as the app makes them: inserts, upserts, updates, deletes."""
    from models.workspace import conflict_rows, decision_rows, evidence_rows, people_rows, session_rows

    db.execute("INSERT INTO imports (file_name, sha256, row_count, imported_at, actor) "
               "VALUES ('申报.csv', :sha, 1, 't', '收件员')", {"sha": "ab" * 32})
    db.execute("INSERT INTO applications (application_id, enterprise, uscc, county, industry, item_id, "
               "application_year, quantity, attachments, warnings, source_row, import_id, seq) VALUES "
               "('T00001', '聊城测试企业有限公司', '91371500000000011X', '东昌府区', '生物医药', '1.1', 2025, 1, '[]', "
               "'[]', 2, 1, 1)")
    _write_imported_rows(db)
    people_rows.insert_ca(db, people_rows.CaRow("CA-PEM", b"\x00ca", "generated", "t"))
    people_rows.set_ca_key(db, b"\x01ca")
    people_rows.insert_person(db, people_rows.PersonRow("审核员甲", "初审", "PEM", b"\x00\xffkey", "f1", "t", "在用",
                                                        None))
    people_rows.insert_certificate(db, people_rows.CertificateRow("f1", "审核员甲", "PEM", "t"))
    people_rows.replace_key(db, "审核员甲", "PEM2", b"\x01key", "f2")
    people_rows.end_certificates(db, "审核员甲", retired_at="t2")
    people_rows.set_status(db, "审核员甲", "吊销", "t3")
    for has_conflict, reason in ((False, ""), (True, "亲属任职")):
        conflict_rows.put_declaration(db, conflict_rows.ConflictRow("T00001", "审核员甲", has_conflict, reason, "t",
                                                                    "{}", "sig"))
    conflict_rows.put_declaration(db, conflict_rows.ConflictRow("T00001", "审核员乙", False, "", "t", "{}", "sig"))
    conflict_rows.remove_declaration(db, "T00001", "审核员乙")
    for n, supersedes in ((1, None), (2, "u1")):
        decision_rows.insert_decision(db, decision_rows.DecisionRow(
            f"u{n}", "T00001", "初审", "通过", Decimal("500000.00") * n, "意见", "", "", "审核员甲", "2023", "h", "c",
            Decimal("1000000.00"), f"t{n}", supersedes, True, "{}", "sig"))
    decision_rows.supersede(db, ["u1"])
    for _ in range(2):
        evidence_rows.register_files(db, [("ab" * 32, 10, "pdf"), ("cd" * 32, 20, "image")])
    evidence_rows.link_files(db, [("T00001", 1, "证书.pdf", "ab" * 32), ("T00001", 2, "扫描.png", "cd" * 32)])
    evidence_rows.unlink_all(db, ["T00001"])
    evidence_rows.link_files(db, [("T00001", 1, "证书.pdf", "ab" * 32)])
    session_rows.insert_session(db, session_rows.SessionRow("s1", session_rows.OUT, "会评包.zip", "t", {"人数": 1}),
                                ["T00001"])
    session_rows.mark_merged(db, "s1", "t4")


def _write_imported_rows(db: Any) -> None:
    """The writes of ``records.py``: an import, its applications (one replaced), their assessments (new, then
    replaced), attachments, a re-assessment."""
    from models.workspace import records

    import_id = records.record_import(db, records.ImportRow("更新.csv", "cd" * 32, 2, True, "t5", "收件员", "2023"))
    assert import_id == 2
    first = records.application(db, "T00001")
    assert first is not None
    second = replace(first.application, application_id="T00002", row=3, total_investment_yuan=Decimal("1500000.50"))
    records.put_applications(db, [first.application, second], import_id, False, 2)
    records.set_attachments(db, "T00002", ["证书.pdf"])
    shared = ("2023", "h1", "t5")
    rows = [("T00001", "符合条件", "100.00", "90.00", "90.00", "", "第一条", "r1"),
            ("T00002", "需人工审核", None, None, None, "核对", "第二条", "r2")]
    records.put_imported_assessments(db, rows[:1], *shared, replace=False)
    records.put_imported_assessments(db, rows, *shared, replace=True)
    assessed = records.assessment(db, "T00002")
    assert assessed is not None
    records.replace_assessment_if_changed(db, replace(assessed, cap_yuan="80.00", record_hash="r3"))
    assert records.existing_applications(db, ["T00001", "T00002", "T00003"]) == {"T00001", "T00002"}
    assert records.next_seq(db) == 4  # T00001 kept its order, T00002 took 3


def _all_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    from sqlalchemy import select

    from models.workspace import tables

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        found = {table.name: [dict(row._mapping) for row in connection.execute(
                     select(table).order_by(*table.primary_key.columns))]
                 for table in tables.metadata.sorted_tables if table.name not in ("audit", "audit_changes")}
    engine.dispose()
    return found


def test_the_ported_writes_leave_the_same_rows_on_postgresql(prepared_on_postgres: Any, tmp_path: Path,
                                                             postgres_server: PostgresServer) -> None:
    from models.workspace.database import Database

    sqlite_path = tmp_path / "reviewdesk.db"
    schema_upgrade.upgrade(sqlite_path, "系统", stamp=False, legacy_steps=[], existed=False)
    with Database(sqlite_path) as db:
        db.execute("PRAGMA foreign_keys=ON")
        _write_the_same_rows(db)
    _write_the_same_rows(_PostgresWrites(prepared_on_postgres))
    on_sqlite = _all_rows(f"sqlite:///{sqlite_path}")
    assert _all_rows(postgres_server.url(prepared_on_postgres.info.dbname)) == on_sqlite
    assert (on_sqlite["conflicts"][0]["reason"], [d["current"] for d in on_sqlite["decisions"]],
            len(on_sqlite["evidence"]), on_sqlite["reviewers"][0]["key_blob"]) == ("亲属任职", [0, 1], 2, b"\x01key")


def _prepare_problem(connection: Any, number: int, sql: str, parameters: Parameters | None) -> str | None:
    """Why PostgreSQL refuses to prepare ``sql`` (named parameters), or None when it parses."""
    from psycopg import pq
    from psycopg.adapt import PyFormat, Transformer

    text, names = dialect.postgres_sql(sql, "numeric_dollar")
    if names and not isinstance(parameters, dict):
        return f"positional parameters {parameters!r}"
    values = [parameters[n] for n in names] if isinstance(parameters, dict) else []
    transformer = Transformer(connection)
    transformer.dump_sequence(values, [PyFormat.AUTO] * len(values))
    result = connection.pgconn.prepare(f"s{number}".encode(), text.encode(), list(transformer.types))
    if result.status == pq.ExecStatus.COMMAND_OK:
        return None
    return (result.error_message or b"").decode(errors="replace").strip()


def test_every_statement_of_a_ported_module_prepares_on_postgresql(recorded: dict[str, Recorded],
                                                                   prepared_on_postgres: Any) -> None:
    problems = []
    checked = 0
    per_engine = _written_per_engine()
    for number, (sql, seen) in enumerate(sorted(recorded.items())):
        if (seen.module in NOT_PORTED_YET or seen.module in SQLITE_ONLY or sql in SQLITE_SETTINGS
                or _allowed_on_sqlite_only(seen.module, sql) or sql in per_engine):
            continue
        checked += 1
        problem = _prepare_problem(prepared_on_postgres, number, sql, seen.parameters)
        if problem:
            problems.append(f"{seen.module}: {problem}\n    {sql}")
    for number, (sql, parameters) in enumerate(_per_engine_statements(dialect.POSTGRESQL), start=len(recorded)):
        checked += 1
        problem = _prepare_problem(prepared_on_postgres, number, sql, parameters)
        if problem:
            problems.append(f"written for PostgreSQL: {problem}\n    {sql}")
    assert checked > 0
    assert not problems, f"{len(problems)} of {checked} statements do not prepare:\n" + "\n".join(problems)


def test_a_module_still_listed_as_not_ported_has_a_statement_postgresql_refuses(recorded: dict[str, Recorded],
                                                                                 prepared_on_postgres: Any) -> None:
    """So the list only shrinks: a module whose every statement prepares is ported, and leaves the list."""
    refused: dict[str, bool] = {}
    for number, (sql, seen) in enumerate(sorted(recorded.items())):
        if seen.module in NOT_PORTED_YET:
            problem = _prepare_problem(prepared_on_postgres, number, sql, seen.parameters)
            refused[seen.module] = refused.get(seen.module, False) or problem is not None
    assert [module for module, any_refused in refused.items() if not any_refused] == []


def test_the_tables_captured_are_the_same_on_both_engines(prepared_on_postgres: Any, tmp_path: Path) -> None:
    """``projection.projected_tables`` from each engine's own catalogue: names, columns in order, keys, bytes."""
    from models.workspace import projection
    from models.workspace.database import Database

    sqlite_path = tmp_path / "reviewdesk.db"
    schema_upgrade.upgrade(sqlite_path, "系统", stamp=False, legacy_steps=[], existed=False)
    with Database(sqlite_path) as db:
        on_sqlite = projection.projected_tables(db)
    on_postgres = projection.projected_tables(PostgresDatabase(prepared_on_postgres))  # type: ignore[arg-type]  # the stand-in
    assert on_postgres == on_sqlite
    decisions = next(shape for shape in on_sqlite if shape.name == "decisions")
    assert decisions.columns[-1] == "insertion_order" and decisions.key == ("uuid",)
    assert next(shape for shape in on_sqlite if shape.name == "reviewers").blobs == {"key_blob"}


def test_a_json_field_reads_the_same_on_both_engines(prepared_on_postgres: Any, tmp_path: Path) -> None:
    import json
    import sqlite3

    record = json.dumps({"decision": {"correction": {"items": ["认定文件", "营业执照"], "deadline": "2027-01-05"}},
                         "n": 1}, ensure_ascii=False, separators=(",", ":"))
    paths = [("decision", "correction", "items"), ("decision", "correction", "deadline"), ("decision", "missing")]
    sqlite = sqlite3.connect(tmp_path / "j.db")
    on_sqlite = [sqlite.execute(f"SELECT {dialect.json_field(dialect.SQLITE, ':record', *keys)}",
                                {"record": record}).fetchone()[0] for keys in paths]
    sqlite.close()
    on_postgres = []
    for keys in paths:
        text, names = dialect.postgres_sql(f"SELECT {dialect.json_field(dialect.POSTGRESQL, ':record', *keys)}")
        on_postgres.append(prepared_on_postgres.execute(text, {"record": record}).fetchone()[0])
    assert on_sqlite == on_postgres == ['["认定文件","营业执照"]', "2027-01-05", None]
    with pytest.raises(ValueError, match="plain names"):
        dialect.json_field(dialect.SQLITE, "record", "a'b")


def test_whether_a_table_exists_reads_the_same_on_both_engines(prepared_on_postgres: Any, tmp_path: Path) -> None:
    from models.workspace.database import Database

    names = ("sheets", "sheet_records", "audit_changes", "no_such_table")
    with Database(tmp_path / "t.db") as sqlite:
        sqlite.execute("CREATE TABLE sheets (code TEXT)")
        sqlite.execute("CREATE TABLE audit_changes (id INTEGER)")
        on_sqlite = [sqlite.execute(dialect.table_exists_sql(dialect.SQLITE), {"name": name}).fetchone() is not None
                     for name in names]
    on_postgres = [prepared_on_postgres.execute(dialect.postgres_sql(dialect.table_exists_sql(dialect.POSTGRESQL))[0],
                                                {"name": name}).fetchone() is not None for name in names]
    assert on_sqlite == [True, False, True, False]
    assert on_postgres == [True, True, True, False]  # alembic's schema has every table


def _backup_api_callers() -> set[str]:
    """``module.function`` of every call of SQLite's backup API (``….backup(target)``) in the app's code."""
    import ast

    root = Path(__file__).resolve().parents[3]
    callers = set()
    for package in ("models", "sheets", "demo", "cli", "gui", "bench"):
        for path in sorted((root / package).rglob("*.py")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "backup" for node in ast.walk(function)):
                    callers.add(f"{module}.{function.name}")
    return callers


def test_the_sqlite_backup_api_is_called_only_where_listed_as_sqlite_only() -> None:
    callers = _backup_api_callers()
    assert "models.workspace.dialect.sqlite_backup" in callers
    assert callers - set(SQLITE_ONLY) == set()


NOT_MODEL_SQL = {
    "models.workspace.database": "the layer that runs the statements (its own test checks its SQL)",
    "models.review.drafts": "this PC's own SQLite file of unsaved drafts in the user's data folder, never a "
                            "workspace's database: SQLite whatever engine the workspace is on",
    "models.workspace.schema": "frozen legacy schema steps, run only by migrations.py on an old SQLite workspace",
    "models.workspace.schema_corrections": "frozen legacy schema step (as schema.py)",
    "models.workspace.schema_people": "frozen legacy schema step (as schema.py)",
    "models.workspace.schema_sheets": "frozen legacy schema step (as schema.py)",
    "models.workspace.schema_supersedes": "frozen legacy schema step (as schema.py)",
}
"""App modules that run SQL but are not model SQL to port; Alembic's revisions run on both engines already
(``alembic upgrade head`` builds the PostgreSQL schema these tests prepare against)."""


def _modules_running_sql() -> set[str]:
    """Every app module (outside Alembic's revisions) whose code calls ``execute``, ``query``, ``executemany`` or
    ``executescript`` on something."""
    import ast

    root = Path(__file__).resolve().parents[3]
    running = set()
    for package in ("models", "sheets", "demo", "cli", "gui"):
        for path in sorted((root / package).rglob("*.py")):
            if "alembic" in path.parts:
                continue
            calls = {node.func.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
            if calls & {"execute", "query", "executemany", "executescript"}:
                running.add(".".join(path.relative_to(root).with_suffix("").parts))
    return running


def test_every_module_running_sql_is_ported_or_listed_with_its_reason() -> None:
    running = _modules_running_sql()
    listed = PORTED | set(NOT_PORTED_YET) | {name.rsplit(".", 1)[0] if name.endswith("_backup") else name
                                             for name in SQLITE_ONLY} | set(NOT_MODEL_SQL)
    assert running - listed == set()
    assert {"models.workspace.records", "sheets.registry", "models.review.decisions"} <= running  # the scan sees
