"""The detectors of the mechanical checks, at their most sensitive: each finding with a line and a
quote. Which of them a user is shown is decided by the calibrated thresholds of `verdicts`.

- stock phrases (the built-in list, and the project's own list);
- repeated sentence openers: the same first three words starting three or more sentences, or the
  same first two words (one of them not a function word, so "It was" and "He had" pass) starting
  three or more sentences and more than one in twenty-five;
- phrases of four or more words repeated three or more times in a chapter (dialogue tags aside, and
  phrases of fewer than two content words, such as "at the end of"), and distinctive phrases (two
  lower-case content words or more, so names aside) that recur in three or more chapters;
- sentence-length uniformity (see `MIN_SPREAD`);
- words against the chapter's target, flagged when more than 25% short or over.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal, NamedTuple

from .language import ENGLISH, normal
from .sentences import _BLANK_LINES, _SEGMENT, _WORD, Sentence, prose_text, sentence_stats
from .style import Hit

Kind = Literal["stock_phrase", "banned_phrase", "slop_index", "opener", "repeated_phrase", "recurring_phrase", "uniform_sentences", "length"]

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

_FUNCTION_WORDS = ENGLISH.function_words
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
    severity: Literal["warning", "error"] = "warning"


# --- words and phrases --------------------------------------------------------------------------


class _Token(NamedTuple):
    word: str  # lower case, ' for ’
    written: str
    line: int
    segment: int  # tokens of one segment have no punctuation between them


def tokens(sentences: list[Sentence]) -> list[_Token]:
    """Every word, numbered by segment: a new segment at each sentence and each punctuation mark."""
    found, segment = [], 0
    for sentence in sentences:
        lines = iter(sentence.word_lines or [sentence.line] * len(sentence.words))
        for run in _SEGMENT.findall(sentence.text):
            segment += 1
            found.extend(_Token(normal(word), word, next(lines), segment)
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
    return tuple(normal(word) for word in words[:size]) if len(words) >= size else None


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


# --- across chapters ---------------------------------------------------------------------------


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
                    f'"{quote}" recurs in {len(where)} chapters (also {_some([c for c in where if c != name])})')
            for start, end, where in merged]


def _some(names: list[str], shown: int = 5) -> str:
    """The first few names, and how many more: a phrase in 177 chapters reads as one line, not 177 names."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


# A word (as a group), or a paragraph break or punctuation mark (no group: ''). A phrase is a run of
# PHRASE_WORDS words with only space or emphasis between them, so a run holding '' is none.
_PIECE = re.compile(f"({_WORD.pattern})|{_BLANK_LINES.pattern}|[^\\w\\s*]")


def distinctive_grams(text: str) -> set[tuple[str, ...]]:
    """The chapter's distinctive phrases, as `_distinctive(tokens(split_sentences(text)))` finds them
    (tests/test_harden_index.py checks that on the corpus), with one regex over the prose and no
    token objects: about three times faster, and nothing kept but the phrases."""
    written = _PIECE.findall(prose_text(text))
    words = [piece.lower().replace("’", "'") for piece in written]
    grams = list(zip(*(words[shift:] for shift in range(PHRASE_WORDS))))
    first = dict(zip(reversed(grams), range(len(grams) - 1, -1, -1)))  # each phrase's first start
    counts = _counts_at(words, written)
    return {gram for gram, start in first.items() if counts[start] and "" not in gram}


def _counts_at(words: list[str], written: list[str]) -> list[bool]:
    """For each start, whether the phrase there is countable (`_countable`, lower case)."""
    content = [word not in _FUNCTION_WORDS and not word.isdigit() and not shown[:1].isupper()
               for word, shown in zip(words, written)]
    speech = [word in _SPEECH_VERBS for word in words]
    runs = zip(map(sum, zip(*(content[shift:] for shift in range(PHRASE_WORDS)))),
               map(any, zip(*(speech[shift:] for shift in range(PHRASE_WORDS)))))
    return [total >= 2 and not spoken for total, spoken in runs]


def phrase_chapters(chapters: list[tuple[str, str]]) -> dict[tuple[str, ...], list[str]]:
    """Each distinctive phrase of the chapters (name, text), with the chapters it is in, in their order."""
    chapters_of: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for name, text in chapters:
        for gram in distinctive_grams(text):
            chapters_of[gram].append(name)
    return chapters_of


def recurring_in(words: list[_Token], grams: dict, chapters_of: dict, name: str) -> list[Finding]:
    """The chapter's recurring phrases (`_recurring_in`), from its tokens and their ngrams: those that
    `chapters_of` lists for this chapter (so distinctive here) and for enough others."""
    shared = {gram: starts for gram, starts in grams.items()
              if len(chapters_of.get(gram, ())) >= RECURRING_CHAPTERS and name in chapters_of[gram]}
    return _recurring_in(words, shared, chapters_of, name)


# --- the other checks ---------------------------------------------------------------------------


def stock_phrases(hits: list[Hit]) -> list[Finding]:
    return [Finding("stock_phrase", hit.line, hit.phrase, f'stock phrase "{hit.phrase}"') for hit in hits]


def banned(hits: list[Hit]) -> list[Finding]:
    """Errors: the phrases of the project's own list."""
    return [Finding("banned_phrase", hit.line, hit.phrase, f'banned phrase "{hit.phrase}"', severity="error")
            for hit in hits]


def uniformity(sentences: list[Sentence], min_spread: float = MIN_SPREAD,
               min_sentences: int = MIN_SENTENCES) -> Finding | None:
    """A flag when the chapter has enough sentences and their lengths hardly vary, quoting the
    start of its flattest run of five sentences."""
    mean, spread = sentence_stats(sentences)
    if len(sentences) < min_sentences or spread >= min_spread * mean:
        return None
    lengths = [len(s.words) for s in sentences]
    flattest = min(range(len(lengths) - 4), key=lambda i: statistics.pstdev(lengths[i:i + 5]))
    first = sentences[flattest]
    return Finding("uniform_sentences", first.line, first.text[:120],
                   f"sentence lengths hardly vary: mean {mean:.1f} words, spread {spread:.1f} (standard "
                   f"deviation, under {min_spread:.0%} of the mean) over {len(sentences)} sentences")


def length(words: int, target: int | None) -> Finding | None:
    """A flag when the chapter is more than `TARGET_TOLERANCE` short of its target or over it."""
    if not target or abs(words - target) <= target * TARGET_TOLERANCE:
        return None
    return Finding("length", 0, "", f"{words:,} words against a target of {target:,} ({words / target:.0%})")


