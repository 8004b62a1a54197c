"""A large import read, validated, assessed and built by a forked worker while the importer writes.

The worker reads the file (with every limit checked before the work it guards, as
``models.intake.readers`` does), validates it a chunk at a time (``validate.TableRows``:
the same messages as one pass over the whole file) and sends each valid chunk's rows as
soon as they are built; the importer only writes. The first problem stops the sending,
not the validating: the worker goes on to the end of the file and then sends the same
complete list of problems one process would have raised, and the importer raises it
inside its transaction, so nothing of the chunks written so far is kept. The stream:

- ``start``: (rows, policy version, version the years call for), after the first chunk is validated;
  the importer answers with (import id, first seq, assessed at) once its transaction has begun, which the
  worker awaits only when the first chunk is assessed and its rows are to be built;
- ``chunk`` (a ``StreamedChunk``) for each chunk of valid rows: its rows to write while every row so far is
  valid; after a problem only the worker sees (an attachment's), just its 申报编号, for the importer's own
  check that none is already in the workspace (its problems belong in the same list);
- ``done``: (years, problems of the attachments), or ``failed``: an exception (``ImportRejected``
  with every problem of the file, or whatever went wrong), which the importer raises.
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
from itertools import islice
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
from models.intake.readers import read_table
from models.intake.validate import TableRows, collector_paused, sorted_problems

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


@dataclass(frozen=True, slots=True)
class StreamStart:
    rows: int
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


_START, _CHUNK, _FAILED, _DONE = "start", "chunk", "failed", "done"


class Stream:
    """The importer's end: :meth:`start`, then :meth:`settle` inside the transaction, then :meth:`chunks`."""

    def __init__(self, receiving: Connection, answering: Connection, process: Any) -> None:
        self._receiving = receiving
        self._answering = answering
        self._process = process
        self.end: StreamEnd | None = None

    def start(self) -> StreamStart:
        kind, payload = self._next()
        if kind != _START:
            raise WorkerDied(f"导入中断：工作进程发来了意外的消息（{kind}），整个导入已撤销，工作区未作任何改动")
        rows, version, by_year = payload
        return StreamStart(rows, load_policy(version), by_year)

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
        yield Stream(receiving, answering, process)
    finally:
        receiving.close()
        answering.close()
        if process.is_alive():
            process.kill()
        process.join()


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
    table = read_table(path)
    policy = plan.first_policy
    rows = TableRows(table, policy)
    starts = range(0, rows.count, plan.chunk_rows)
    problems, first = rows.validate(0, plan.chunk_rows)
    if not problems and not rows.problems and not plan.chosen and first:
        by_year = _version_of(first[0])
        if by_year is not None and by_year != policy.version:
            # Read as one process would: the whole file under today's version first (its problems, or the
            # years' problems, are the answer), then again under the version the years call for.
            _check_all(rows, first, path, chosen=False, chunk_rows=plan.chunk_rows)
            policy = load_policy(by_year)
            rows = TableRows(table, policy)
            problems, first = rows.validate(0, plan.chunk_rows)
    seen = YearVersions(chosen=plan.chosen)
    seen.add(first)
    by_year = _version_of(first[0]) if first else None
    _send(sending, _START, (rows.count, policy.version, by_year or policy.version))
    values: RowValues | None = None  # the importer's answer, awaited only once the first chunk is assessed
    waiting: deque[Application] = deque()
    assessments = assess_in_order(_drained(waiting), policy, plan.history)
    problems = rows.problems + problems
    late: list[Problem] = []  # of the attachments: the importer may add its own to the same list
    for start in starts:
        if start:
            found, apps = rows.validate(start, start + plan.chunk_rows)
            problems += found
            if problems:
                continue
            seen.add(apps)
        else:
            apps = first
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
            prepared = prepared_chunk(start, apps, results, values)
        sending.send_bytes(chunk_bytes((_CHUNK, StreamedChunk(start, [app.application_id for app in apps],
                                                               [app.row for app in apps], prepared))))
    if problems:
        raise ImportRejected(path.name, sorted_problems(problems))
    _, years = seen.settle(path)
    _send(sending, _DONE, StreamEnd(years, late))


def _check_all(rows: TableRows, first: list[Application], path: Path, *, chosen: bool, chunk_rows: int) -> None:
    """Raise what one pass over the whole file under ``rows``' policy would raise: its problems, then the
    problems of its years."""
    seen = YearVersions(chosen=chosen)
    seen.add(first)
    problems = list(rows.problems)
    for start in range(chunk_rows, rows.count, chunk_rows):
        found, apps = rows.validate(start, start + chunk_rows)
        problems += found
        if not problems:
            seen.add(apps)
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
