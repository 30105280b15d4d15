"""The calibrated verdicts: which findings of the detectors a user is shown, and how.

Set on the calibration corpus (58 human chapters by 18 novelists, 342 AI chapters by 43 models;
bench/guard_calibration.py prints the figures), with margin, so that default `lint` warns on at most
5% of human chapters and fails none of them. A project's own banned phrases are errors at any
count; everything else is a warning. What falls under a threshold is not shown anywhere (it still
counts in the slop index).
"""

from __future__ import annotations

from .detect import Finding, uniformity
from .sentences import Sentence
from .slop import Habits, SlopParts, top_habits

SLOP_INDEX_WARNING = 6.0
"""The slop index from which a chapter is warned about: the human chapters of the corpus reach 1.7
(1.8 with word lists derived without them); half the AI chapters are over 11 (bench/guard_calibration.py)."""
SLOP_MIN_WORDS = 200  # a shorter text is too short for a rate to mean anything
OPENER_WARNING = 6  # a three-word opener this many times ...
OPENER_SHARE = 1 / 30  # ... and this share of the sentences (8 in 240; the human high: 11 of 472, Joyce)
REPEAT_WARNING = 5  # a 4-word phrase this many times in one chapter (human high: 4) ...
REPEAT_WORDS = 600  # ... and once per this many words
RECURRING_WARNING = 4  # a distinctive phrase in this many chapters, and in half the book's chapters
MIN_SPREAD = 0.3  # sentence lengths: spread (standard deviation / mean) under this ...
SPREAD_SENTENCES = 20  # ... over at least this many sentences
STOCK_RATE_WARNING = 1.0  # built-in stock phrases per 1,000 words ...
STOCK_MIN_HITS = 2  # ... and at least this many


def _count(finding: Finding) -> int:
    return len(finding.lines) or 1


def _opener_kept(finding: Finding, sentences: int) -> bool:
    return len(finding.quote.split()) == 3 and _count(finding) >= max(OPENER_WARNING, sentences * OPENER_SHARE)


def _recurring_kept(finding: Finding, chapters: int) -> bool:
    return finding.message.count(",") + 2 >= max(RECURRING_WARNING, chapters / 2)


def _stock_kept(stock: int, words: int) -> bool:
    return stock >= STOCK_MIN_HITS and stock * 1000 >= STOCK_RATE_WARNING * words


def kept(finding: Finding, habits: Habits, chapters: int = 1) -> bool:
    """True for a finding above its calibrated threshold (errors always); `chapters`: in the book."""
    rules = {"opener": lambda: _opener_kept(finding, habits.sentences),
             "repeated_phrase": lambda: _count(finding) >= max(REPEAT_WARNING, habits.words / REPEAT_WORDS),
             "recurring_phrase": lambda: _recurring_kept(finding, chapters),
             "stock_phrase": lambda: _stock_kept(habits.stock, habits.words),
             "uniform_sentences": lambda: False}  # replaced by `rhythm` below
    return finding.severity == "error" or rules.get(finding.kind, lambda: True)()


def slop_finding(parts: SlopParts, habits: Habits) -> Finding | None:
    """A warning when the slop index reaches `SLOP_INDEX_WARNING`, naming its largest parts."""
    if parts.index < SLOP_INDEX_WARNING or habits.words < SLOP_MIN_WORDS:
        return None
    largest = sorted(((v, k) for k, v in parts.as_dict().items() if v), reverse=True)[:3]
    named = ", ".join(f"{name.replace('_', ' ')} {value:.1f}" for value, name in largest)
    common = top_habits(habits)
    return Finding("slop_index", 0, common, f"slop index {parts.index:.1f} ({named})"
                   + (f"; most used: {common}" if common else ""))


def rhythm(sentences: list[Sentence]) -> Finding | None:
    """The uniform-sentences warning at the calibrated spread."""
    return uniformity(sentences, MIN_SPREAD, SPREAD_SENTENCES)


def calibrated(raw: list[Finding], habits: Habits, parts: SlopParts, sentences: list[Sentence],
               chapters: int = 1) -> list[Finding]:
    """The findings a user is shown, by line (`chapters`: how many the book has)."""
    shown = [finding for finding in raw if kept(finding, habits, chapters)]
    shown += [f for f in (rhythm(sentences), slop_finding(parts, habits)) if f is not None]
    return sorted(shown, key=lambda finding: finding.line)
