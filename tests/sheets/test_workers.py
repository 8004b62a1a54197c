"""The sheet workers' pool: every job gets its result, in the workers, and a worker that dies fails only its own."""

from __future__ import annotations

import os
import sys

import pytest

from sheets.workers import AHEAD, WorkerPool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux only")

_SET_UP: list[int] = []


def _set_up(tag: int) -> None:
    _SET_UP.append(tag)


def _square(job: int) -> tuple[int, int, list[int]]:
    if job < 0:
        os._exit(3)  # this worker dies, as one killed or out of memory would
    return job * job, os.getpid(), list(_SET_UP)


def _died(job: int, reason: str) -> tuple[int, int, list[int]]:
    return -job, 0, [len(reason)] if "工作进程异常退出" in reason or "所有工作进程均已退出" in reason else []


def test_every_job_is_made_once_in_the_workers_each_set_up_once() -> None:
    pool: WorkerPool[int, tuple[int, int, list[int]]] = WorkerPool("fork", 2, _set_up, (7,), _square, _died)
    try:
        for job in range(10):
            pool.submit(job)
        done = dict(pool.results())
    finally:
        pool.shutdown()
    assert {job: square for job, (square, _, _) in done.items()} == {job: job * job for job in range(10)}
    assert {pid for _, pid, _ in done.values()} - {os.getpid()}, "made in the workers"
    assert all(set_up == [7] for _, _, set_up in done.values()), "each worker ran the initializer once"
    assert list(pool.results()) == [], "nothing left over"


def test_a_worker_that_dies_fails_the_jobs_it_held_and_the_other_makes_the_rest() -> None:
    pool: WorkerPool[int, tuple[int, int, list[int]]] = WorkerPool("fork", 2, _set_up, (1,), _square, _died)
    try:
        jobs = [-1, *range(1, 9)]
        for job in jobs:
            pool.submit(job)
        done = dict(pool.results())
    finally:
        pool.shutdown()
    assert sorted(done) == sorted(jobs), "one result for every job"
    failed = [job for job, (square, pid, _) in done.items() if pid == 0]
    assert -1 in failed and len(failed) <= AHEAD, "only what the dead worker held"
    assert all(done[job][0] == job * job for job in jobs if job not in failed)
    assert all(note for job in failed for note in [done[job][2]]), "failed with the reason"


def test_when_every_worker_dies_the_jobs_still_waiting_fail_too() -> None:
    pool: WorkerPool[int, tuple[int, int, list[int]]] = WorkerPool("fork", 1, _set_up, (1,), _square, _died)
    try:
        for job in (-1, 2, 3, 4):
            pool.submit(job)
        done = dict(pool.results())
    finally:
        pool.shutdown()
    assert sorted(done) == [-1, 2, 3, 4] and all(pid == 0 for _, pid, _ in done.values())
