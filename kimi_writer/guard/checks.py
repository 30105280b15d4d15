"""The mechanical checks of a book's chapters: no model, free, each finding with a line and a quote,
and each chapter's slop index with its parts.

The detectors (`detect`) run at their most sensitive; their counts feed the slop index (`slop`), and
the calibrated thresholds (`verdicts`) decide which findings are shown. `check_project` reads a
project's chapters and gives each one's `ChapterChecks`: figures, the index, and the findings that
lint renders with `warning_lines`, that a critic is shown, and whose `flag_count` compares two versions.
A chapter in Chinese or Japanese (`language.CHINESE`) is checked by characters instead (`zh`), with
its own slop index, calibrated on Chinese chapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..book.manuscript import reading_order
from ..book.outline import chapter_target
from ..book.language import book_language
from ..book.project import Project, count_words
from . import zh
from .detect import (RECURRING_CHAPTERS, Finding, _Token, banned, length, ngrams, phrase_chapters, recurring_in,
                     repeated_openers, repeated_phrases, stock_phrases, tokens, uniformity)
from .language import CHINESE, ENGLISH, Language, checked_as
from .sentences import Sentence, sentence_stats, split_sentences
from .slop import Habits, SlopParts, contrast_hits, over_used_hits, slop_parts
from .style import banned_phrases, builtin_phrases, find_hits, project_phrases
from .verdicts import MIN_SPREAD, SLOP_INDEX_WARNING, calibrated

__all__ = ["MIN_SPREAD", "ChapterChecks", "Finding", "check_book", "check_chapter", "check_project", "sentence_stats",
           "split_sentences", "warning_lines", "warnings_summary"]


@dataclass(frozen=True)
class ChapterChecks:
    """A chapter's figures, its slop index and its findings (what lint warns about and the critic is shown)."""

    name: str
    words: int
    target: int | None
    sentences: int
    mean_length: float  # words per sentence
    spread: float  # standard deviation of the sentence lengths, in words
    stock_per_1000: float
    findings: list[Finding] = field(default_factory=list)  # by line
    habits: Habits = field(default_factory=Habits)
    parts: SlopParts | None = None  # the slop index's parts when the language counts them itself (zh.py)

    @property
    def flag_count(self) -> int:
        """How many findings: fewer is better, so two versions of a chapter can be compared."""
        return len(self.findings)

    @property
    def slop(self) -> SlopParts:
        return self.parts if self.parts is not None else slop_parts(self.habits)

    @property
    def slop_index(self) -> float:
        return self.slop.index

    @property
    def slop_warning(self) -> float:
        """The slop index from which lint warns about the chapter (zh.py's for one checked by characters)."""
        return zh.SLOP_THRESHOLD if self.parts is not None else SLOP_INDEX_WARNING

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")


@dataclass(frozen=True)
class _Raw:
    report: ChapterChecks  # with every finding of the detectors
    sentences: list[Sentence]
    tokens: list[_Token]
    grams: dict


def _habits(text: str, words: int, sentences: list[Sentence], found: list[_Token], raw: list[Finding],
            stock: int, language: Language) -> Habits:
    mean, spread = sentence_stats(sentences)
    word_hits, trigram_hits = over_used_hits([token.word for token in found], language)
    extra = {kind: sum(max(0, len(f.lines) - 2) for f in raw if f.kind == kind) for kind in ("opener", "repeated_phrase")}
    return Habits(words, len(sentences), word_hits, trigram_hits, contrast_hits(text, language), extra["opener"],
                  extra["repeated_phrase"], 0, spread / mean if mean else 1.0, stock)


def _detect(name: str, text: str, phrases: list[str], target: int | None, language: Language,
            own: frozenset[str]) -> _Raw:
    if language == CHINESE:
        return _by_characters(name, text, phrases, target, own)
    sentences = split_sentences(text)
    mean, spread = sentence_stats(sentences)
    words, hits, found = count_words(text), find_hits(text, phrases), tokens(sentences)
    stock = [hit for hit in hits if hit.phrase not in own]
    grams = ngrams(found)
    raw = repeated_openers(sentences) + repeated_phrases(found, grams)
    habits = _habits(text, words, sentences, found, [f for f in raw if f.kind != "opener" or len(f.quote.split()) == 3],
                     len(stock), language)
    raw += stock_phrases(stock) + banned([hit for hit in hits if hit.phrase in own])
    raw += [f for f in (length(words, target),) if f is not None]
    report = ChapterChecks(name, words, target, len(sentences), mean, spread, len(stock) * 1000 / words if words
                           else 0.0, raw, habits)
    return _Raw(report, sentences, found, grams)


def _by_characters(name: str, text: str, phrases: list[str], target: int | None, own: frozenset[str]) -> _Raw:
    """A Chinese or Japanese chapter, checked by characters (zh.py); its findings are its verdicts."""
    report, hits = zh.check(text, target, []), find_hits(text, phrases)
    stock = [hit for hit in hits if hit.phrase not in own]
    findings = [Finding(*finding) for finding in report.findings]
    findings = sorted(findings + stock_phrases(stock) + banned([hit for hit in hits if hit.phrase in own]),
                      key=lambda finding: finding.line)
    figures = report.figures | {"stock_per_1000": len(stock) * 1000 / report.figures["words"]
                                if report.figures["words"] else 0.0}
    habits = Habits(figures["words"], figures["sentences"], stock=len(stock))
    return _Raw(ChapterChecks(name, **figures, findings=findings, habits=habits,
                              parts=zh.index_parts(report.slop_parts)), [], [], {})


def _verdict(raw: _Raw, recurring: list[Finding], sensitive: bool, chapters: int) -> ChapterChecks:
    """The chapter with its cross-chapter repeats counted and only its calibrated findings (with
    `sensitive`: every finding of the detectors, as they stand before calibration)."""
    if raw.report.parts is not None:
        return raw.report  # checked by characters: zh.py's findings are calibrated already
    habits = replace(raw.report.habits, recurring=len(recurring))
    every = raw.report.findings + recurring
    findings = (sorted(every + [f for f in (uniformity(raw.sentences),) if f], key=lambda f: f.line) if sensitive
                else calibrated(every, habits, slop_parts(habits), raw.sentences, chapters))
    return replace(raw.report, findings=findings, habits=habits)


def check_book(chapters: list[tuple[str, str, int | None]], phrases: list[str], language: Language | None = None,
               sensitive: bool = False, own: list[str] | None = None) -> list[ChapterChecks]:
    """Every check of every chapter: (file name, text, target) in book order. `phrases`: the built-in
    stock phrases and the project's own; `own`: the project's own (errors), by default those of
    `phrases` that are not built in; `language`: the book's (by default, each chapter's text tells)."""
    errors = frozenset(own if own is not None else set(phrases) - set(builtin_phrases()))
    languages = [language or text_language(text) for _, text, _ in chapters]
    chapters_of = phrase_chapters([(name, text) for (name, text, _), checked in zip(chapters, languages)
                                   if checked != CHINESE and len(chapters) >= RECURRING_CHAPTERS])  # else none recur
    return [_checked(_detect(name, text, phrases, target, checked, errors), chapters_of, sensitive, len(chapters))
            for (name, text, target), checked in zip(chapters, languages)]  # one chapter's tokens at a time


def _checked(raw: _Raw, chapters_of: dict, sensitive: bool, chapters: int) -> ChapterChecks:
    return _verdict(raw, recurring_in(raw.tokens, raw.grams, chapters_of, raw.report.name), sensitive, chapters)


def check_chapter(name: str, text: str, phrases: list[str], target: int | None = None, sensitive: bool = False,
                  own: list[str] | None = None, language: Language | None = None) -> ChapterChecks:
    """Every check that needs only this chapter (`own`, `language`: as in `check_book`)."""
    return check_book([(name, text, target)], phrases, language, sensitive=sensitive, own=own)[0]


def text_language(text: str) -> Language:
    """The guard's language of a chapter told by its script: Chinese or Japanese prose, else English."""
    return CHINESE if zh.is_cjk_text(text) else ENGLISH



def check_project(project: Project, chapter_words: int | None = None) -> list[ChapterChecks]:
    """The checks of a project's chapters, in book order, against `chapter_words` or else the outline's
    targets; UserError when it has no chapters."""
    chapters = [(info.name, project.read_if_file(info.name) or "", chapter_target(project, info.name, chapter_words))
                for info, _ in reading_order(project)[1]]
    return check_book(chapters, banned_phrases(project), checked_as(book_language(project)), own=project_phrases(project))


# --- the console --------------------------------------------------------------------------------


def _line(name: str, finding: Finding) -> str:
    where = f":{finding.line}" if finding.line else ""
    return f"{name}{where}: {finding.severity}: {finding.message}"


def _stock_line(report: ChapterChecks, stock: list[Finding]) -> str:
    lines: dict[str, list[str]] = {}
    for finding in stock:
        lines.setdefault(finding.quote, []).append(str(finding.line))
    where = ", ".join(f'"{phrase}" (line{"s" if len(at) > 1 else ""} {", ".join(at)})' for phrase, at in lines.items())
    unit = "字" if report.parts is not None else " words"  # a chapter checked by characters counts in 字
    return (f"{report.name}: warning: {len(stock)} stock phrases in {report.words:,}{unit} "
            f"({report.stock_per_1000:.1f} per 1,000{unit}): {where}")


def warning_lines(checked: list[ChapterChecks]) -> list[str]:
    """Lint's findings, `file:line: error|warning: ...`; the stock phrases as one line per chapter."""
    lines = []
    for report in checked:
        stock = [f for f in report.findings if f.kind == "stock_phrase"]
        lines += [_stock_line(report, stock)] if stock else []
        lines += [_line(report.name, finding) for finding in report.findings if finding.kind != "stock_phrase"]
    return lines


def index_line(report: ChapterChecks) -> str:
    """The chapter's slop index and its parts, for a critic or a reviser (not a finding by itself)."""
    parts = ", ".join(f"{name.replace('_', ' ')} {value:.1f}" for name, value in report.slop.as_dict().items() if value)
    return (f"{report.name}: slop index {report.slop_index:.1f} (habits of machine prose, not quality; 0 when "
            f"none was found, lint warns from {report.slop_warning:g})" + (f": {parts}" if parts else ""))


def flag_lines(report: ChapterChecks) -> list[str]:
    """What a critic or a reviser is shown of a chapter: its findings, then its slop index."""
    return warning_lines([report]) + [index_line(report)]


def warnings_summary(checked: list[ChapterChecks]) -> str:
    """One line: how many findings in how many chapters ('' when there are none)."""
    count = len(warning_lines(checked))
    if not count:
        return ""
    flagged = sum(1 for report in checked if report.findings)
    chapters = f"{len(checked)} chapter{'s' if len(checked) != 1 else ''}"
    return f"{count} finding{'s' if count != 1 else ''} in {flagged} of {chapters}."
