"""One pool for work done side by side: chapters drafted at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

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
