"""Rebuild the over-used word and trigram lists of the slop index from the calibration corpus.

A word is kept when AI chapters use it far more often than both baselines: English at large
(`wordfreq`) and the human chapters of the corpus, so that period vocabulary is not taken for slop.
It must also be used by a quarter of the models, be written in lower case mostly (names aside), and
not be a word of the prompt all the novellas share ("Gods wore sneakers") or of their modern city
setting, which the 1851-1926 human chapters cannot vouch for (TOPIC). A trigram is kept
when AI chapters use it far more often than the human chapters (wordfreq has no trigrams), in a
sixth of the models, with a content word and no TOPIC word.

    python tools/build_slop_lists.py [--corpus PATH] [--half]   # --half: derive on half the books
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kimi_writer.guard.language import DATA, ENGLISH, Language  # noqa: E402
from tests.corpus import Book, corpus_dir, halves, load  # noqa: E402

WORD_VS_WORDFREQ = 10.0  # AI rate at least this many times wordfreq's frequency
WORD_VS_HUMAN = 5.0  # and this many times the human chapters' rate (one added to their count)
TRIGRAM_VS_HUMAN = 10.0  # AI rate against the human rate (a half added to their count)
TOPIC = frozenset("""
sneakers sneaker shoes shoe soles sole laces lace footwear boots boot sandals heel heels
gods god goddess goddesses divine divinity mortal mortals myth myths mythology mythical legends legend
pantheon olympus olympian olympians relic relics artifact artifacts deity deities immortal immortals
underworld winged temple temples worship worshippers prayers prayer faith believers offerings altar
oracle prophecy zeus hermes athena lightning storm thunder bolt bolts chaos symbol symbols realm realms
ancient forged runes rune
""".split()) | frozenset("""
subway alley alleys sidewalk hoodie backpack neon graffiti asphalt rooftop hallway fluorescent streetlights
pavement warehouse notebook laptop phone apartment holographic sleek leather fabric threads stitched laced
scuffed mismatched workshop workbench pedestal marble shelves messenger sketching
""".split())  # the modern city the novellas are set in: the 1851-1926 human baseline cannot vouch for it


class Counts:
    """Word and trigram counts of a set of books, with the books each one occurs in."""

    def __init__(self, books: list[Book], language: Language) -> None:
        self.words, self.trigrams, self.capital = Counter(), Counter(), Counter()
        self.books: dict[str, set[str]] = defaultdict(set)
        for book in books:
            for _, text in book.chapters:
                self._add(book.name, text.split("\n", 1)[-1], language)
        self.total = max(1, sum(self.words.values()))

    def _add(self, book: str, text: str, language: Language) -> None:
        written = language.word.findall(text)
        words = [word.lower().replace("’", "'") for word in written]
        self.words.update(words)
        self.capital.update(w for w, raw in zip(words, written) if raw[:1].isupper())
        grams = [" ".join(words[i:i + 3]) for i in range(len(words) - 2)]
        self.trigrams.update(grams)
        for item in set(words) | set(grams):
            self.books[item].add(book)


def over_used_words(ai: Counts, human: Counts, models: int) -> list[str]:
    from wordfreq import word_frequency
    kept = []
    for word, count in ai.words.most_common():
        if len(ai.books[word]) < models / 4 or ai.capital[word] > count / 2 or not word.isalpha() or word in TOPIC:
            continue
        rate = count / ai.total
        if rate >= WORD_VS_WORDFREQ * max(word_frequency(word, "en"), 1e-8) \
                and rate >= WORD_VS_HUMAN * (human.words[word] + 1) / human.total:
            kept.append(word)
    return kept


def over_used_trigrams(ai: Counts, human: Counts, models: int, language: Language) -> list[str]:
    kept = []
    for gram, count in ai.trigrams.most_common():
        words = gram.split()
        if len(ai.books[gram]) < max(3, models / 6) or any(w in TOPIC for w in words):
            continue
        if all(w in language.function_words for w in words):
            continue
        if count / ai.total >= TRIGRAM_VS_HUMAN * (human.trigrams[gram] + 0.5) / human.total:
            kept.append(gram)
    return kept


def derive(ai: list[Book], human: list[Book], language: Language = ENGLISH) -> tuple[list[str], list[str]]:
    """(over-used words, over-used trigrams) of the AI books against wordfreq and the human books."""
    ai_counts, human_counts = Counts(ai, language), Counts(human, language)
    return (over_used_words(ai_counts, human_counts, len(ai)),
            over_used_trigrams(ai_counts, human_counts, len(ai), language))


def write(path: Path, entries: list[str], what: str, books: str) -> None:
    header = (f"# Over-used {what} of the slop index (English), most frequent first: {len(entries)}.\n"
              f"# Rebuilt by tools/build_slop_lists.py from the calibration corpus ({books}); do not edit.\n")
    path.write_text(header + "\n".join(entries) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--half", action="store_true", help="derive on half the books (see bench/)")
    args = parser.parse_args()
    root = args.corpus or corpus_dir()
    if root is None:
        sys.exit("No corpus: pass --corpus or set KIMI_WRITER_CORPUS.")
    ai, human = load(root)
    if args.half:
        ai, human = halves(ai)[0], halves(human)[0]
    words, trigrams = derive(ai, human)
    books = f"{len(ai)} models, {len(human)} authors"
    write(DATA / ENGLISH.words_file, words, "words", books)
    write(DATA / ENGLISH.trigrams_file, trigrams, "trigrams", books)
    print(f"{len(words)} words, {len(trigrams)} trigrams from {books}")


if __name__ == "__main__":
    main()
