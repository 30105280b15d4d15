"""The slop index of a chapter: how many habits of machine prose it shows, in points, by part.

Parts (each in points; the index is their sum, 0 when no habit was found):
- `over_used_words`, `over_used_trigrams`: words and trigrams that AI fiction uses far more than
  human writing (lists in kimi_writer/data/, rebuilt by tools/build_slop_lists.py), per 1,000 words;
- `contrasts`: "not X, but Y", "It wasn't X. It was Y." and their kin, per 1,000 words;
- `openers`: sentences beyond the second that open with the same three words, per 100 sentences;
- `repetition`: repeats beyond the second of 4-word phrases in the chapter, and phrases it shares
  with two or more other chapters, per 1,000 words;
- `rhythm`: how far the spread of sentence lengths falls under half their mean;
- `stock_phrases`: the built-in stock phrases per 1,000 words.
The weights were set on the calibration corpus (bench/guard_calibration.py): the word and trigram
rates separate AI from human chapters, trigrams and stock phrases rank the models as EQ-Bench's
slop score does, and the repetition parts are capped so that a degenerate loop does not swamp them.
The index measures habits, not quality.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from .language import ENGLISH, Language, over_used

WORD_POINTS = 0.1  # per over-used word per 1,000 words
TRIGRAM_POINTS = 1 / 3  # per over-used trigram per 1,000 words
CONTRAST_POINTS, CONTRAST_CAP = 0.5, 1.5  # per contrast per 1,000 words
OPENER_POINTS, OPENER_CAP = 0.1, 0.5  # per extra opener per 100 sentences
REPEAT_POINTS, REPEAT_CAP = 0.25, 0.5  # per extra repeat per 1,000 words
RHYTHM_POINTS, RHYTHM_CAP, RHYTHM_SPREAD = 5.0, 0.5, 0.5  # per tenth under a spread of half the mean
RHYTHM_SENTENCES = 12  # fewer sentences tell nothing about rhythm
STOCK_POINTS = 2.0  # per stock phrase per 1,000 words


@dataclass(frozen=True)
class Habits:
    """What a chapter was found to do, counted (the raw material of its slop index)."""

    words: int = 0
    sentences: int = 0
    over_used: Counter = field(default_factory=Counter)  # word -> times
    trigrams: Counter = field(default_factory=Counter)  # "w1 w2 w3" -> times
    contrasts: tuple[tuple[int, str], ...] = ()  # (line, quote)
    extra_openers: int = 0
    extra_repeats: int = 0
    recurring: int = 0  # phrases shared with two or more other chapters
    spread_ratio: float = 1.0  # standard deviation / mean of the sentence lengths
    stock: int = 0


@dataclass(frozen=True)
class SlopParts:
    """The index's parts, in points."""

    over_used_words: float = 0.0
    over_used_trigrams: float = 0.0
    contrasts: float = 0.0
    openers: float = 0.0
    repetition: float = 0.0
    rhythm: float = 0.0
    stock_phrases: float = 0.0

    @property
    def index(self) -> float:
        return round(sum(self.as_dict().values()), 2)

    def as_dict(self) -> dict[str, float]:
        return {name: round(value, 2) for name, value in asdict(self).items()}


def over_used_hits(words: list[str], language: Language = ENGLISH) -> tuple[Counter, Counter]:
    """The over-used words and trigrams in `words` (lower case), with their counts."""
    listed, grams = over_used(language)
    trigrams = Counter(gram for gram in map(" ".join, zip(words, words[1:], words[2:])) if gram in grams)
    return Counter(word for word in words if word in listed), trigrams


def contrast_hits(text: str, language: Language = ENGLISH) -> tuple[tuple[int, str], ...]:
    """Each "not X, but Y" kin in `text`: (line, the words matched), in reading order."""
    found = {match.start(): match.group() for pattern in language.contrasts for match in pattern.finditer(text)}
    return tuple((text.count("\n", 0, start) + 1, " ".join(found[start].split()).strip(" ,.;"))
                 for start in sorted(found))


def _per(count: int, whole: int, unit: int) -> float:
    return count * unit / whole if whole else 0.0


def slop_parts(habits: Habits) -> SlopParts:
    """The points of each part of the index."""
    per_1000 = lambda count: _per(count, habits.words, 1000)  # noqa: E731
    flat = max(0.0, RHYTHM_SPREAD - habits.spread_ratio) if habits.sentences >= RHYTHM_SENTENCES else 0.0
    return SlopParts(
        over_used_words=WORD_POINTS * per_1000(sum(habits.over_used.values())),
        over_used_trigrams=TRIGRAM_POINTS * per_1000(sum(habits.trigrams.values())),
        contrasts=min(CONTRAST_CAP, CONTRAST_POINTS * per_1000(len(habits.contrasts))),
        openers=min(OPENER_CAP, OPENER_POINTS * _per(habits.extra_openers, habits.sentences, 100)),
        repetition=min(REPEAT_CAP, REPEAT_POINTS * per_1000(habits.extra_repeats + habits.recurring)),
        rhythm=min(RHYTHM_CAP, RHYTHM_POINTS * flat),
        stock_phrases=STOCK_POINTS * per_1000(habits.stock),
    )


def top_habits(habits: Habits, count: int = 5) -> str:
    """The most frequent over-used words and trigrams, e.g. '"flickered" ×3, "a flicker of" ×2'."""
    common = (habits.over_used + habits.trigrams).most_common(count)
    return ", ".join(f'"{item}" ×{times}' for item, times in common)


