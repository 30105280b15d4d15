"""Mechanical checks of a chapter's prose: no model, free, each finding with a line and a quote.

- stock phrases (the banned list, the project's own too) and their rate per 1,000 words;
- repeated sentence openers: the same first three words starting three or more sentences, or the
  same first two words (one of them not a function word, so "It was" and "He had" pass) starting
  three or more sentences and more than one in twenty-five;
- phrases of four or more words repeated three or more times in a chapter (dialogue tags aside, and
  phrases of fewer than two content words, such as "at the end of"), and distinctive phrases (two
  lower-case content words or more, so names aside) that recur in three or more chapters;
- sentence-length uniformity: the mean and the standard deviation, flagged when the spread is low
  (see `MIN_SPREAD`);
- words against the chapter's target, flagged when more than 25% short or over.

Sentences skip Markdown headings and scene breaks, end at a paragraph break or at . ! ? … followed
by a capital (after any closing quote), and never after an abbreviation (Mr., Dr., St.) or an
initial. The functions over text are pure; `check_project` reads a project's chapters and gives
each one's `ChapterChecks`: figures, and findings (kind, line, quote, message) that lint renders with
`warning_lines`, that a critic can be shown, and whose `flag_count` compares two versions.
"""

from __future__ import annotations

import re
import statistics
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple

from ..book.manuscript import reading_order
from ..book.outline import chapter_target
from ..book.project import Project, count_words
from . import zh
from .style import Hit, banned_phrases, find_hits

Kind = Literal["stock_phrase", "opener", "repeated_phrase", "recurring_phrase", "uniform_sentences", "length"]

MIN_REPEATS = 3  # a phrase or an opener this many times in one chapter is flagged
PHRASE_WORDS = 4  # the shortest repeated phrase that counts
RECURRING_CHAPTERS = 3  # a distinctive phrase in this many chapters is flagged
TWO_WORD_OPENER_SHARE = 1 / 25  # two-word openers: flagged above this share of the sentences
MIN_SPREAD = 0.5
"""The lowest spread of sentence lengths (standard deviation / mean) that does not read as monotonous.

Measured with `sentence_stats` on samples of about 400 words written for this (tests/checks_prose.py
keeps them): five human-style scenes (long periodic sentences among two-word beats; a plain modern
scene; a dialogue-heavy scene) measured standard deviations of 7.8 to 18.6 words around means of
6.3 to 18.8, that is 0.91 to 1.31 times the mean. A scene in the even cadence of model prose
(most sentences 10 to 20 words, with dialogue) measured 5.6 around 12.2 (0.46), and two flat
narrative scenes 0.9 and 1.0 around 15 (0.06, 0.07). A published comparison (per paragraph) found
about 5 words for plain model prose against about 15 for Victorian novels. The spread relative to
the mean holds for terse and for long-winded styles alike; under half the mean is the flat side,
with the nearest human sample at 0.91.
"""
MIN_SENTENCES = 12  # fewer sentences tell nothing about rhythm
TARGET_TOLERANCE = 0.25  # words more than 25% short of or over the target are flagged

_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_SCENE_BREAK = re.compile(r"^\s*(?:(?:[*\-_~#=]|•)\s*){3,}$|^\s*[*#§~]\s*$")
_BLANK_LINES = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?:\.{3}|…|[.!?])+[\"'”’)\]*_]*(?=\s+[\"'“‘(\[*_]*[A-Z0-9À-ÖØ-Þ])")
_ABBREVIATION = re.compile(r"(?:^|[\s(\"“'‘])(mr|mrs|ms|dr|st|prof|sr|jr|capt|col|gen|lt|sgt|rev|hon|mt|vs|etc|"
                           r"fr|messrs|mme|mlle|e\.g|i\.e|[a-z])\.$", re.IGNORECASE)
_QUOTED_END = re.compile(r"[!?][\"'”’]$")
_NAMED_TAG = re.compile(r"\s+(?:[A-Z][\w'’.]*\s+){1,2}(?:said|asked|replied|answered|whispered|murmured|muttered|"
                        r"shouted|snapped|called|cried)\b")
_WORD = re.compile(r"[^\W_](?:[\w'’-]*[^\W_])?")
_SEGMENT = re.compile(_WORD.pattern + r"(?:[\s*_]+" + _WORD.pattern + ")*")  # words with only space or emphasis between
_FUNCTION_WORDS = frozenset("""
a an the and but or nor so yet for of in on at to from by with without within into onto upon about above
below over under after before behind beside between through across against along around off out up down
as than then that this these those there here where when while if because though although until since
i me my mine myself you your yours yourself he him his himself she her hers herself it its itself we us our
ours ourselves they them their theirs themselves one who whom whose which what
is am are was were be been being do does did done have has had having will would shall should can could
may might must not no nor just only very too also even still again ever never all any both each every
few more most other some such own same back away now how why s t don't didn't wasn't weren't isn't
it's i'm he'd she'd they'd i'd he's she's that's there's couldn't wouldn't hadn't hasn't
""".split())
_SPEECH_VERBS = frozenset("""
say says said saying ask asks asked asking reply replies replied answer answers answered whisper
whispers whispered murmur murmurs murmured mutter mutters muttered shout shouts shouted snap snapped
yell yelled exclaim exclaimed tell tells told
""".split())


@dataclass(frozen=True)
class Finding:
    """One flag: what kind, where (1-based line; 0 for the whole chapter), the words, and why."""

    kind: Kind
    line: int
    quote: str
    message: str
    lines: tuple[int, ...] = ()  # every line it occurs on, when it occurs more than once


@dataclass(frozen=True)
class Sentence:
    text: str  # one line, whitespace collapsed
    line: int  # where its first word is
    words: tuple[str, ...]  # as written
    word_lines: tuple[int, ...] = ()  # the line of each word


@dataclass(frozen=True)
class ChapterChecks:
    """A chapter's figures and its findings (what lint warns about and the critic is shown)."""

    name: str
    words: int
    target: int | None
    sentences: int
    mean_length: float  # words per sentence
    spread: float  # standard deviation of the sentence lengths, in words
    stock_per_1000: float
    findings: list[Finding] = field(default_factory=list)  # by line

    @property
    def flag_count(self) -> int:
        """How many findings: fewer is better, so two versions of a chapter can be compared."""
        return len(self.findings)


# --- sentences ----------------------------------------------------------------------------------


def prose_text(text: str) -> str:
    """`text` with headings and scene breaks blanked out (line numbers stay as they were)."""
    return "\n".join("" if _HEADING.match(line) or _SCENE_BREAK.match(line) else line
                     for line in text.split("\n"))


def _line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in re.finditer("\n", text)]


def _no_end(paragraph: str, start: int, match: re.Match[str]) -> bool:
    """True for a period after an abbreviation or an initial, and for `"Well?" Hale said`."""
    if match.group().startswith("."):
        return bool(_ABBREVIATION.search(paragraph[start:match.start() + 1]))
    return bool(_QUOTED_END.search(match.group())) and bool(_NAMED_TAG.match(paragraph, match.end()))


def _sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in one paragraph."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        if _no_end(paragraph, start, match):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(paragraph)))
    return [(a, b) for a, b in spans if _WORD.search(paragraph, a, b)]


def _paragraphs(prose: str) -> list[tuple[int, str]]:
    """(offset, text) of each paragraph: the text between blank lines."""
    bounds = [0] + [i for match in _BLANK_LINES.finditer(prose) for i in match.span()] + [len(prose)]
    return [(start, prose[start:end]) for start, end in zip(bounds[::2], bounds[1::2])]


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of a chapter's prose, in order, each with the line it starts on."""
    prose = prose_text(text)
    starts = _line_starts(prose)
    return [_sentence(paragraph, a, b, offset, starts)
            for offset, paragraph in _paragraphs(prose) for a, b in _sentence_spans(paragraph)]


def _sentence(paragraph: str, a: int, b: int, offset: int, line_starts: list[int]) -> Sentence:
    matches = list(_WORD.finditer(paragraph, a, b))
    lines = tuple(bisect_right(line_starts, offset + match.start()) for match in matches)
    return Sentence(" ".join(paragraph[a:b].split()), lines[0], tuple(m.group() for m in matches), lines)


def sentence_stats(sentences: list[Sentence]) -> tuple[float, float]:
    """(mean, standard deviation) of the sentence lengths in words; (0, 0) with no sentences."""
    lengths = [len(sentence.words) for sentence in sentences]
    if not lengths:
        return 0.0, 0.0
    return statistics.fmean(lengths), statistics.pstdev(lengths)


# --- words and phrases --------------------------------------------------------------------------


class _Token(NamedTuple):
    word: str  # lower case, ' for ’
    written: str
    line: int
    segment: int  # tokens of one segment have no punctuation between them


def _normal(word: str) -> str:
    return word.lower().replace("’", "'")


def tokens(sentences: list[Sentence]) -> list[_Token]:
    """Every word, numbered by segment: a new segment at each sentence and each punctuation mark."""
    found, segment = [], 0
    for sentence in sentences:
        lines = iter(sentence.word_lines or [sentence.line] * len(sentence.words))
        for run in _SEGMENT.findall(sentence.text):
            segment += 1
            found.extend(_Token(word.lower().replace("’", "'"), word, next(lines), segment)
                         for word in _WORD.findall(run))
    return found


def _is_content(token: _Token) -> bool:
    return token.word not in _FUNCTION_WORDS and not token.word.isdigit()


def _countable(run: list[_Token], content_words: int, lower_case: bool = False) -> bool:
    """A phrase worth counting: no dialogue tag in it, and enough content words."""
    if any(token.word in _SPEECH_VERBS for token in run):
        return False
    content = [t for t in run if _is_content(t) and not (lower_case and t.written[:1].isupper())]
    return len(content) >= content_words


def ngrams(words: list[_Token], size: int = PHRASE_WORDS) -> dict[tuple[str, ...], list[int]]:
    """Each run of `size` words inside one segment, with the positions it starts at."""
    found: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for start in range(len(words) - size + 1):
        if words[start].segment == words[start + size - 1].segment:
            found[tuple(t.word for t in words[start:start + size])].append(start)
    return found


def _extend(words: list[_Token], starts: list[int], size: int) -> int:
    """How long the phrase at `starts` runs on while every occurrence goes on with the same word."""
    while True:
        ends = [start + size for start in starts]
        if ends[-1] >= len(words) or any(words[end].segment != words[end - 1].segment for end in ends):
            return size
        if len({words[end].word for end in ends}) != 1:
            return size
        size += 1


def _quote(words: list[_Token], start: int, size: int) -> str:
    return " ".join(token.written for token in words[start:start + size])


def _lines(words: list[_Token], starts: list[int]) -> tuple[int, ...]:
    return tuple(words[start].line for start in starts)


def repeated_phrases(words: list[_Token], grams: dict[tuple[str, ...], list[int]] | None = None) -> list[Finding]:
    """Phrases of four or more words that occur three or more times, longest first, each once
    (`grams`: `ngrams(words)`, when already made)."""
    candidates = []
    for gram, starts in (ngrams(words) if grams is None else grams).items():
        if len(starts) >= MIN_REPEATS and _countable(words[starts[0]:starts[0] + PHRASE_WORDS], 2):
            candidates.append((_extend(words, starts, PHRASE_WORDS), starts))
    covered: set[int] = set()
    findings = []
    for size, starts in sorted(candidates, key=lambda c: (-c[0], c[1][0])):
        fresh = [s for s in starts if not covered.issuperset(range(s, s + PHRASE_WORDS))]
        if len(fresh) < MIN_REPEATS:
            continue
        covered.update(i for s in starts for i in range(s, s + size))
        quote, lines = _quote(words, starts[0], size), _lines(words, starts)
        findings.append(Finding("repeated_phrase", lines[0], quote,
                                f'"{quote}" {len(starts)} times ({_line_list(lines)})', lines))
    return sorted(findings, key=lambda f: f.line)


def _line_list(lines: tuple[int, ...]) -> str:
    return ("line " if len(set(lines)) == 1 else "lines ") + ", ".join(str(n) for n in dict.fromkeys(lines))


# --- openers ------------------------------------------------------------------------------------


def _opener(sentence: Sentence, size: int) -> tuple[str, ...] | None:
    words = sentence.words
    return tuple(_normal(word) for word in words[:size]) if len(words) >= size else None


def _opener_finding(key: tuple[str, ...], group: list[Sentence]) -> Finding:
    quote = " ".join(group[0].words[:len(key)])
    lines = tuple(sentence.line for sentence in group)
    return Finding("opener", lines[0], quote,
                   f'{len(group)} sentences open with "{quote}" ({_line_list(lines)})', lines)


def _grouped(sentences: list[Sentence], size: int) -> dict[tuple[str, ...], list[Sentence]]:
    groups: dict[tuple[str, ...], list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        key = _opener(sentence, size)
        if key is not None:
            groups[key].append(sentence)
    return groups


def repeated_openers(sentences: list[Sentence]) -> list[Finding]:
    """Three-word openers that start three or more sentences; two-word ones (not only function
    words) that start three or more and more than one sentence in twenty-five, unless the
    three-word ones already account for them."""
    threes = {k: g for k, g in _grouped(sentences, 3).items() if len(g) >= MIN_REPEATS}
    floor = max(MIN_REPEATS, int(len(sentences) * TWO_WORD_OPENER_SHARE) + 1)
    findings = [_opener_finding(key, group) for key, group in threes.items()]
    for key, group in _grouped(sentences, 2).items():
        explained = sum(len(g) for k, g in threes.items() if k[:2] == key)
        if len(group) >= floor and len(group) > explained and any(w not in _FUNCTION_WORDS for w in key):
            findings.append(_opener_finding(key, group))
    return sorted(findings, key=lambda f: f.line)


# --- the other checks ---------------------------------------------------------------------------


def stock_phrases(hits: list[Hit]) -> list[Finding]:
    return [Finding("stock_phrase", hit.line, hit.phrase, f'stock phrase "{hit.phrase}"') for hit in hits]


def uniformity(sentences: list[Sentence]) -> Finding | None:
    """A flag when the chapter has enough sentences and their lengths hardly vary, quoting the
    start of its flattest run of five sentences."""
    mean, spread = sentence_stats(sentences)
    if len(sentences) < MIN_SENTENCES or spread >= MIN_SPREAD * mean:
        return None
    lengths = [len(s.words) for s in sentences]
    flattest = min(range(len(lengths) - 4), key=lambda i: statistics.pstdev(lengths[i:i + 5]))
    first = sentences[flattest]
    return Finding("uniform_sentences", first.line, first.text[:120],
                   f"sentence lengths hardly vary: mean {mean:.1f} words, spread {spread:.1f} (standard "
                   f"deviation, under {MIN_SPREAD:.0%} of the mean) over {len(sentences)} sentences")


def length(words: int, target: int | None) -> Finding | None:
    """A flag when the chapter is more than `TARGET_TOLERANCE` short of its target or over it."""
    if not target or abs(words - target) <= target * TARGET_TOLERANCE:
        return None
    return Finding("length", 0, "", f"{words:,} words against a target of {target:,} ({words / target:.0%})")


# --- a chapter, a book --------------------------------------------------------------------------


def _check(name: str, text: str, phrases: list[str], target: int | None) -> tuple[ChapterChecks, list[_Token], dict]:
    if zh.is_cjk_text(text):  # Chinese or Japanese prose: checked by characters (zh.py)
        report = zh.check(text, target, [(hit.phrase, hit.line) for hit in find_hits(text, phrases)])
        return ChapterChecks(name, findings=[Finding(*f) for f in report.findings], **report.figures), [], {}
    sentences = split_sentences(text)
    mean, spread = sentence_stats(sentences)
    words, hits, found = count_words(text), find_hits(text, phrases), tokens(sentences)
    grams = ngrams(found)
    findings = stock_phrases(hits) + repeated_openers(sentences) + repeated_phrases(found, grams)
    findings += [f for f in (uniformity(sentences), length(words, target)) if f is not None]
    return ChapterChecks(name, words, target, len(sentences), mean, spread, len(hits) * 1000 / words if words
                         else 0.0, sorted(findings, key=lambda f: f.line)), found, grams


def check_chapter(name: str, text: str, phrases: list[str], target: int | None = None) -> ChapterChecks:
    """Every check that needs only this chapter."""
    return _check(name, text, phrases, target)[0]


def _distinctive(words: list[_Token], grams: dict[tuple[str, ...], list[int]]) -> dict[tuple[str, ...], list[int]]:
    return {gram: starts for gram, starts in grams.items()
            if _countable(words[starts[0]:starts[0] + PHRASE_WORDS], 2, lower_case=True)}


def _recurring_in(words: list[_Token], grams: dict, chapters_of: dict, name: str) -> list[Finding]:
    """The chapter's recurring phrases, overlapping runs in the same chapters merged into one."""
    spans = sorted((s, s + PHRASE_WORDS, tuple(chapters_of[gram])) for gram, positions in grams.items()
                   if len(chapters_of[gram]) >= RECURRING_CHAPTERS for s in positions[:1])
    merged: list[tuple[int, int, tuple[str, ...]]] = []
    for start, end, where in spans:
        if merged and start < merged[-1][1] and merged[-1][2] == where:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), where)
        else:
            merged.append((start, end, where))
    return [Finding("recurring_phrase", words[start].line, quote := _quote(words, start, end - start),
                    f'"{quote}" recurs in {len(where)} chapters (also {", ".join(c for c in where if c != name)})')
            for start, end, where in merged]


def recurring_phrases(chapters: list[tuple[str, list[_Token], dict]]) -> dict[str, list[Finding]]:
    """For each chapter (name, tokens, their ngrams), the distinctive phrases it shares with two or
    more other chapters."""
    grams = [(name, words, _distinctive(words, found)) for name, words, found in chapters]
    chapters_of: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for name, _, found in grams:
        for gram in found:
            chapters_of[gram].append(name)
    return {name: _recurring_in(words, found, chapters_of, name) for name, words, found in grams}


def check_book(chapters: list[tuple[str, str, int | None]], phrases: list[str]) -> list[ChapterChecks]:
    """Every check of every chapter: (file name, text, target) in book order."""
    checked = [_check(name, text, phrases, target) for name, text, target in chapters]
    recurring = recurring_phrases([(report.name, found, grams) for report, found, grams in checked])
    return [replace(report, findings=sorted(report.findings + recurring[report.name], key=lambda f: f.line))
            for report, _, _ in checked]


def check_project(project: Project, chapter_words: int | None = None) -> list[ChapterChecks]:
    """The checks of a project's chapters, in book order, against `chapter_words` or else the outline's
    targets; UserError when it has no chapters."""
    chapters = [(info.name, project.read_if_file(info.name) or "", chapter_target(project, info.name, chapter_words))
                for info, _ in reading_order(project)[1]]
    return check_book(chapters, banned_phrases(project))


# --- the console --------------------------------------------------------------------------------


def warning_lines(checked: list[ChapterChecks]) -> list[str]:
    """Lint's warnings: `file:line: warning: ...`, the stock phrases as one rate per chapter
    (lint lists each of them above)."""
    lines = []
    for report in checked:
        stock = [f for f in report.findings if f.kind == "stock_phrase"]
        if stock:
            lines.append(f"{report.name}: warning: {len(stock)} stock phrase{'s' if len(stock) != 1 else ''} "
                         f"in {report.words:,} words ({report.stock_per_1000:.1f} per 1,000 words)")
        for finding in report.findings:
            if finding.kind != "stock_phrase":
                where = f":{finding.line}" if finding.line else ""
                lines.append(f"{report.name}{where}: warning: {finding.message}")
    return lines


def warnings_summary(checked: list[ChapterChecks]) -> str:
    """One line: how many warnings in how many chapters ('' when there are none)."""
    count = len(warning_lines(checked))
    if not count:
        return ""
    flagged = sum(1 for report in checked if report.findings)
    chapters = f"{len(checked)} chapter{'s' if len(checked) != 1 else ''}"
    return f"{count} warning{'s' if count != 1 else ''} in {flagged} of {chapters}."
