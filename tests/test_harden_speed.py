"""Hardening: nothing quadratic (issue 28, part 5). Each check runs at a size and at 4x that size and
asserts only that the time grows linearly: 4x the size within 6x the time. bench/hardening.py prints
the figures at the issue's sizes."""

from __future__ import annotations

import time
from collections.abc import Callable

from kimi_writer.book.manuscript import Chapter, Manuscript
from kimi_writer.export.formats import chapter_html
from kimi_writer.export.docx_export import body_blocks

FLOOR = 0.05  # seconds: below this, timer noise, not growth


def best_time(run: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def assert_linear(make: Callable[[int], Callable[[], object]], size: int) -> None:
    small, large = best_time(make(size)), best_time(make(4 * size))
    assert large <= 6 * max(small, FLOOR), f"{size}: {small:.3f}s, {4 * size}: {large:.3f}s"


def one_paragraph_of_brackets(count: int) -> Callable[[], object]:
    book = Manuscript("B", [Chapter("chapter_1.md", "Chapter 1", "# Chapter 1\n\n" + "[" * count + "\n", 1)])
    return lambda: (chapter_html(book), body_blocks(book.chapters[0].text))


def test_rendering_a_paragraph_of_brackets_is_linear():
    assert_linear(one_paragraph_of_brackets, 12_750)
    html = chapter_html(Manuscript("B", [Chapter("c.md", "C", "# C\n\n" + "[" * 1_000 + "x]\n", 1)]))[0]
    assert "[" * 1_000 + "x]" in html  # the brackets are text, all of them


def ledger_of(tmp_path, items: int):
    from bench.hardening import ledger_book
    from kimi_writer.book.ledger import ledger_for

    project = ledger_book(tmp_path / f"ledger_{items}", items)
    return lambda: ledger_for(project, "chapter_01.md")


def test_building_the_ledger_excerpt_is_linear(tmp_path):
    assert_linear(lambda items: ledger_of(tmp_path, items), 2_250)
