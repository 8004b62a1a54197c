"""An import's rows, a chunk at a time: assessed and turned into the values each table is written with.

Only the importing process touches the database. Where a worker may be forked (Linux, and no other thread in
this process, so the fork copies no lock another thread holds), a worker process builds chunk N+1 while the
importer writes chunk N, so the engine and the row values use the second core; elsewhere, or for a file of one
chunk, the same chunks are built in this process. The chunks are the same either way and come in file order,
so what is written and captured never depends on where they were built. At most one chunk waits in the pipe
and one is being built: memory stays bounded. A worker that fails or dies makes the import raise, inside its
transaction, so nothing of it is kept.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from policy.application import Application
from policy.assessment import Assessment
from policy.catalog import Policy
from policy.engine import assess_in_order
from policy.history import History

from models import fork_safety
from models.failures import ReviewDeskError
from models.workspace import records

EvidenceByName = dict[tuple[str, str], tuple[str, int, str]]
"""(申报编号, 附件 name) → (sha256, size, kind) of the stored file."""


class WorkerDied(ReviewDeskError):
    """The worker building an import's rows ended without finishing; the import is rolled back."""


@dataclass(frozen=True, slots=True)
class PreparedChunk:
    """One chunk of an import: the values of its rows for ``applications``, ``application_evidence`` and
    ``assessments``, and its 申报编号 in file order (what the capture selects by)."""

    start: int
    ids: list[str]
    applications: list[records.ApplicationRow]
    evidence_links: list[tuple[str, int, str, str]]
    assessments: list[tuple[Any, ...]]
    """Each assessment's ``records.unhashed_assessment_row`` (the importer adds the record hash:
    ``records.with_record_hashes``); the three values they share are below."""
    policy_version: str
    policy_hash: str
    assessed_at: str

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled a column at a time, each recurring text once (see :func:`chunk_bytes`)."""
        return (_chunk_of_columns, (self.start, self.ids, _columns(self.applications, _RECURRING_APPLICATION_TEXT),
                                    self.evidence_links, _columns(self.assessments, _RECURRING_ASSESSMENT_TEXT),
                                    self.policy_version, self.policy_hash, self.assessed_at))


_RECURRING_APPLICATION_TEXT = frozenset(records.APPLICATION_COLUMNS.index(name) for name in (
    "enterprise", "county", "industry", "item_id", "recognised_on", "attachments", "warnings", "item_text"))
_RECURRING_ASSESSMENT_TEXT = frozenset(records.IMPORTED_ASSESSMENT_COLUMNS.index(name) for name in (
    "status", "uncapped_yuan", "cap_yuan", "recommended_yuan", "flags", "trace"))
"""The text columns (text or None) whose values recur from row to row: the industry, the item, the statuses and
amounts, the trace of a set amount."""


def _columns(rows: list[tuple[Any, ...]], recurring: frozenset[int]) -> list[Any]:
    """``rows`` as columns; in those of ``recurring`` equal texts are one object, which the pickle's memo then
    writes once and the importer reads once."""
    return [_one_object_each(column) if n in recurring else column for n, column in enumerate(zip(*rows))]


def _one_object_each(column: tuple[str | None, ...]) -> list[str | None]:
    first: dict[str | None, str | None] = {}
    return [first.setdefault(value, value) for value in column]


def _chunk_of_columns(start: int, ids: list[str], applications: list[Any], evidence_links: list[tuple[str, int, str, str]],
                      assessments: list[Any], policy_version: str, policy_hash: str, assessed_at: str) -> PreparedChunk:
    return PreparedChunk(start, ids, list(zip(*applications)), evidence_links, list(zip(*assessments)),
                         policy_version, policy_hash, assessed_at)


@dataclass(frozen=True, slots=True)
class RowPlan:
    """Everything the chunks are built from; plain data, so a forked worker needs nothing else."""

    apps: list[Application]
    policy: Policy
    history: History | None
    import_id: int
    demo: bool
    first_seq: int
    assessed_at: str
    evidence: EvidenceByName
    chunk_rows: int
    workspace: Path
    """The workspace folder: a worker closes every file of it it inherited (the lock above all)."""


def prepared_chunks(plan: RowPlan, *, release: bool = False) -> Iterator[PreparedChunk]:
    """The chunks, in file order. With ``release`` (in the worker) each chunk's applications are dropped from
    ``plan.apps`` once built: the worker's copies of their pages (written by reference counting since the
    fork) are freed as it goes instead of adding up to a second copy of the file."""
    policy = plan.policy
    assessments = assess_in_order(plan.apps, policy, plan.history)
    for start in range(0, len(plan.apps), plan.chunk_rows):
        chunk = plan.apps[start:start + plan.chunk_rows]
        results = list(islice(assessments, len(chunk)))
        if release:
            plan.apps[start:start + len(chunk)] = [_RELEASED] * len(chunk)
        yield prepared_chunk(start, chunk, results, RowValues(policy, plan.import_id, plan.demo, plan.first_seq,
                                                              plan.assessed_at, plan.evidence))


@dataclass(frozen=True, slots=True)
class RowValues:
    """What a chunk's rows are built with besides its applications and their assessments."""

    policy: Policy
    import_id: int
    demo: bool
    first_seq: int
    assessed_at: str
    evidence: EvidenceByName


def prepared_chunk(start: int, chunk: list[Application], results: list[Assessment],
                   values: RowValues) -> PreparedChunk:
    """The rows of the applications ``start:start + len(chunk)`` of an import."""
    policy = values.policy
    return PreparedChunk(
        start, [app.application_id for app in chunk],
        records.application_rows(chunk, values.import_id, values.demo, values.first_seq + start),
        [(app.application_id, n, name, values.evidence[(app.application_id, name)][0])
         for app in chunk for n, name in enumerate(app.attachments)],
        [records.unhashed_assessment_row(result) for result in results],
        policy.version, policy.content_hash, values.assessed_at)


_RELEASED: Any = None


def worker_wanted(rows: int, chunk_rows: int) -> bool:
    """Whether to build the chunks in a forked worker: more than one chunk, and a fork is safe here."""
    return rows > chunk_rows and fork_safety.fork_safe()


@contextmanager
def chunks_for(plan: RowPlan, *, worker: bool) -> Iterator[Iterator[PreparedChunk]]:
    """The chunks of ``plan``, built by a forked worker when ``worker``; leaving the block ends the worker."""
    if not worker:
        yield prepared_chunks(plan)
        return
    context = get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_build, args=(plan, sending, receiving, os.getpid()),
                              name="reviewdesk-import-rows", daemon=True)
    process.start()
    sending.close()
    try:
        yield _received(receiving, process)
    finally:
        receiving.close()
        if process.is_alive():
            process.kill()
        process.join()


_CHUNK, _FAILED, _DONE = "chunk", "failed", "done"


def _build(plan: RowPlan, sending: Connection, importers_end: Connection, importer: int) -> None:
    """The worker: send each chunk, then done; or what went wrong."""
    importers_end.close()
    _end_with(importer)
    _let_go_of(plan.workspace)
    try:
        for chunk in prepared_chunks(plan, release=True):
            sending.send_bytes(chunk_bytes((_CHUNK, chunk)))
        sending.send_bytes(pickle.dumps((_DONE, None)))
    except BaseException as error:  # noqa: BLE001 - sent to the importer, which raises it inside its transaction
        sending.send_bytes(pickle.dumps((_FAILED, (_picklable(error), traceback.format_exc()))))
    finally:
        sending.close()


def chunk_bytes(message: tuple[str, Any]) -> bytes:
    """A chunk pickled a column at a time (``PreparedChunk.__reduce__``), with pickle's memo: each recurring
    text (an industry, a status, an amount, a set amount's trace) and each 申报编号 (in the ids, the application
    and the assessment) is written once, so the importer, whose time is the import's, decodes a third fewer bytes
    (at 20,000 rows 0.065 instead of 0.12 CPU seconds, for 0.06 more in the worker). Memoising every string and
    tuple of the rows instead took two thirds of the pickling."""
    return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)


def _end_with(importer: int) -> None:
    """Be killed when the importer dies (it may be killed itself), and end now if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != importer:
        os._exit(1)


def _let_go_of(folder: Path) -> None:
    """Close the inherited descriptors of the workspace's files: the worker never touches them, and the lock
    (an ``flock``, shared by every copy of its descriptor) must end with the importer, not with the worker."""
    inside = str(folder.resolve()) + os.sep
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith(inside):
                os.close(int(name))
        except OSError:  # the descriptor listdir itself used, gone by now
            continue


def _picklable(error: BaseException) -> BaseException | None:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any error's own pickling may fail; its traceback text is sent instead
        return None
    return error


def _received(receiving: Connection, process: Any) -> Iterator[PreparedChunk]:
    while True:
        try:
            kind, payload = pickle.loads(receiving.recv_bytes())
        except (EOFError, OSError):
            process.join(5)
            raise WorkerDied(f"导入中断：生成导入数据的工作进程意外退出（退出码 {process.exitcode}），"
                             "整个导入已撤销，工作区未作任何改动；请重新导入") from None
        if kind == _DONE:
            return
        if kind == _FAILED:
            error, text = payload
            if error is not None:
                raise error
            raise RuntimeError(f"导入的工作进程出错：\n{text}")
        yield payload
