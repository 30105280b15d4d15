"""The guard measured on the calibration corpus: what the calibration test asserts and
bench/guard_calibration.py prints."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kimi_writer.guard.checks import ChapterChecks, check_book
from kimi_writer.guard.language import ENGLISH, Language
from kimi_writer.guard.style import builtin_phrases
from tests.corpus import Book, eqbench_slop, load


@dataclass
class Figures:
    """The checks of every corpus chapter, by book (folder name)."""

    human: dict[str, list[ChapterChecks]] = field(default_factory=dict)
    ai: dict[str, list[ChapterChecks]] = field(default_factory=dict)
    eqbench: dict[str, float] = field(default_factory=dict)

    def chapters(self, human: bool) -> list[ChapterChecks]:
        return [report for reports in (self.human if human else self.ai).values() for report in reports]

    def warned(self, human: bool) -> float:
        """The share of chapters with at least one finding (what `lint --strict` fails on)."""
        chapters = self.chapters(human)
        return sum(1 for report in chapters if report.findings) / len(chapters)

    def failed_books(self, human: bool) -> int:
        """Books where plain `lint` exits 1 (an error in a chapter)."""
        return sum(1 for reports in (self.human if human else self.ai).values() if any(r.errors for r in reports))

    def by_check(self, human: bool) -> Counter:
        """How many chapters each check flags."""
        return Counter(kind for report in self.chapters(human) for kind in {f.kind for f in report.findings})

    def auc(self) -> float:
        return auc([r.slop_index for r in self.chapters(False)], [r.slop_index for r in self.chapters(True)])

    def spearman(self) -> float:
        """Rank correlation, across models, of the mean slop index with EQ-Bench's slop score."""
        models = sorted(name for name in self.ai if name in self.eqbench)
        ours = [statistics.fmean(r.slop_index for r in self.ai[name]) for name in models]
        return spearman(ours, [self.eqbench[name] for name in models])


def check(books: list[Book], language: Language = ENGLISH) -> dict[str, list[ChapterChecks]]:
    """Each book checked as lint checks a project: its chapters together, the built-in phrases only."""
    phrases = list(builtin_phrases())
    return {book.name: check_book([(name, text, None) for name, text in book.chapters], phrases, language)
            for book in books}


def measure(root: Path, language: Language = ENGLISH) -> Figures:
    ai, human = load(root)
    return Figures(check(human, language), check(ai, language), eqbench_slop(root))


def auc(positive: list[float], negative: list[float]) -> float:
    """The chance that a positive scores above a negative (ties count half)."""
    ranks = _ranks(positive + negative)
    wins = sum(ranks[:len(positive)]) - len(positive) * (len(positive) + 1) / 2
    return wins / (len(positive) * len(negative))


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for index in order[start:end + 1]:
            ranks[index] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))
