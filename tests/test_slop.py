"""The slop index, one part at a time, on small texts."""

from __future__ import annotations

from kimi_writer.guard.checks import check_book, check_chapter
from kimi_writer.guard.language import over_used
from kimi_writer.guard.language import ENGLISH
from kimi_writer.guard.style import builtin_phrases
from kimi_writer.guard.slop import contrast_hits

PHRASES = list(builtin_phrases())
PLAIN = ("# Chapter 1\n\nTom went to the shop on Monday. He bought bread and two apples, then walked home by the river. "
         "His sister was there already.\n")


def parts(text: str) -> dict[str, float]:
    return check_chapter("chapter_01.md", text, PHRASES).slop.as_dict()


def test_plain_prose_has_an_index_of_zero():
    report = check_chapter("chapter_01.md", PLAIN, PHRASES)
    assert report.slop_index == 0 and report.findings == []


def test_over_used_words_and_trigrams_count_per_1000_words():
    words, trigrams = over_used(ENGLISH)
    assert {"flickered", "nodded"} <= words and "a flicker of" in trigrams and "the" not in words
    found = parts("# Chapter 1\n\nThe lamp flickered. She nodded, and a flicker of doubt crossed her face.\n")
    assert found["over_used_words"] > 0 and found["over_used_trigrams"] > 0
    assert found["contrasts"] == found["openers"] == found["stock_phrases"] == 0


def test_not_x_but_y_and_its_kin_are_contrasts():
    text = ("It was not fear, but something older.\nIt wasn't a warning. It was a promise.\n"
            "She wanted more than just an answer.\nHe came home, and she was glad.\n")
    assert [line for line, _ in contrast_hits(text)] == [1, 2, 3]
    assert parts("# Chapter 1\n\n" + text)["contrasts"] > 0


def test_repeated_openers_count():
    text = "# Chapter 1\n\n" + " ".join(f"Mara looked back at house number {n}." for n in range(6))
    assert parts(text)["openers"] > 0


def test_repeated_phrases_within_and_across_chapters_count():
    within = "# Chapter 1\n\n" + " ".join(f"Day {n}: the iron gate creaked open again." for n in range(5))
    assert parts(within)["repetition"] > 0
    shared = "The copper lantern swayed slowly above the door."
    book = check_book([(f"chapter_0{n}.md", f"# Chapter {n}\n\nA day passed. {shared} Night came.\n", None)
                       for n in range(1, 5)], PHRASES)
    assert all(report.slop.repetition > 0 for report in book)


def test_flat_rhythm_counts():
    flat = "# Chapter 1\n\n" + " ".join("The man walked to the red door slowly." for _ in range(14))
    assert parts(flat)["rhythm"] > 0
    assert parts(PLAIN)["rhythm"] == 0


def test_stock_phrases_count_per_1000_words():
    assert parts("# Chapter 1\n\nIt was a testament to her will. The tension was palpable.\n")["stock_phrases"] > 0


def test_eight_sentences_opening_alike_are_caught_in_a_long_chapter_too():
    from tests.checks_prose import VARIED
    body = "\n\n".join(VARIED)  # human-style scenes, about 2,000 words
    same = " ".join(f"Mara looked back at {what}." for what in
                    ("the house", "the road", "the gate", "the river", "the hill", "the boy", "the dog", "the sky"))
    report = check_chapter("chapter_01.md", "# Chapter 1\n\n" + body + "\n\n" + same + "\n", PHRASES)
    assert report.sentences > 150
    assert [f.quote for f in report.findings if f.kind == "opener"] == ["Mara looked back"]


def test_a_phrase_recurring_in_a_long_book_is_warned_only_in_half_its_chapters():
    shared = "The copper lantern swayed slowly above the door."

    def book(with_phrase: int) -> list:
        return check_book([(f"chapter_{n:02d}.md", f"# Chapter {n}\n\nDay {n} passed. "
                            + (shared if n <= with_phrase else "Rain fell.") + " Night came.\n", None)
                           for n in range(1, 13)], PHRASES)

    assert not any(f.kind == "recurring_phrase" for report in book(5) for f in report.findings)
    assert all(any(f.kind == "recurring_phrase" for f in report.findings) for report in book(6)[:6])
