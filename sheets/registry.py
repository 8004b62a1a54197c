"""The ``sheets`` table: every issued sheet by verification code, and the export's audit entry.

The table belongs to the schema (migration ``0002_sessions_and_sheets``);
``ensure_sheet_table`` repeats its definition for workspaces opened before
that migration existed. An export numbers its sheets, writes them and files
them in one transaction (:func:`export_transaction`), so a run killed on the
way leaves no numbered sheet behind; ``sha256`` is empty only for a sheet whose
file could not be written, and that failure is audited. ``sheet_records``
keeps each sheet's record (what its code pins) so a printed copy can be
checked by its content; sheets exported before that table existed have no row
there.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.workspace.database import Database

from models.workspace import audit, dialect
from models.failures import ReviewDeskError
from models.workspace.leftovers import abandoned_scratch, claimed_scratch, remove_leftovers
from models.signing.signatures import canonical_bytes
from sheets.codes import ALPHABET, code_of_canonical
from sheets.content import SheetContent, SheetIssue, sheet_record

EXPORT_ACTION = "导出审核表"
FAILED_ACTION = "导出审核表失败"
REGISTER_ACTION = "登记审核表校验码"
FILED_ACTION = "登记审核表文件"
EXPORT_SCRATCH = ".export-"
KEEPING_THREADS = 4
LOG = logging.getLogger("reviewdesk")


@dataclass(frozen=True, slots=True)
class SheetRow:
    code: str
    application_id: str
    serial: str
    sha256: str  # "": numbered, but the file was never written
    signer: str
    exported_at: str


def ensure_sheet_table(db: Database) -> None:
    """The tables come from the workspace's migrations (0002, 0005); a workspace without them is not one."""
    if not _has_table(db):
        raise ReviewDeskError("工作区缺少审核表登记表，请用新版审核台打开以完成数据库升级")


def _has_table(db: Database) -> bool:
    return db.execute(dialect.table_exists_sql(db.dialect), {"name": "sheets"}).fetchone() is not None


def series_prefix(ca_der: bytes) -> str:
    """The workspace's four-symbol number prefix, fixed when its CA was made: from the CA certificate's hash."""
    digest = int.from_bytes(hashlib.sha256(ca_der).digest()[:3], "big")
    return "".join(ALPHABET[(digest >> (19 - 5 * i)) & 31] for i in range(4))


def _next_number(db: Database, series: str) -> int:
    row = db.execute("SELECT serial FROM sheets WHERE serial LIKE :pattern ORDER BY serial DESC LIMIT 1",
                     {"pattern": f"{series}-%"}).fetchone()
    return int(row[0].rsplit("-", 1)[1]) + 1 if row else 1


def issue_sheets(db: Database, contents: Sequence[SheetContent], signer: str, signer_role: str,
                 signer_organization: str = "", prefix: str = "") -> list[SheetIssue]:
    """Number each sheet (``前缀-年份-序号``), audit its export and register its code, all in one transaction.

    The audit entry's time is the signing time, and its hash is the chain head the sheet prints.
    """
    return list(issue_each(db, contents, signer, signer_role, signer_organization, prefix))


def issue_each(db: Database, contents: Sequence[SheetContent], signer: str, signer_role: str,
               signer_organization: str = "", prefix: str = "") -> Iterator[SheetIssue]:
    """:func:`issue_sheets` a sheet at a time, so each can be made while the next is numbered; the registration
    entry follows the last. Consume it whole inside the caller's transaction (stopped early, it rolls back)."""
    issued: list[SheetIssue] = []
    with db.atomic():
        ensure_sheet_table(db)
        series = f"{prefix}-{audit.now_text()[:4]}" if prefix else audit.now_text()[:4]
        number = _next_number(db, series)
        for content in contents:
            serial = f"{series}-{number:06d}"
            number += 1
            head, exported_at = audit.append_timed(db, signer, EXPORT_ACTION, content.application_id, {
                "serial": serial, "decisions": [block.uuid for block in content.decisions],
            })
            record = canonical_bytes(sheet_record(content, serial=serial, audit_head=head, exported_at=exported_at,
                                                  signer=signer))  # the code's and the registry's, made once
            issue = SheetIssue(serial, code_of_canonical(record), head, exported_at, signer, signer_role,
                               signer_organization)
            db.execute("INSERT INTO sheets (code, application_id, serial, sha256, signer, exported_at) "
                       "VALUES (:code, :application_id, :serial, '', :signer, :exported_at)",
                       {"code": issue.code, "application_id": content.application_id, "serial": serial,
                        "signer": signer, "exported_at": exported_at})
            db.execute("INSERT INTO sheet_records (code, record) VALUES (:code, :record)",
                       {"code": issue.code, "record": record.decode("utf-8")})
            issued.append(issue)
            yield issue
        if issued:
            audit.append(db, signer, REGISTER_ACTION, "", {
                "sheets": [{"code": i.code, "serial": i.serial} for i in issued]})


def record_outcomes(db: Database, signer: str, written: Sequence[tuple[SheetIssue, str]],
                    failed: Sequence[tuple[SheetIssue, str]]) -> None:
    """Store each written file's SHA-256; audit each sheet that could not be written, with the reason."""
    with db.atomic():
        for issue, sha256 in written:
            db.execute("UPDATE sheets SET sha256 = :sha256 WHERE code = :code", {"sha256": sha256, "code": issue.code})
        if written:
            audit.append(db, signer, FILED_ACTION, "", {
                "sheets": [{"code": issue.code, "sha256": sha256} for issue, sha256 in written]})
        for issue, reason in failed:
            application_id = db.execute("SELECT application_id FROM sheets WHERE code = :code",
                                        {"code": issue.code}).fetchone()
            audit.append(db, signer, FAILED_ACTION, application_id[0] if application_id else "",
                         {"serial": issue.serial, "code": issue.code, "reason": reason})


KEPT_LISTING = "kept-originals.txt"  # each original copied into the store, listed before it appears there
KEPT_SCRATCH = ".export-kept-"  # in the workspace folder: an export's listing, whatever folder it writes to

Keep = Callable[[str | Path, Callable[[str], None], str | None], None]
"""(staged sheet, note(sha256) before a new copy appears, the sheet's SHA-256 when known)"""
Discard = Callable[[list[str]], None]  # copies of sheets no committed row names: removed from the store


class StagedExport:
    """Where an export writes its sheets until their numbers are committed, and keeps their originals meanwhile.

    Each written sheet is copied into the workspace's store as soon as it is made (:meth:`keep`), by a few threads
    (keeping is mostly waiting for ``fsync``) while the workers make the rest, and each copy is listed in
    ``listing`` (inside the workspace folder) before it appears there. The transaction commits only once every copy is durable
    (:meth:`wait_kept`); when it does not commit, the listed copies no committed row names are removed.
    """

    def __init__(self, out_dir: Path, scratch: Path, keep: Keep, listing: Path) -> None:
        self.out_dir = out_dir
        self.scratch = scratch
        self._out_dir, self._scratch = os.fspath(out_dir), os.fspath(scratch)
        self.listing = listing
        self._keep = keep
        self._pool: ThreadPoolExecutor | None = None
        self._waiting: list[tuple[str | Path, str | None]] = []  # made before the keeping may start
        self._keeping: list[Future[None]] = []
        self._listing_lock = threading.Lock()

    def staged(self, name: str) -> str:
        """Where the sheet ``name`` is written until the commit (as text: one is made per sheet)."""
        return os.path.join(self._scratch, name)

    def final(self, staged: str | Path) -> str:
        """Where the staged sheet goes once committed."""
        return os.path.join(self._out_dir, os.path.basename(staged))

    def keep(self, staged: str | Path, sha256: str | None = None) -> None:
        """Copy this written sheet (of SHA-256 ``sha256``, when known) into the store: now, or once
        :meth:`start_keeping` has been called."""
        if self._pool is None:
            self._waiting.append((staged, sha256))
        else:
            self._keeping.append(self._pool.submit(self._keep, staged, self._note, sha256))

    def start_keeping(self) -> None:
        """From now on sheets are kept as they come (threads may start: call it after any fork of the workers)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=KEEPING_THREADS, thread_name_prefix="keep-original")
            waiting, self._waiting = self._waiting, []
            for path, sha256 in waiting:
                self.keep(path, sha256)

    def wait_kept(self) -> None:
        """Wait until every sheet handed to :meth:`keep` is durable in the store; raise the first failure."""
        self.start_keeping()
        failure: BaseException | None = None
        for done in self._keeping:
            error = done.exception()
            failure = failure or error
        if failure is not None:
            raise failure

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _note(self, sha256: str) -> None:
        with self._listing_lock, self.listing.open("a", encoding="ascii") as listing:
            listing.write(sha256 + "\n")  # before the copy appears in the store (a killed run's is found by it)

    def publish(self) -> None:
        """Each sheet moved into ``out_dir``, in name order (after the commit)."""
        for name in sorted(n for n in os.listdir(self._scratch) if n.endswith(".pdf") and not n.startswith(".")):
            os.replace(os.path.join(self._scratch, name), os.path.join(self._out_dir, name))


def listed_copies(scratch: Path) -> list[str]:
    """The originals an export in ``scratch`` copied into the store (whether or not it committed)."""
    try:
        text = (scratch / KEPT_LISTING).read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return []
    return list(dict.fromkeys(line for line in text.splitlines() if line))


@contextmanager
def export_transaction(db: Database, out_dir: Path, workspace_folder: Path, keep: Keep,
                       discard: Discard) -> Iterator[StagedExport]:
    """Number, write, keep and file sheets in one transaction; the files reach ``out_dir`` once it has committed.

    Write each sheet to ``staged(name)`` and hand it to ``keep`` (:meth:`StagedExport.keep`), which stores the
    original in the workspace; the commit waits until every original is durable, then each sheet is moved into
    ``out_dir``. A run that fails before the commit leaves no numbered sheet and no kept copy (``discard`` removes
    those no committed row names). One killed before the commit leaves no numbered sheet: only a scratch folder
    ``.export-…`` in ``out_dir``, which the next export there removes, and in the workspace folder a listing
    (``.export-kept-…``) of the unreferenced copies it made in the store, which the next export, to any folder,
    removes with them, saying so. Killed after it, every sheet on record has its kept original.
    """
    for folder in abandoned_scratch(workspace_folder, KEPT_SCRATCH):
        discard(listed_copies(folder))
        shutil.rmtree(folder, ignore_errors=True)
        LOG.warning("已清理上次导出中断时存入工作区、未被引用的审核表原件：%s", folder)
    remove_leftovers(out_dir, EXPORT_SCRATCH, "导出审核表")
    kept = claimed_scratch(workspace_folder, KEPT_SCRATCH)
    staging = StagedExport(out_dir, claimed_scratch(out_dir, EXPORT_SCRATCH), keep, kept / KEPT_LISTING)
    listing_kept = False
    try:
        try:
            with db.atomic():
                yield staging
                staging.wait_kept()
        except BaseException:
            staging.close()
            try:
                discard(listed_copies(kept))
            except Exception as error:  # noqa: BLE001 - the export's own failure is the one to report
                LOG.warning("导出未完成，已存入工作区的审核表原件未能清除（退出本程序后下次导出时清除）：%s", error)
                listing_kept = True
            raise
        staging.publish()
    finally:
        staging.close()
        shutil.rmtree(staging.scratch, ignore_errors=True)
        if not listing_kept:  # otherwise the listing stays for the next export
            shutil.rmtree(kept, ignore_errors=True)


def find_code(db: Database, code: str) -> SheetRow | None:
    if not _has_table(db):
        return None
    row = db.execute("SELECT code, application_id, serial, sha256, signer, exported_at FROM sheets WHERE code = :code",
                     {"code": code}).fetchone()
    return SheetRow(*row) if row else None


def stored_record(db: Database, code: str) -> dict[str, Any] | None:
    """The sheet record registered with ``code``; None for sheets exported before records were kept."""
    if db.execute(dialect.table_exists_sql(db.dialect), {"name": "sheet_records"}).fetchone() is None:
        return None
    row = db.execute("SELECT record FROM sheet_records WHERE code = :code", {"code": code}).fetchone()
    return None if row is None else json.loads(row[0])


def newest_sheet(db: Database, application_id: str) -> SheetRow | None:
    """The application's most recently exported sheet that was written."""
    if not _has_table(db):
        return None
    row = db.execute("SELECT code, application_id, serial, sha256, signer, exported_at FROM sheets "
                     "WHERE application_id = :application_id AND sha256 != '' "
                     "ORDER BY exported_at DESC, serial DESC LIMIT 1", {"application_id": application_id}).fetchone()
    return SheetRow(*row) if row else None


def export_entry(db: Database, audit_hash: str) -> dict[str, str] | None:
    """The audit entry with that hash: seq, at, actor, action, subject, details."""
    row = db.execute("SELECT seq, at, actor, action, subject, details FROM audit WHERE hash = :hash",
                     {"hash": audit_hash}).fetchone()
    return None if row is None else dict(zip(("seq", "at", "actor", "action", "subject", "details"), row))


def revision_ends(data: bytes) -> list[int]:
    """Where each incremental revision of a PDF ends (after ``%%EOF`` and its line end), first to last."""
    ends: list[int] = []
    at = data.find(b"%%EOF")
    while at != -1:
        end = at + 5
        for line_end in (b"\r\n", b"\n", b"\r"):
            if data.startswith(line_end, end):
                end += len(line_end)
                break
        ends.append(end)
        at = data.find(b"%%EOF", end)
    return ends


def registered_prefix(db: Database, data: bytes) -> SheetRow | None:
    """The registered sheet that ``data`` is, or begins with (a sheet to which only revisions were appended).

    Whether what was appended is allowed (validation data, document timestamps) is the signature check's question.
    """
    if not _has_table(db):
        return None
    for end in [len(data), *reversed(revision_ends(data))]:
        sha256 = hashlib.sha256(data[:end]).hexdigest()
        row = db.execute("SELECT code, application_id, serial, sha256, signer, exported_at FROM sheets "
                         "WHERE sha256 = :sha256", {"sha256": sha256}).fetchone()
        if row is not None:
            return SheetRow(*row)
    return None


def stored_sha256(db: Database, row: SheetRow) -> str:
    """The hash of the copy the workspace keeps as ``row``'s original: the exported file, or that file with the
    document timestamps a 负责人 appended since (migration ``0008_stored_sheets``)."""
    found = db.execute("SELECT stored_sha256 FROM sheets WHERE code = :code", {"code": row.code}).fetchone()
    return (found[0] if found else "") or row.sha256


def record_stored(db: Database, stored: Sequence[tuple[str, str]]) -> None:
    """Point each sheet (code) at its new stored copy (SHA-256); inside the caller's transaction, before the
    audit event that signs the new hashes, so that event captures the change."""
    for code, sha256 in stored:
        db.execute("UPDATE sheets SET stored_sha256 = :sha256 WHERE code = :code", {"sha256": sha256, "code": code})
