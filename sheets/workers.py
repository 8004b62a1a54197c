"""Worker processes that make sheets, each fed over its own pipe by the calling thread.

``concurrent.futures.ProcessPoolExecutor`` moves each job through a manager thread and a queue's feeder thread
and each result back through the manager, waking three threads per sheet: about 1 ms of the parent's CPU a sheet,
a fifth of all it spends on an export. Here the caller pickles each job onto a worker's pipe itself, at most
:data:`AHEAD` jobs per worker (one being made, one waiting, so no worker idles between jobs), and reads the results
as they come with ``multiprocessing.connection.wait``; no thread is started. A worker that dies (killed, out of
memory) fails the jobs it held, and the others carry on with the rest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

AHEAD = 2  # jobs handed to a worker before it returns one: the one it makes and the next


def serve(conn: Connection, initializer: Callable[..., None], initargs: tuple[Any, ...],
          function: Callable[[Any], Any]) -> None:
    """A worker's life: set up once, then ``function`` of each job received, until ``None`` comes."""
    initializer(*initargs)
    while (job := conn.recv()) is not None:
        conn.send(function(job))


@dataclass(eq=False)
class _Worker(Generic[Job]):
    process: BaseProcess
    conn: Connection
    held: deque[Job] = field(default_factory=deque)  # sent, result not yet back, oldest first


class WorkerPool(Generic[Job, Result]):
    """``count`` processes (``context``: "fork" or "spawn") started at the first :meth:`submit`, each running
    ``initializer(*initargs)`` once and ``function(job)`` per job. ``died(job, reason)`` is the result of a job
    whose worker died before returning it."""

    def __init__(self, context: str, count: int, initializer: Callable[..., None], initargs: tuple[Any, ...],
                 function: Callable[[Job], Result], died: Callable[[Job, str], Result]) -> None:
        self._context: Any = get_context(context)  # "fork" or "spawn"
        self._count = count
        self._serve_args = (initializer, initargs, function)
        self._died = died
        self._workers: list[_Worker[Job]] = []
        self._gone: list[BaseProcess] = []  # workers that died, joined at shutdown
        self._started = False
        self._waiting: deque[Job] = deque()  # submitted, not yet sent to a worker
        self._lost: list[tuple[Job, Result]] = []  # jobs whose worker died, with their results

    def submit(self, job: Job) -> None:
        """Queue ``job``; it is sent to a worker with room at once (starting the workers on the first call)."""
        if not self._started:
            self._start()
        self._waiting.append(job)
        self._feed()

    def results(self) -> Iterator[tuple[Job, Result]]:
        """Each submitted job with its result, as they finish, until none is left."""
        while self._lost or any(w.held for w in self._workers) or self._waiting:
            while self._lost:
                yield self._lost.pop(0)
            busy = {w.conn: w for w in self._workers if w.held}
            if not busy:
                if self._waiting:  # every worker is gone
                    self._fail_waiting("所有工作进程均已退出")
                continue
            for ready in wait(list(busy)):
                worker = busy[ready]  # type: ignore[index]  # wait() returns the connections it was given
                try:
                    result: Result = worker.conn.recv()
                except (EOFError, OSError) as error:
                    self._lose(worker, f"工作进程异常退出（{error!r}，退出码 {worker.process.exitcode}）")
                    continue
                yield worker.held.popleft(), result
                self._feed()

    def shutdown(self) -> None:
        """Let every worker finish what it holds and exit; wait for them."""
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass  # already gone
        for worker in self._workers:
            worker.process.join()
            worker.conn.close()
        for process in self._gone:
            process.join()
        self._workers, self._gone = [], []

    def _start(self) -> None:
        self._started = True
        for _ in range(self._count):
            ours, theirs = self._context.Pipe()
            process = self._context.Process(target=serve, args=(theirs, *self._serve_args), daemon=True)
            process.start()
            theirs.close()
            self._workers.append(_Worker(process, ours))

    def _feed(self) -> None:
        for worker in self._workers:
            while self._waiting and len(worker.held) < AHEAD:
                job = self._waiting[0]
                try:
                    worker.conn.send(job)
                except OSError as error:
                    self._lose(worker, f"工作进程异常退出（{error!r}）")
                    break
                worker.held.append(self._waiting.popleft())

    def _lose(self, worker: _Worker[Job], reason: str) -> None:
        self._workers.remove(worker)
        self._gone.append(worker.process)
        worker.conn.close()
        self._lost += [(job, self._died(job, reason)) for job in worker.held]
        worker.held.clear()
        self._feed()  # the others take over what was still waiting

    def _fail_waiting(self, reason: str) -> None:
        self._lost += [(job, self._died(job, reason)) for job in self._waiting]
        self._waiting.clear()
