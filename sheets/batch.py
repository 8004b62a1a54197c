"""``export-sheets``: a signed ``<申报编号>.pdf`` for each decided application (the one export pipeline).

The parent reads the workspace, unlocks the signer's key once, and inside the first part's write transaction
numbers and audits each sheet and hands it to the worker processes at once (when a batch is large enough to pay
for them: the workers get plain data and never open the workspace), which render, sign and write it; meanwhile
``audit verify`` runs on a second connection, and nothing is committed or handed out before it has passed.
Each sheet's original is copied into the workspace's store as soon as it is made; finally each file's SHA-256 is
stored and, once every original is durable, the part commits."""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from models import fork_safety
from models.review.casefile import load_case
from models.review.terms import FIRST
from models.failures import ReviewDeskError
from models.exports.fonts import chosen_font
from models.review.terms import DECIDING_ROLES
from models.signing.reviewers import Reviewer, ca_certificate, get_reviewer, unlock
from models.signing.revocation import require_current_crl
from models.workspace.decision_rows import current_in
from models.workspace.verified import VerifiedMeanwhile
from models.workspace.workspace import Workspace
from sheets.content import SheetContent, SheetIssue, attachments, content_from_case, printed_fields
from sheets.glyphs import FontChain, UnprintableCharacter, check_printable
from sheets.layout import render  # imported here so forked workers start with it loaded
from sheets.originals import Original, current_original, discard_unfiled, keep_original, record_reissue
from sheets.registry import StagedExport, export_transaction, issue_each, record_outcomes, series_prefix
from sheets.sign import SheetSigner, SignerMaterial, preload
from sheets.styles import styles
from sheets.times import os_error_text
from sheets.workers import WorkerPool

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

PARALLEL_FROM = 21  # below this, starting worker processes costs more than it saves
# Sheets numbered, made and filed per transaction. The workspace's write lock is held for a whole transaction,
# and other writers wait at most 30 s (busy_timeout): 200 sheets take about 5 s at 40 sheets/s.
SHEETS_PER_TRANSACTION = 200


class ExportRefused(ReviewDeskError):
    """The export cannot start (bad output folder, signer, key or job count); nothing was written."""


@dataclass(frozen=True, slots=True)
class SheetJob:
    content: SheetContent
    issue: SheetIssue
    path: str


@dataclass(frozen=True, slots=True)
class SheetResult:
    application_id: str
    path: str
    sha256: str | None = None
    pages: int = 0
    error: str | None = None


@dataclass(slots=True)
class ExportReport:
    written: list[SheetResult] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (申报编号, reason)
    seconds: float = 0.0
    warning: str = ""  # the CA's CRL lapses within 30 days: who must re-issue it

    @property
    def ok(self) -> bool:
        return not self.failed


Progress = Callable[[int, int, SheetResult], None]


# --- worker side ------------------------------------------------------------

_worker: tuple[SheetSigner | None, str | None] | None = None
_warm_fonts: set[str | None] = set()  # fonts this process has made a sheet with: their render caches are filled


def init_worker(material: SignerMaterial | None, font_path: str | None, signer: SheetSigner | None = None) -> None:
    """Once per process: the font registered, the key ready (no key: unsigned sheets). A forked worker is handed
    the parent's own ``signer``, already warm; a spawned one builds its own from ``material``."""
    global _worker
    from sheets.styles import styles

    styles(font_path)
    if signer is None and material is not None:
        signer = SheetSigner(material)
    _worker = (signer, font_path)


def make_sheet(job: SheetJob) -> SheetResult:
    """Render, sign and write one sheet (in the worker that ``init_worker`` set up)."""
    assert _worker is not None, "init_worker was not called"
    return _make(job, *_worker)


def _make(job: SheetJob, signer: SheetSigner | None, font_path: str | None) -> SheetResult:
    target = Path(job.path)
    try:
        rendered = render(job.content, job.issue, font_path=font_path)
        pdf = rendered.pdf
        if signer is not None:
            if rendered.stamp_box is None:
                raise RuntimeError("版面中没有签章位置")
            pdf = signer.sign(pdf, attachments(job.content, job.issue), rendered.stamp_page, rendered.stamp_box,
                              datetime.fromisoformat(job.issue.exported_at))
        write_atomically(target, pdf)
        _warm_fonts.add(font_path)
    except ReviewDeskError as refused:
        return SheetResult(job.content.application_id, str(target), error=str(refused))
    except Exception as error:  # noqa: BLE001 - one bad sheet must not stop the batch; the reason is reported
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return SheetResult(job.content.application_id, str(target), error=f"生成失败：{detail}")
    return SheetResult(job.content.application_id, str(target), hashlib.sha256(pdf).hexdigest(), rendered.pages)


def write_atomically(target: Path, data: bytes) -> None:
    """Written under a temporary name in the same folder, then renamed: never a half-written sheet.

    No fsync: it cost more than rendering and signing together, and a sheet
    lost to a power cut is simply exported again (its SHA-256 is on record).
    """
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        part.write_bytes(data)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


# --- parent side ------------------------------------------------------------


def decided_ids(ws: Workspace) -> list[str]:
    """Applications with a current 初审 decision, in queue order."""
    return [row[0] for row in ws.db.execute(
        "SELECT a.application_id FROM applications a WHERE EXISTS (SELECT 1 FROM decisions d WHERE "
        f"d.application_id = a.application_id AND d.stage = :stage AND {current_in('d')}) ORDER BY a.seq",
        {"stage": FIRST})]


def file_name(application_id: str) -> str:
    safe = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in application_id).strip(". ")
    return f"{safe or '_'}.pdf"


def _contents(ws: Workspace, ids: Sequence[str]) -> tuple[list[SheetContent], list[tuple[str, str]]]:
    certificates = dict(ws.db.execute("SELECT name, certificate_pem FROM reviewers").fetchall())
    demo = ws.is_demo
    contents: list[SheetContent] = []
    failed: list[tuple[str, str]] = []
    for application_id in dict.fromkeys(ids):
        try:
            case = load_case(ws, application_id)
        except ReviewDeskError as missing:
            failed.append((application_id, str(missing)))
            continue
        if case.first is None:
            failed.append((application_id, "尚无初审决定，不能导出审核表"))
            continue
        contents.append(content_from_case(case, certificates, demo=demo))
    return contents, failed


def _without_originals(ws: Workspace, contents: list[SheetContent]) -> tuple[list[SheetContent], list[Original]]:
    """(the contents that need a new sheet, the still-current originals of the others)."""
    fresh: list[SheetContent] = []
    originals: list[Original] = []
    for content in contents:
        original = current_original(ws, content.application_id)
        if original is None:
            fresh.append(content)
        else:
            originals.append(original)
    return fresh, originals


def _reissue_originals(ws: Workspace, originals: list[Original], out_dir: Path, actor: str,
                       report: ExportReport) -> None:
    """Write the still-current originals again (same number, first signer)."""
    for original in originals:
        target = out_dir / file_name(original.row.application_id)
        write_atomically(target, original.data)
        record_reissue(ws, actor, original, target)
        report.written.append(SheetResult(original.row.application_id, str(target), original.row.sha256))


def _printable(contents: list[SheetContent], report: ExportReport, chain: FontChain,
               signer_fields: list[tuple[str, str]]) -> list[SheetContent]:
    """The contents every character of which has a font; the others failed, before any is numbered."""
    kept: list[SheetContent] = []
    for content in contents:
        try:
            check_printable(printed_fields(content) + signer_fields, chain)
        except UnprintableCharacter as refused:
            report.failed.append((content.application_id, str(refused)))
            continue
        kept.append(content)
    return kept


def _pool_context() -> str:
    """fork is fastest, but only safe from a single-threaded process; otherwise spawn."""
    return "fork" if fork_safety.fork_safe() else "spawn"


class SheetMaker:
    """Renders, signs and writes jobs (``material`` None: unsigned): in ``workers`` processes when ``expected`` jobs
    are enough to pay for starting them, else in this process. One pool serves every transaction of an export.

    With fork, a process that has not yet made a sheet with this font and signer makes the first sheet itself before
    the workers start: the caches a first sheet fills (the shared font subset, the certificates' parsed form in the
    signer, pyHanko's lazy imports) are then filled once and copied into every worker, instead of each worker paying
    for them (a cold first sheet cost two to three warm ones). A process already warm (the desk's next export, the
    bench's later pairs) forks its workers at once, and no sheet waits on the parent. The parent's objects are frozen out of the garbage collector's reach before the fork, so the
    workers' collections neither walk nor copy them.
    """

    def __init__(self, material: SignerMaterial | None, font_path: str | None, workers: int, expected: int) -> None:
        self._font_path = font_path
        self._pool: WorkerPool[SheetJob, SheetResult] | None = None
        self._signer: SheetSigner | None = None
        self._warm_first = False  # this process makes the first sheet, then the workers fork
        self._forks = False
        self._frozen = False
        self._expected = expected
        self._closing: threading.Thread | None = None
        styles(font_path)  # parsed here once: forked workers start with the fonts loaded
        if material is not None:
            self._signer = SheetSigner(material)  # local: safe on a GUI worker thread
        if workers > 1 and expected >= PARALLEL_FROM:
            if material is not None:
                preload()
            context = _pool_context()
            self._forks = context == "fork"
            # A process that has made a sheet with this signer already is warm: its workers fork at once.
            self._warm_first = self._forks and not (font_path in _warm_fonts and (self._signer is None or self._signer.warm))
            # Forked workers inherit this signer (nothing is pickled); spawned ones build their own from the material.
            self._pool = WorkerPool(context, min(workers, expected), init_worker,
                                    (material, font_path, self._signer if self._forks else None), make_sheet, _died)

    def __enter__(self) -> SheetMaker:
        return self

    def __exit__(self, *_: object) -> None:
        if self._closing is not None:
            self._closing.join()
        elif self._pool is not None:
            self._pool.shutdown()
        if self._pool is not None:
            gc.unfreeze()

    def _close_when_done(self, made: int) -> None:
        """Once the ``expected`` jobs are made, the workers are let go while this process registers and publishes
        them (waiting for them to exit was about 50 ms an export with nothing else running)."""
        self._expected -= made
        if self._pool is not None and self._expected <= 0 and self._closing is None:
            self._closing = threading.Thread(target=self._pool.shutdown, name="sheet-workers-exit")
            self._closing.start()

    def make(self, jobs: Iterable[SheetJob], done: Callable[[SheetResult], None] | None = None,
             handed_out: Callable[[], None] | None = None) -> list[SheetResult]:
        """A result for every job, in the order of ``jobs``; ``done`` hears of each as it finishes. Each job is handed
        to a worker as ``jobs`` yields it (the first may fork them), so the first sheets are made while the later
        ones are still being numbered. ``handed_out`` is called once every job is with the workers (and so after any
        fork, which copies only the calling thread): work of this process's own can start on a thread then."""
        results: dict[str, SheetResult] = {}
        made: list[SheetJob] = []

        def finished(result: SheetResult) -> None:
            results[result.path] = result
            if done:
                done(result)

        if self._pool is None:
            if handed_out:
                handed_out()
            for job in jobs:
                made.append(job)
                finished(_make(job, self._signer, self._font_path))
        else:
            for job in jobs:
                made.append(job)
                if self._warm_first:
                    self._warm_first = False
                    finished(_make(job, self._signer, self._font_path))
                    continue
                if self._forks and not self._frozen:
                    self._frozen = True
                    gc.freeze()  # the workers fork at the first submit
                self._pool.submit(job)
            if handed_out:  # after the last job: numbering them did not share this process's GIL with it
                handed_out()
            for _, result in self._pool.results():
                finished(result)
            self._close_when_done(len(made))
        return [results[job.path] for job in made]


def _died(job: SheetJob, reason: str) -> SheetResult:
    """The result of a job whose worker died before returning it."""
    return SheetResult(job.content.application_id, job.path, error=reason)


def run_jobs(jobs: Sequence[SheetJob], material: SignerMaterial | None, font_path: str | None, workers: int,
             progress: Progress | None = None) -> list[SheetResult]:
    """Render and sign every job (``material`` None: unsigned); in ``workers`` processes when there are enough jobs."""
    with SheetMaker(material, font_path, workers, len(jobs)) as maker:
        return maker.make(jobs, _counting(progress, len(jobs)))


def _counting(progress: Progress | None, total: int) -> Callable[[SheetResult], None]:
    """Hears of each finished sheet and tells ``progress`` how many of ``total`` are done."""
    count = 0

    def done(result: SheetResult) -> None:
        nonlocal count
        count += 1
        if progress:
            progress(count, total, result)

    return done


def export_sheets(workspace: Workspace | str | os.PathLike[str], out_dir: str | os.PathLike[str],
                  ids: Sequence[str] | None, signer: str, passphrase: str, jobs: int | None = None,
                  progress: Progress | None = None) -> ExportReport:
    """Write ``<申报编号>.pdf`` into ``out_dir`` for ``ids`` (default: every application with a 初审 decision).

    Raises :class:`ExportRefused` (or ``ReviewerError``, ``WrongPassphrase``)
    before anything is written; per-sheet problems are in the report.
    """
    if isinstance(workspace, Workspace):
        return _export(workspace, Path(out_dir), ids, signer, passphrase, jobs, progress)
    with Workspace.open(Path(workspace), create=False) as ws:
        return _export(ws, Path(out_dir), ids, signer, passphrase, jobs, progress)


def prepare_out_dir(out_dir: Path) -> None:
    """Create ``out_dir`` if need be; raises :class:`ExportRefused` when it cannot be a folder."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportRefused(f"无法创建输出文件夹 {out_dir}：{os_error_text(error)}") from None
    if not out_dir.is_dir():
        raise ExportRefused(f"输出位置 {out_dir} 不是文件夹")


def check_key_matches(reviewer: Reviewer, key: object) -> None:
    """Raises :class:`ExportRefused` unless ``key`` is the private half of the reviewer's certificate."""
    if key.public_key().public_numbers() != reviewer.certificate.public_key().public_numbers():  # type: ignore[attr-defined, union-attr]  # both P-256 EC keys
        raise ExportRefused(f"{reviewer.name} 的密钥与其证书不符，未导出审核表")


def _export(ws: Workspace, out_dir: Path, ids: Sequence[str] | None, signer: str, passphrase: str,
            jobs: int | None, progress: Progress | None) -> ExportReport:
    started = time.perf_counter()
    if jobs is not None and jobs < 1:
        raise ExportRefused(f"并行进程数须为正整数，而不是 {jobs}")
    prepare_out_dir(out_dir)
    reviewer = get_reviewer(ws, signer)
    _check_role(reviewer)
    key = unlock(ws, reviewer.name, passphrase)
    report = export_unlocked(ws, out_dir, ids, reviewer, key, jobs or os.cpu_count() or 1, progress)
    report.seconds = time.perf_counter() - started
    return report


def _export_part(ws: Workspace, staging: StagedExport, contents: list[SheetContent], reviewer: Reviewer,
                 material: SignerMaterial, maker: SheetMaker, done: Callable[[SheetResult], None],
                 report: ExportReport, handed_out: Callable[[], None] | None = None) -> None:
    """Number, make, keep and register ``contents`` inside the caller's transaction (``export_transaction``: the
    workspace's write lock is held throughout, so a batch is cut into parts and other writers get their turn
    between them); each sheet is kept as soon as it is made, and the files reach ``out_dir`` once it has committed."""
    work: list[SheetJob] = []

    def numbered() -> Iterator[SheetJob]:
        issues = issue_each(ws.db, contents, reviewer.name, reviewer.role, material.organization,
                            series_prefix(material.ca_der))
        for content, issue in zip(contents, issues, strict=True):  # strict: the registration entry is appended
            work.append(SheetJob(content, issue, staging.staged(file_name(content.application_id))))
            yield work[-1]

    def made(result: SheetResult) -> None:
        if result.error is None:
            staging.keep(result.path, result.sha256)  # copied into the store while the rest are made
        done(result)

    def all_handed_out() -> None:  # threads start only now, after any fork of the workers
        staging.start_keeping()
        if handed_out:
            handed_out()

    results = maker.make(numbered(), made, all_handed_out)
    record_outcomes(ws.db, reviewer.name,
                    [(job.issue, r.sha256 or "") for job, r in zip(work, results) if r.error is None],
                    [(job.issue, r.error or "") for job, r in zip(work, results) if r.error is not None])
    report.written += [replace(r, path=staging.final(r.path)) for r in results if r.error is None]
    report.failed += [(r.application_id, r.error or "") for r in results if r.error is not None]


def _check_role(reviewer: Reviewer) -> None:
    if reviewer.role not in DECIDING_ROLES:  # 三员分立: the 系统管理员 and the 审计员 sign no sheet
        raise ExportRefused(f"{reviewer.name} 的角色是{reviewer.role}，不能签发审核表")


def export_unlocked(ws: Workspace, out_dir: Path, ids: Sequence[str] | None, reviewer: Reviewer,
                    key: ec.EllipticCurvePrivateKey, workers: int = 1,
                    progress: Progress | None = None) -> ExportReport:
    """The one export pipeline, for ``export-sheets`` and the desk's single sheet alike, with an unlocked key.

    Still-current originals are written again (same number, first signer); the rest are checked for
    printable characters, numbered and audited, rendered, signed (B-LT), written and registered.
    Raises :class:`ExportRefused`, ``CrlLapsed`` or ``UnverifiedWorkspace`` (``audit verify`` fails: a sheet
    vouches for the log it carries the head of); nothing is committed, audited or handed out before that verify
    has passed. It runs beside the first part (:func:`_verified_first_part`); a failed verify is the reason given
    whatever else went wrong meanwhile, as when it ran first.
    """
    started = time.perf_counter()
    prepare_out_dir(out_dir)
    _check_role(reviewer)
    check_key_matches(reviewer, key)
    with VerifiedMeanwhile(ws, "不导出审核表", evidence_of=ids) as verification:
        try:
            report = _export_verified(ws, out_dir, ids, reviewer, key, workers, progress, verification)
        except ReviewDeskError:
            verification.require()
            raise
    report.seconds = time.perf_counter() - started
    return report


def _export_verified(ws: Workspace, out_dir: Path, ids: Sequence[str] | None, reviewer: Reviewer,
                     key: ec.EllipticCurvePrivateKey, workers: int, progress: Progress | None,
                     verification: VerifiedMeanwhile) -> ExportReport:
    ca = ca_certificate(ws)
    crl = require_current_crl(ws)
    font_path = chosen_font()
    material = SignerMaterial.of(key, reviewer.certificate, ca, crl.der)
    report = ExportReport(warning=crl.warning)
    with ExitStack() as makers:
        # The first part's transaction holds the write lock from before the verify starts until it has passed.
        with export_transaction(ws.db, out_dir, ws.folder, partial(keep_original, ws), partial(discard_unfiled, ws)) as staging:
            contents, report.failed = _contents(ws, decided_ids(ws) if ids is None else list(ids))
            contents, originals = _without_originals(ws, contents)
            contents = _printable(contents, report, styles(font_path).chain,
                                  [("导出人", reviewer.name), ("导出人单位", material.organization)])
            finished = _counting(progress, len(contents))
            maker = makers.enter_context(SheetMaker(material, font_path, workers, len(contents)))
            first = contents[:SHEETS_PER_TRANSACTION]
            if first:
                # verified once the sheets are with the workers (after their fork: a fork copies only the calling thread)
                _export_part(ws, staging, first, reviewer, material, maker, finished, report, verification.start)
            verification.require()
            _reissue_originals(ws, originals, out_dir, reviewer.name, report)
        for start in range(SHEETS_PER_TRANSACTION, len(contents), SHEETS_PER_TRANSACTION):
            with export_transaction(ws.db, out_dir, ws.folder, partial(keep_original, ws), partial(discard_unfiled, ws)) as staging:
                _export_part(ws, staging, contents[start:start + SHEETS_PER_TRANSACTION], reviewer, material,
                             maker, finished, report)
    return report
