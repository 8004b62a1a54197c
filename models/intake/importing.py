"""Importing an intake file into a workspace: validate everything, then one transaction.

Nothing is written unless the whole file is valid. Evidence files are copied
into the content-addressed store first, and those new to it are removed again
if the import then fails (``models.intake.new_evidence``); the applications,
their evidence links, their assessments and the import's audit entry are
written together or not at all. Inside that transaction the
rows are assessed and written a chunk at a time, so a million-row file never
holds every assessment and every row to insert at once. A large file of new
applications is read and validated by a forked worker while the rows are written
(``models.intake.streamed_rows``): a problem anywhere rolls the transaction back,
with the same complete list of problems.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path

from models.workspace.database import Database

from policy.application import Application
from policy.history import History

from models import fork_safety
from models.changes import Changes
from models.workspace import audit, dialect, projection
from models.intake.problems import ImportRejected, Problem, UnreadableFile
from models.failures import ReviewDeskError
from models.workspace.evidence import EvidenceAltered, EvidenceStore, guess_kind
from models.workspace.leftovers import claimed_scratch
from models.intake.new_evidence import SCRATCH_PREFIX, NewEvidence, clean_abandoned_imports, discard_unreferenced
from models.intake.assessing import PolicyRound, first_policy, read_round
from models.intake.prepared_rows import PreparedChunk, RowPlan, chunks_for, worker_wanted
from models.intake.streamed_rows import Stream, StreamPlan, StreamStart, streamed
from models.intake.evidence_names import ApplicationFolders, EvidenceFiles, folder_files
from models.intake.validate import collector_paused
from models.workspace import evidence_rows
from models.workspace import records
from models.intake.safezip import UnsafeArchive, extract_evidence_zip
from models.review.corrections import before_resubmission, record_resubmissions
from models.workspace.decision_rows import current_decisions, supersede
from models.review.terms import IMPORTING_ROLES, RETURN_FOR_MATERIALS
from models.signing.signed_entries import (IMPORT_ACTION, REOPEN_ACTION, VERSION_CHOSEN_ACTION, ActingSigner,
                                           SignedAppender, import_appender, require_signer)
from models.workspace.workspace import DB_NAME, Workspace
from models.review.history import WorkspaceHistory

ID_COLUMN = "申报编号"
ATTACHMENT_COLUMN = "附件"
CHUNK_ROWS = 20_000
"""Rows assessed and inserted at a time: large enough for executemany, small enough to bound memory."""
IMPORT_PAGE_CACHE_KIB = 131_072
STREAMED_PAGE_CACHE_KIB = 524_288
IMPORT_PAGE_CACHE_KIB_PER_ROW = 1
"""SQLite's page cache while importing (2 MiB by default), 1 KiB a row up to 128 MiB, or 512 MiB for a file
that streams (:func:`streams`: this process then holds a chunk at a time, not every application of the file): a
large file's index pages stay in memory instead of being re-read from the write-ahead log (at 200,000 rows, 15 %
less CPU), and fewer dirty pages are spilled into it mid-transaction and written again (at 1,000,000 rows 128 MiB
wrote 5.7 GB for a 2 GB database, 512 MiB 5.1 GB, and the importer took 6 CPU seconds less, for 400 MB more
memory); a small file keeps well inside 300 MB + 3× its size."""
BULK_TABLES = ("applications", "application_evidence", "assessments")
"""The tables the chunks write; their rows are captured a statement at a time (``projection.set_based_capture``)."""
DEFERRED_INDEX_MIN_ROWS = 100_000
"""An import of at least this many new rows, and more than the table holds, builds the secondary indexes of
``applications`` once its rows are in (one sort) instead of row by row (random inserts into an index that the
rows streaming through the page cache keep evicting)."""
REFERENCES_CHECKED_AFTER_MIN_ROWS = 20_000
"""An import of at least this many rows, all new, has SQLite check its foreign keys once, for whole tables, when
its rows are in (``PRAGMA foreign_key_check``) instead of for every row as it is written (at 200,000 rows the
inserts take 6.9 CPU seconds instead of 8.3, the check 0.3); a violation rolls the import back all the same."""
STREAMED_MIN_BYTES = 4 << 20
"""A file of at least this size (some 20,000 rows of CSV) is read and validated by a forked worker while this
process writes (see :func:`streams`); a smaller one is read whole first, as it always is in the GUI."""
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    file_name: str
    sha256: str
    imported: int
    updated: int
    evidence_files: int

    @property
    def changes(self) -> Changes:
        """Applications added or replaced: the whole queue is read again."""
        return Changes(queue=True)


def import_file(ws: Workspace, path: str | Path, *, signer: ActingSigner, evidence: str | Path | None = None,
                update: bool = False, policy_version: str | None = None,
                progress: Progress | None = None, supersede_reason: str = "") -> ImportResult:
    """Import ``path`` (CSV/XLSX/JSON) with the files named in 附件 from ``evidence``, signed by ``signer``.

    ``signer`` must be an active person whose CA-issued certificate gives a role that may import
    (``IMPORTING_ROLES``), with their own unlocked key: else ``SigningRefused`` (or ``ReviewerError``) before
    anything is read or written. Every entry the import appends carries a record signed with that key
    (``models.signing.signed_entries``).

    With ``update``, an application that has a current decision is frozen: its
    row is refused, unless it waits for 补正 (the update is then its
    resubmission) or ``supersede_reason`` is given (its decisions are then
    superseded and it goes back to review, with that reason on record).
    The applications are assessed under the version their 申报年度 call for, or
    under ``policy_version`` when the reviewer chose one (recorded as its own event).
    Raises ``ImportRejected`` (every problem at once) and writes nothing then.
    """
    path = Path(path)
    report = progress or (lambda stage, done, total: None)
    require_signer(ws, signer, IMPORTING_ROLES, "导入申报文件")
    actor = signer.name
    if streams(path, evidence, update):
        return _import_streamed(ws, path, signer, policy_version, report)
    digest = _file_digest(path)
    signed = import_appender(signer, path.name, digest)
    report("读取并校验", 0, 1)
    policy_round, apps = read_round(path, policy_version)
    existing = _existing_ids(ws, [app.application_id for app in apps])
    problems = []
    if not update:
        problems += [Problem(app.row, ID_COLUMN, f"申报编号 {app.application_id} 已在工作区中；如需更新请使用 --update")
                     for app in apps if app.application_id in existing]
    reopened = _decided(ws, existing) if update else {}
    problems += [_frozen(app, reopened[app.application_id]) for app in apps
                 if app.application_id in reopened and not supersede_reason.strip()
                 and not _awaits_materials(reopened[app.application_id])]
    clean_abandoned_imports(ws)
    scratch = claimed_scratch(ws.folder, SCRATCH_PREFIX)
    added = NewEvidence(scratch)
    settled = False
    try:
        files = _evidence_files(evidence, scratch / "files", path.name)
        resolved: dict[tuple[str, str], str] = {}
        problems += _resolve_attachments(apps, files, evidence, resolved)
        if problems:
            raise ImportRejected(path.name, sorted(problems, key=lambda p: p.row))
        report("保存附件", 0, len(resolved))
        by_path = _store_evidence(ws, files, resolved, added.note)
        shutil.rmtree(scratch / "files", ignore_errors=True)
        history = WorkspaceHistory(ws.db, except_ids=frozenset(existing))
        stored = {key: by_path[relative] for key, relative in resolved.items()}
        batch = _Batch(path.name, digest, apps, stored, existing, update)
        bulk = not existing and len(apps) >= REFERENCES_CHECKED_AFTER_MIN_ROWS
        with (collector_paused(), _page_cache(ws, len(apps), IMPORT_PAGE_CACHE_KIB),
              _references_checked_at_the_end(ws, bulk), _rollback_journal(ws, bulk), ws.db.atomic()):
            require_signer(ws, signer, IMPORTING_ROLES, "导入申报文件")  # again, under the write lock
            resubmitted = before_resubmission(ws, reopened) if not supersede_reason.strip() else {}
            if reopened.keys() - resubmitted.keys():
                _reopen(ws, {i: d for i, d in reopened.items() if i not in resubmitted}, signed,
                        supersede_reason.strip(), path.name)
            _write(ws, batch, history, policy_round, signed, report)
            record_resubmissions(ws, resubmitted, actor, path.name, signed=signed)
            if bulk:
                _check_references(ws, path.name)
        settled = True
    except BaseException:
        with suppress(sqlite3.Error, OSError, ReviewDeskError):  # else the next import cleans up
            discard_unreferenced(ws, added.listed())
            settled = True
        raise
    finally:
        if settled:
            shutil.rmtree(scratch, ignore_errors=True)
    return ImportResult(path.name, digest, len(apps) - len(existing), len(existing), len(by_path))


def _file_digest(path: Path) -> str:
    try:
        with path.open("rb") as source:
            return hashlib.file_digest(source, "sha256").hexdigest()
    except OSError as error:
        raise UnreadableFile(path, f"无法打开文件（{error.strerror or error}）") from None


def streams(path: Path, evidence: str | Path | None, update: bool) -> bool:
    """Whether a forked worker reads and validates the file while this process writes (``streamed_rows``): a
    large file of new applications without evidence files, where a fork is safe (as for ``worker_wanted``)."""
    try:
        large = path.stat().st_size >= STREAMED_MIN_BYTES
    except OSError:
        return False
    return large and evidence is None and not update and worker_wanted(CHUNK_ROWS + 1, CHUNK_ROWS)


def _import_streamed(ws: Workspace, path: Path, signer: ActingSigner, policy_version: str | None,
                     report: Progress) -> ImportResult:
    """As :func:`import_file` for a file that :func:`streams`: the same checks, messages and rows."""
    plan = StreamPlan(path, first_policy(path, policy_version), bool(policy_version), WorkspaceHistory(ws.db),
                      ws.is_demo, CHUNK_ROWS, ws.folder)
    clean_abandoned_imports(ws)
    with streamed(plan) as stream:
        digest = _file_digest(path)  # while the worker reads the file
        report("读取并校验", 0, 1)
        begun = stream.start()
        bulk = True  # the chunks refer to the import's row, written after them (see _write_streamed)
        with (collector_paused(), _page_cache(ws, begun.rows, STREAMED_PAGE_CACHE_KIB),
              _references_checked_at_the_end(ws, bulk), _rollback_journal(ws, bulk),
              ws.db.atomic()):
            require_signer(ws, signer, IMPORTING_ROLES, "导入申报文件")  # again, under the write lock
            rows = _write_streamed(ws, _Batch(path.name, digest, [], {}, set(), False), begun, stream,
                                   import_appender(signer, path.name, digest), report)
            _check_references(ws, path.name)
    return ImportResult(path.name, digest, rows, 0, 0)


def _write_streamed(ws: Workspace, batch: _Batch, begun: StreamStart, stream: Stream, signed: SignedAppender,
                    report: Progress) -> int:
    """The rows as the worker sends them, then the import's row and the audit event; raises the file's problems,
    all of them, inside the import's transaction (call inside it, with the foreign keys checked at its end).
    Returns how many applications were imported.

    How many rows the file holds is known only once the worker has read it to its end, so the import's id is
    taken first (the next one: every write holds the workspace's write lock) and its row, with the count, is
    written after the chunks that refer to it, before the audit event: what is stored and captured is what
    :func:`_write` stores and captures, the import's row put last instead of first. SQLite only, as the
    PRAGMAs around it are: PostgreSQL's key comes from a sequence, and its references are checked as written."""
    db = ws.db
    now = audit.now_text()
    actor = signed.signer.name
    import_id = _next_import_id(db)
    next_seq = records.next_seq(db)
    stream.settle(import_id, next_seq, now)
    held = db.execute("SELECT 1 FROM applications LIMIT 1").fetchone() is not None
    changes = audit.running_digest(db)
    defer = begun.rows >= max(DEFERRED_INDEX_MIN_ROWS, next_seq)
    already: list[Problem] = []
    total = begun.rows  # an estimate, raised as rows come past it
    report("评估", 0, total)
    with projection.set_based_capture(db, BULK_TABLES) as capture, _indexes_built_after(db, "applications", defer):
        for chunk in stream.chunks():
            total = max(total, chunk.start + len(chunk.ids))
            report("评估", chunk.start, total)  # a cancel raised here rolls the chunks written so far back
            if held:
                found = _existing_ids(ws, chunk.ids)
                already += [Problem(row, ID_COLUMN, f"申报编号 {application_id} 已在工作区中；如需更新请使用 --update")
                            for application_id, row in zip(chunk.ids, chunk.rows) if application_id in found]
            if chunk.prepared is not None and not already:
                _write_chunk(db, chunk.prepared, capture, new_only=True)
                _start_writeback(ws)
                changes.advance()
    end = stream.end
    assert end is not None  # chunks() ends only with it
    if already or end.problems:
        raise ImportRejected(batch.file_name, sorted(already + end.problems, key=lambda p: p.row))
    policy_round = PolicyRound(begun.policy, begun.by_year, end.years)
    report("写入工作区", end.rows, end.rows)  # from here on the import is committed
    _record_import_as(db, import_id, records.ImportRow(
        batch.file_name, batch.sha256, end.rows, False, now, actor, begun.policy.version, begun.by_year))
    signed.append(db, IMPORT_ACTION, batch.file_name, {
        "sha256": batch.sha256, "rows": end.rows, "updated": [], "evidence_files": 0,
        **policy_round.audit_details(),
    }, running=changes)
    if policy_round.chosen:
        signed.append(db, VERSION_CHOSEN_ACTION, batch.file_name, policy_round.audit_details())
    return end.rows


def _next_import_id(db: Database) -> int:
    """The id the next row of ``imports`` takes: SQLite gives an integer key one more than the largest (the key
    is no AUTOINCREMENT; call under the write lock, which keeps any other import from taking it meanwhile)."""
    return int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM imports").fetchone()[0])


def _record_import_as(db: Database, import_id: int, row: records.ImportRow) -> None:
    """Write the import's row, which takes the id its applications were written with."""
    taken = records.record_import(db, row)
    if taken != import_id:
        raise ReviewDeskError(f"内部错误：导入 {row.file_name} 的记录取得编号 {taken}，其申报却按编号 {import_id} 写入，"
                              "整个导入已撤销，工作区未作任何改动")


_SYNC_FILE_RANGE_WRITE = 2
_WRITTEN_FILES = (DB_NAME, f"{DB_NAME}-wal")
"""Where a transaction's pages go: the database itself with the rollback journal, else its write-ahead log."""


def _start_writeback(ws: Workspace) -> None:
    """Have Linux start writing the pages written so far to disk now, without waiting (``sync_file_range``):
    the commit's ``fsync`` then finds most of an import's gigabytes written instead of writing them all while
    everything waits for it (1.4 GB of log: the commit took 2.4 s instead of 4.4–5.9). Only the moment the bytes
    go to disk changes; the commit is as durable as before, and elsewhere, or on failure, nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    for name in _WRITTEN_FILES:
        try:
            written = os.open(ws.folder / name, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:  # no log beside a rollback journal
            continue
        try:
            ctypes.CDLL(None, use_errno=True).sync_file_range(written, ctypes.c_int64(0), ctypes.c_int64(0),
                                                              _SYNC_FILE_RANGE_WRITE)
        finally:
            os.close(written)


@contextmanager
def _rollback_journal(ws: Workspace, bulk: bool) -> Iterator[None]:
    """Around a bulk import's transaction (call outside it): SQLite's rollback journal instead of its
    write-ahead log, when no other connection has the workspace open.

    With the log every page is written twice, into the log and then again into the database at the checkpoint
    after the commit; the rows of a bulk import go into new pages at the end of the database, which a rollback
    journal never copies, so they are written once (1,000,000 rows: 1.96 GB written instead of 4.34, and 2.6 s
    from the last chunk to the end instead of some 14). The transaction is as atomic and as durable
    (``synchronous=FULL`` syncs the journal before the database is written, and the database at the commit); a
    killed import leaves a hot journal, which the next connection to the workspace rolls back before anything
    reads it.

    Only a workspace this connection has to itself is switched: no other thread runs in this process (the CLI;
    the GUI imports on a pool thread beside the main window's connection, and a connection opened mid-import
    would wait for this one's lock), and SQLite switches only a database no other connection has open (it says
    so at once, without waiting out the busy timeout), else the log is kept. Afterwards the log is taken up
    again; should that fail, every opening of the workspace sets it (``dialect.SQLITE_CONNECTION_SETTINGS``)."""
    db = ws.db
    if not bulk or db.conn.in_transaction or not fork_safety.only_thread():
        yield
        return
    try:
        mode = db.execute(dialect.sqlite_journal_mode(dialect.SQLITE_ROLLBACK_JOURNAL)).fetchone()[0]
    except sqlite3.OperationalError:  # database is locked: another connection has it open
        mode = dialect.SQLITE_WRITE_AHEAD_LOG
    if mode != dialect.SQLITE_ROLLBACK_JOURNAL:
        yield
        return
    try:
        yield
    finally:
        with suppress(sqlite3.OperationalError):
            db.execute(dialect.sqlite_journal_mode(dialect.SQLITE_WRITE_AHEAD_LOG))


@contextmanager
def _page_cache(ws: Workspace, rows: int, most: int) -> Iterator[None]:
    was = ws.db.execute(dialect.SQLITE_PAGE_CACHE).fetchone()[0]
    kibibytes = max(-was if was < 0 else 2048, min(most, IMPORT_PAGE_CACHE_KIB_PER_ROW * rows))
    ws.db.execute(dialect.sqlite_set_page_cache(-int(kibibytes)))
    try:
        yield
    finally:
        ws.db.execute(dialect.sqlite_set_page_cache(int(was)))


@contextmanager
def _references_checked_at_the_end(ws: Workspace, bulk: bool) -> Iterator[None]:
    """Around the import's transaction: for a bulk import, foreign keys are not enforced row by row (SQLite reads
    the setting only outside a transaction) and :func:`_check_references` checks them all before the commit."""
    if not bulk or ws.db.conn.in_transaction:
        yield
        return
    ws.db.execute(dialect.sqlite_foreign_keys(False))
    try:
        yield
    finally:
        ws.db.execute(dialect.sqlite_foreign_keys(True))


def _check_references(ws: Workspace, file_name: str) -> None:
    """Every row of the tables a bulk import writes refers to a row that exists, or the import is rolled back."""
    for table in BULK_TABLES:
        broken = ws.db.execute(dialect.sqlite_foreign_key_check(table)).fetchone()
        if broken is not None:
            raise ReviewDeskError(f"内部错误：导入 {file_name} 后表 {table} 第 {broken[1]} 行引用的 {broken[2]} 不存在，"
                                  "整个导入已撤销，工作区未作任何改动")


Decided = list[tuple[str, str, str, str]]
"""(uuid, stage, outcome, reviewer) of an application's current decisions, in stage order."""


def _decided(ws: Workspace, ids: set[str]) -> dict[str, Decided]:
    found: dict[str, Decided] = {}
    for application_id in sorted(ids):
        rows = current_decisions(ws.db, application_id)
        if rows:
            found[application_id] = [(d.uuid, d.stage, d.outcome, d.reviewer) for d in rows]
    return found


def _awaits_materials(decided: Decided) -> bool:
    return decided[-1][2] == RETURN_FOR_MATERIALS


def _frozen(app: Application, decided: Decided) -> Problem:
    made = "、".join(f"{stage}（{outcome}，{reviewer}）" for _, stage, outcome, reviewer in decided)
    return Problem(app.row, ID_COLUMN,
                   f"申报 {app.application_id} 已有现行决定：{made}，不能直接更新。已作出决定的申报不随文件改变；"
                   "如申报内容确需更正，请用 --supersede-decisions 写明原因，撤销现有决定并退回重新审核")


def _reopen(ws: Workspace, reopened: dict[str, Decided], signed: SignedAppender, reason: str, file_name: str) -> None:
    """Supersede the current decisions of the reopened applications, one audit event each (a 补正
    resubmission is :func:`models.review.corrections.record_resubmissions`' own)."""
    for application_id, decided in reopened.items():
        uuids = [uuid for uuid, *_ in decided]
        supersede(ws.db, uuids)
        signed.append(ws.db, REOPEN_ACTION, application_id, {
            "file": file_name, "superseded": uuids, "reason": reason,
        })


def _existing_ids(ws: Workspace, ids: list[str]) -> set[str]:
    return records.existing_applications(ws.db, ids)


def _evidence_files(evidence: str | Path | None, scratch: Path, file_name: str) -> EvidenceFiles:
    """The evidence files by relative path, from a folder or a ZIP (extracted safely into ``scratch``)."""
    if evidence is None:
        return EvidenceFiles.of({})
    source = Path(evidence)
    if source.is_file() and source.suffix.lower() == ".zip":
        try:
            return EvidenceFiles.of(extract_evidence_zip(source, scratch))
        except UnsafeArchive as unsafe:
            raise ImportRejected(file_name, [Problem(1, ATTACHMENT_COLUMN, line) for line in unsafe.problems]) from None
    if not source.is_dir():
        raise UnreadableFile(file_name, f"附件目录或压缩包 {source} 不存在")
    return folder_files(source)


def _resolve_attachments(apps: list[Application], files: EvidenceFiles, evidence: str | Path | None,
                         resolved: dict[tuple[str, str], str]) -> list[Problem]:
    """Fill ``resolved`` ((申报编号, 附件 name) → relative path); a problem for each name not resolved."""
    problems = []
    folders = ApplicationFolders.of((app.application_id, app.enterprise) for app in apps if app.attachments)
    for app in apps:
        for name in app.attachments:
            if evidence is None:
                problems.append(Problem(app.row, ATTACHMENT_COLUMN, f"找不到“{name}”：未提供附件目录或压缩包"))
                continue
            found = files.resolve(app.application_id, name, app.enterprise, folders)
            if isinstance(found, tuple):
                problems.append(Problem(app.row, ATTACHMENT_COLUMN, found[0]))
            else:
                resolved[(app.application_id, name)] = found
    return problems


def _store_evidence(ws: Workspace, files: EvidenceFiles, resolved: dict[tuple[str, str], str],
                    before_new: Callable[[str], None]) -> dict[str, tuple[str, int, str]]:
    """Relative path → (sha256, size, kind) for every attachment the file names."""
    store = EvidenceStore(ws.evidence_dir)
    stored: dict[str, tuple[str, int, str]] = {}
    for relative in dict.fromkeys(resolved.values()):
        added = store.add(files.files[relative], before_new)
        stored[relative] = (added.sha256, added.size, guess_kind(relative))
    return stored


@dataclass(frozen=True, slots=True)
class _Batch:
    """What one import writes: the file, its validated applications and their stored evidence."""

    file_name: str
    sha256: str
    apps: list[Application]
    evidence: dict[tuple[str, str], tuple[str, int, str]]
    """(申报编号, 附件 name) → (sha256, size, kind)."""
    existing: set[str]
    update: bool


def _write(ws: Workspace, batch: _Batch, history: History, policy_round: PolicyRound,
           signed: SignedAppender, report: Progress) -> None:
    """The import's rows, chunk by chunk, then its audit event; call inside the import's transaction."""
    db = ws.db
    actor = signed.signer.name
    policy = policy_round.policy
    now = audit.now_text()
    apps = batch.apps
    import_id = records.record_import(db, records.ImportRow(
        batch.file_name, batch.sha256, len(apps), batch.update, now, actor, policy.version, policy_round.by_year))
    if batch.existing:
        records.keep_versions(db, sorted(batch.existing), import_id, now)
        evidence_rows.unlink_all(db, batch.existing)
    store = EvidenceStore(ws.evidence_dir)
    for sha256 in sorted({sha256 for sha256, _, _ in batch.evidence.values()}):
        if not store.path_of(sha256).is_file():  # removed by another import's clean-up since it was stored
            raise EvidenceAltered(sha256, missing=True)
    evidence_rows.register_files(db, sorted(set(batch.evidence.values())))
    next_seq = records.next_seq(db)
    # New rows only: replacing existing ones, the triggers log a del before each put, row by row.
    capturing: AbstractContextManager[projection.RowCapture] = (
        nullcontext(projection.TriggerCapture()) if batch.existing else projection.set_based_capture(db, BULK_TABLES))
    changes = audit.running_digest(db)
    defer = not batch.existing and len(apps) >= max(DEFERRED_INDEX_MIN_ROWS, next_seq)
    plan = RowPlan(apps, policy, history, import_id, ws.is_demo, next_seq, now, batch.evidence, CHUNK_ROWS,
                   ws.folder)
    report("评估", 0, len(apps))
    with (capturing as capture, _indexes_built_after(db, "applications", defer),
          chunks_for(plan, worker=worker_wanted(len(apps), CHUNK_ROWS)) as chunks):
        for chunk in chunks:
            report("评估", chunk.start, len(apps))  # a cancel raised here rolls the chunks written so far back
            _write_chunk(db, chunk, capture, new_only=not batch.existing)
            changes.advance()
            _start_writeback(ws)
    report("写入工作区", len(apps), len(apps))  # from here on the import is committed
    signed.append(db, IMPORT_ACTION, batch.file_name, {
        "sha256": batch.sha256, "rows": len(apps), "updated": sorted(batch.existing) if batch.update else [],
        "evidence_files": len(set(batch.evidence.values())), **policy_round.audit_details(),
    }, running=changes)
    if policy_round.chosen:
        signed.append(db, VERSION_CHOSEN_ACTION, batch.file_name, policy_round.audit_details())


def _write_chunk(db: Database, chunk: PreparedChunk, capture: projection.RowCapture, *, new_only: bool) -> None:
    """Insert a chunk's applications, evidence links and assessments, capturing each statement's rows.

    ``new_only``: none of the chunk's applications is in the workspace, so neither is an assessment of one; one
    found all the same (written with SQL behind the app's back) rolls the import back, named.
    """
    try:
        written = records.put_application_rows(db, chunk.applications, replace=not new_only)
    except sqlite3.IntegrityError:
        held = _held_otherwise(db, chunk)
        raise ReviewDeskError(f"内部错误：表 applications 中已有新申报 {'、'.join(held[:5]) or '？'}，"
                              "不是本次导入写入的（数据库被直接改动过），整个导入已撤销，工作区未作任何改动；"
                              "请运行 audit verify 检查工作区") from None
    capture.capture("applications", "application_id", chunk.ids, written)
    written = evidence_rows.link_files(db, chunk.evidence_links)
    capture.capture("application_evidence", "application_id", chunk.ids, written, then_by="position")
    assessments = records.with_record_hashes(chunk.assessments, chunk.policy_version, chunk.policy_hash)
    try:
        written = records.put_imported_assessments(db, assessments, chunk.policy_version, chunk.policy_hash,
                                                   chunk.assessed_at, replace=not new_only)
    except sqlite3.IntegrityError:
        held = records.assessments_held_otherwise(db, assessments, chunk.policy_version, chunk.policy_hash,
                                                  chunk.assessed_at)
        raise ReviewDeskError(f"内部错误：表 assessments 中已有新申报 {'、'.join(held[:5]) or '？'} 的评估，"
                              "不是本工作区写入的（数据库被直接改动过），整个导入已撤销，工作区未作任何改动；"
                              "请运行 audit verify 检查工作区") from None
    capture.capture("assessments", "application_id", chunk.ids, written)


def _held_otherwise(db: Database, chunk: PreparedChunk) -> list[str]:
    """The chunk's applications that the workspace holds but this chunk did not write (another file order)."""
    held = records.existing_applications(db, chunk.ids)
    return [application_id for application_id, row in zip(chunk.ids, chunk.applications) if application_id in held
            and (records.application_row(db, application_id) or {}).get("seq") != row[-1]]


@contextmanager
def _indexes_built_after(db: Database, table: str, defer: bool) -> Iterator[None]:
    """Inside the import's transaction, drop ``table``'s secondary indexes and build them again, from the
    SQL ``sqlite_master`` held, when the rows are in (DDL is transactional: a failed import keeps them)."""
    if not defer:
        yield
        return
    saved = db.execute(dialect.SQLITE_TABLE_INDEXES, {"table": table}).fetchall()
    for name, _ in saved:
        db.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        present = {row[0] for row in db.execute(dialect.SQLITE_INDEX_NAMES)}
        for name, sql in saved:
            if name not in present:
                db.execute(sql)
