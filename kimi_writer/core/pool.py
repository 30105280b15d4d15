"""One pool for work done side by side: chapters drafted, reviewed or revised at once."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .errors import Interrupted

Job = TypeVar("Job")
Result = TypeVar("Result")


def run_all(jobs: Iterable[Job], fn: Callable[[Job], Result], workers: int) -> list[Result]:
    """`fn` of every job, `workers` at a time, results in the jobs' order. On an exception (Ctrl+C
    included) nothing is waited for: jobs not yet started are cancelled."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="draft")
    try:
        return list(pool.map(fn, jobs))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run_all_or_stop(jobs: Iterable[Job], fn: Callable[[Job], Result],
                    workers: int) -> tuple[list[Result | None], BaseException | None]:
    """run_all, but a signal (Ctrl+C, SIGTERM, SIGHUP) returns at once, with further signals ignored:
    the results of the jobs done (None for the others) and the interruption. Jobs still running are
    not waited for: the caller ends the process (see commands.arguments.abandon)."""
    jobs, done = list(jobs), {}

    def one(index: int) -> None:
        done[index] = fn(jobs[index])

    try:
        run_all(range(len(jobs)), one, workers)
    except (KeyboardInterrupt, Interrupted) as interrupt:
        ignore_signals()
        return [done.get(index) for index in range(len(jobs))], interrupt
    return [done[index] for index in range(len(jobs))], None


def ignore_signals() -> None:
    """Ignore Ctrl+C, SIGTERM and SIGHUP from now on (a second one must not break the shutdown)."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)  # no SIGHUP on Windows
        if number is not None:
            signal.signal(number, signal.SIG_IGN)
