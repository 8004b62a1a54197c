"""A large import read, validated, assessed and built by a forked worker while the importer writes.

The worker reads the file (with every limit checked before the work it guards, as
``models.intake.readers`` does; a CSV a piece at a time), validates it a chunk at a time
(``table_chunks``: the same messages as one pass over the whole file) and sends each valid chunk's rows as
soon as they are built; the importer only writes. The first problem stops the sending,
not the validating: the worker goes on to the end of the file and then sends the same
complete list of problems one process would have raised, and the importer raises it
inside its transaction, so nothing of the chunks written so far is kept. The stream:

- ``start``: (policy version, version the years call for), after the first chunk is validated (how many rows
  a CSV holds is known only at the end); the importer answers with (import id, first seq, assessed at) once its transaction has begun, which the
  worker awaits only when the first chunk is assessed and its rows are to be built;
- ``chunk`` (a ``StreamedChunk``) for each chunk of valid rows: its rows to write while every row so far is
  valid; after a problem only the worker sees (an attachment's), just its 申报编号, for the importer's own
  check that none is already in the workspace (its problems belong in the same list);
- ``done``: (years, problems of the attachments, the file's count of applications), or ``failed``: an
  exception (``ImportRejected`` with every problem of the file, or whatever went wrong), which the importer
  raises.
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from policy.application import Application
from policy.catalog import Policy, load_policy
from policy.engine import assess_in_order
from policy.history import History
from policy.versions import NoPolicyVersion, version_for_year

from models.intake.assessing import YearVersions
from models.intake.prepared_rows import (
    PreparedChunk,
    RowValues,
    WorkerDied,
    _end_with,
    _let_go_of,
    _picklable,
    chunk_bytes,
    prepared_chunk,
)
from models.intake.problems import ImportRejected, Problem
from models.intake.table_chunks import TableChunks, ValidatedChunk
from models.intake.validate import collector_paused, sorted_problems

ATTACHMENT_COLUMN = "附件"
NO_EVIDENCE = "找不到“{name}”：未提供附件目录或压缩包"


@dataclass(frozen=True, slots=True)
class StreamPlan:
    """What the worker needs: plain data, copied by the fork."""

    path: Path
    first_policy: Policy
    chosen: bool
    history: History | None
    demo: bool
    chunk_rows: int
    workspace: Path
    """The workspace folder: the worker closes every file of it it inherited (the lock above all)."""


ESTIMATED_ROW_BYTES = 120
"""Bytes of file per application, for :attr:`StreamStart.rows`: a GB18030 CSV row of the template's columns takes
some 125 (the benchmark's 1,000,000 rows: 126 MB; UTF-8 more), so the estimate is rather high than low. Too high,
the importer's page cache is larger than it needs (at 200,000 rows, estimated 240,000 at 100 bytes: 50 MB more of
peak); too low, smaller."""


@dataclass(frozen=True, slots=True)
class StreamStart:
    rows: int
    """An estimate of the file's applications from its size (:data:`ESTIMATED_ROW_BYTES`): the worker counts them
    only as it reads them, to the end, while the importer must size its page cache, decide whether to build the
    indexes after the rows and show a progress total from the start. Those change only how fast the rows are
    written, never what is stored; the count the import records is :attr:`StreamEnd.rows`."""
    policy: Policy
    by_year: str


@dataclass(frozen=True, slots=True)
class StreamedChunk:
    """A chunk of valid rows: their 申报编号 and spreadsheet rows, and what to write, unless a problem came
    first (the rows are then only checked against the workspace)."""

    start: int
    ids: list[str]
    rows: list[int]
    prepared: PreparedChunk | None


@dataclass(frozen=True, slots=True)
class StreamEnd:
    years: tuple[int, ...]
    problems: list[Problem]
    """Problems only the importer's own check can add to (the attachments'), in file order."""
    rows: int
    """The file's applications."""


_START, _CHUNK, _FAILED, _DONE = "start", "chunk", "failed", "done"


class Stream:
    """The importer's end: :meth:`start`, then :meth:`settle` inside the transaction, then :meth:`chunks`."""

    def __init__(self, receiving: Connection, answering: Connection, process: Any, file_bytes: int) -> None:
        self._file_bytes = file_bytes
        self._receiving = receiving
        self._answering = answering
        self._process = process
        self.end: StreamEnd | None = None

    def start(self) -> StreamStart:
        kind, payload = self._next()
        if kind != _START:
            raise WorkerDied(f"导入中断：工作进程发来了意外的消息（{kind}），整个导入已撤销，工作区未作任何改动")
        version, by_year = payload
        return StreamStart(max(1, self._file_bytes // ESTIMATED_ROW_BYTES), load_policy(version), by_year)

    def settle(self, import_id: int, first_seq: int, assessed_at: str) -> None:
        self._answering.send((import_id, first_seq, assessed_at))

    def chunks(self) -> Iterator[StreamedChunk]:
        """In file order; ends with :attr:`end` set."""
        while True:
            kind, payload = self._next()
            if kind == _DONE:
                self.end = payload
                return
            yield payload

    def _next(self) -> tuple[str, Any]:
        try:
            kind, payload = pickle.loads(self._receiving.recv_bytes())
        except (EOFError, OSError):
            self._process.join(5)
            raise WorkerDied(f"导入中断：读取和生成导入数据的工作进程意外退出（退出码 {self._process.exitcode}），"
                             "整个导入已撤销，工作区未作任何改动；请重新导入") from None
        if kind == _FAILED:
            error, text = payload
            if error is not None:
                raise error
            raise RuntimeError(f"导入的工作进程出错：\n{text}")
        return kind, payload


@contextmanager
def streamed(plan: StreamPlan) -> Iterator[Stream]:
    """Fork the worker for ``plan``; leaving the block ends it."""
    context = get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    answers, answering = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(plan, sending, answers, (receiving, answering), os.getpid()),
                              name="reviewdesk-import-stream", daemon=True)
    process.start()
    sending.close()
    answers.close()
    try:
        yield Stream(receiving, answering, process, _size_of(plan.path))
    finally:
        receiving.close()
        answering.close()
        if process.is_alive():
            process.kill()
        process.join()


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the worker says why it cannot read the file


def _work(plan: StreamPlan, sending: Connection, answers: Connection, importers_ends: tuple[Connection, ...],
          importer: int) -> None:
    for end in importers_ends:
        end.close()
    _end_with(importer)
    _let_go_of(plan.workspace)
    try:
        with collector_paused():
            _stream(plan, sending, answers)
    except BaseException as error:  # noqa: BLE001 - sent to the importer, which raises it inside its transaction
        sending.send_bytes(pickle.dumps((_FAILED, (_picklable(error), traceback.format_exc()))))
    finally:
        sending.close()


def _send(sending: Connection, kind: str, payload: object) -> None:
    sending.send_bytes(pickle.dumps((kind, payload), pickle.HIGHEST_PROTOCOL))


def _stream(plan: StreamPlan, sending: Connection, answers: Connection) -> None:
    path = plan.path
    policy = plan.first_policy
    rows = TableChunks(path, policy, plan.chunk_rows)
    chunks = rows.chunks()
    first = next(chunks, None)
    if first is not None and not first.problems and not rows.problems and not plan.chosen and first.applications:
        by_year = _version_of(first.applications[0])
        if by_year is not None and by_year != policy.version:
            # Read as one process would: the whole file under today's version first (its problems, or the
            # years' problems, are the answer), then again, from its start, under the version the years call for.
            _check_all(rows, first, chunks, path, chosen=False)
            policy = load_policy(by_year)
            rows = TableChunks(path, policy, plan.chunk_rows)
            chunks = rows.chunks()
            first = next(chunks, None)
    seen = YearVersions(chosen=plan.chosen)
    apps = first.applications if first is not None else []
    seen.add(apps)
    by_year = _version_of(apps[0]) if apps else None
    _send(sending, _START, (policy.version, by_year or policy.version))
    values: RowValues | None = None  # the importer's answer, awaited only once the first chunk is assessed
    waiting: deque[Application] = deque()
    assessments = assess_in_order(_drained(waiting), policy, plan.history)
    problems = rows.problems + (first.problems if first is not None else [])
    late: list[Problem] = []  # of the attachments: the importer may add its own to the same list
    for chunk in chain([first] if first is not None else [], chunks):
        apps = chunk.applications
        if chunk is not first:
            problems += chunk.problems
            if problems:
                continue
            seen.add(apps)
        if problems or seen.refused:
            continue
        late += [Problem(app.row, ATTACHMENT_COLUMN, NO_EVIDENCE.format(name=name))
                 for app in apps for name in app.attachments]
        prepared = None
        if not late:
            waiting.extend(apps)
            results = list(islice(assessments, len(apps)))
            if values is None:
                import_id, first_seq, assessed_at = answers.recv()
                values = RowValues(policy, import_id, plan.demo, first_seq, assessed_at, {})
            prepared = prepared_chunk(chunk.start, apps, results, values)
        sending.send_bytes(chunk_bytes((_CHUNK, StreamedChunk(chunk.start, [app.application_id for app in apps],
                                                               [app.row for app in apps], prepared))))
    if problems:
        raise ImportRejected(path.name, sorted_problems(problems))
    _, years = seen.settle(path)
    _send(sending, _DONE, StreamEnd(years, late, rows.count))


def _check_all(rows: TableChunks, first: ValidatedChunk, chunks: Iterator[ValidatedChunk], path: Path, *,
               chosen: bool) -> None:
    """Raise what one pass over the whole file under ``rows``' policy would raise: its problems, then the
    problems of its years (``first``, then the rest of ``chunks``)."""
    seen = YearVersions(chosen=chosen)
    seen.add(first.applications)
    problems = list(rows.problems)
    for chunk in chunks:
        problems += chunk.problems
        if not problems:
            seen.add(chunk.applications)
    if problems:
        raise ImportRejected(path.name, sorted_problems(problems))
    seen.settle(path)


def _version_of(app: Application) -> str | None:
    """The version the first application's year calls for (None when no version covers it)."""
    try:
        return version_for_year(app.application_year or date.today().year).id
    except NoPolicyVersion:
        return None


def _drained(waiting: deque[Application]) -> Iterator[Application]:
    """The applications put in ``waiting``, as the engine asks for them (never more than were put)."""
    while True:
        yield waiting.popleft()
