"""The mechanical checks as pure functions over text (kimi_writer/checks.py)."""

from __future__ import annotations

import pytest

from kimi_writer.guard.checks import (
    MIN_SPREAD,
    check_book,
    check_chapter,
    sentence_stats,
    split_sentences,
)
from kimi_writer.guard.style import banned_phrases
from tests.checks_prose import BRIDGE, DOCKS, EVEN, FLAT, FOG, REPETITIVE, VARIED

# --- sentences ----------------------------------------------------------------------------------


def test_sentences_cope_with_dialogue_abbreviations_ellipses_headings_and_scene_breaks():
    text = ("# Chapter 1: The Fog\n\n"
            '"Come here," he said. Mr. Pryce came, and Dr. Shaw... well, Dr. Shaw did not.\n'
            "She waited... Then she left the St. Clement's steps.\n\n"
            "* * *\n\n"
            '"Well?" Hale said at last. "Drowned. Or made to look it."\n'
            "## A heading inside\n"
            "J. R. Pryce wrote it\non two lines!\n")
    sentences = split_sentences(text)
    assert [(s.line, s.text) for s in sentences] == [
        (3, '"Come here," he said.'),
        (3, "Mr. Pryce came, and Dr. Shaw... well, Dr. Shaw did not."),
        (4, "She waited..."),
        (4, "Then she left the St. Clement's steps."),
        (8, '"Well?" Hale said at last.'),
        (8, '"Drowned.'),
        (8, 'Or made to look it."'),
        (10, "J. R. Pryce wrote it on two lines!"),
    ]
    assert [len(s.words) for s in sentences] == [4, 11, 2, 7, 5, 1, 5, 8]


def test_sentence_stats_are_the_mean_and_the_standard_deviation_of_the_lengths():
    sentences = split_sentences("One two. One two three four. One two three four five six.\n")
    assert sentence_stats(sentences) == (4.0, pytest.approx(1.63299, abs=1e-4))
    assert sentence_stats([]) == (0.0, 0.0)


# --- one chapter --------------------------------------------------------------------------------


def test_a_chapter_with_a_repeated_opener_and_a_repeated_phrase_is_flagged_with_lines_and_quotes():
    checked = check_chapter("chapter_08.md", REPETITIVE, banned_phrases(), sensitive=True)
    assert [(f.kind, f.line, f.quote, f.message) for f in checked.findings] == [
        ("repeated_phrase", 3, "the colour of old bruises", '"the colour of old bruises" 3 times (lines 3, 11, 19)'),
        ("opener", 7, "Hale did not", '4 sentences open with "Hale did not" (lines 7, 11, 19)'),
    ]
    assert checked.findings[1].lines == (7, 11, 11, 19)


@pytest.mark.parametrize("text", [FOG, DOCKS, BRIDGE], ids=["fog", "docks", "bridge"])
def test_varied_chapters_are_not_flagged(text):
    checked = check_chapter("chapter_01.md", text, banned_phrases(), target=450, sensitive=True)
    assert checked.findings == []
    assert checked.sentences > 20 and checked.spread > checked.mean_length * MIN_SPREAD


def test_dialogue_tags_and_runs_of_function_words_are_not_repeated_phrases():
    text = "\n\n".join(['"Go home," he said quietly to her.', '"Not yet," she asked him softly.',
                       '"Why not?" he said quietly to her.', "It was at the end of the day.",
                       '"Because," she asked him softly.', "It was at the end of the road.",
                       '"Fine," he said quietly to her.', "He was at the end of the pier.",
                       '"Good," she asked him softly.'])
    assert [f for f in check_chapter("c.md", text, [], sensitive=True).findings if f.kind == "repeated_phrase"] == []


def test_a_longer_repeat_is_reported_once_as_the_longest_phrase():
    text = "\n\n".join(f"Line {n}. The rain ran down the iron stair to the cellar door, {n} times." for n in range(3))
    phrases = [f for f in check_chapter("c.md", text, [], sensitive=True).findings if f.kind == "repeated_phrase"]
    assert [(p.quote, p.lines) for p in phrases] == [("The rain ran down the iron stair to the cellar door", (1, 3, 5))]


def test_two_word_openers_need_a_content_word_and_three_word_openers_any_three_times():
    text = "\n".join(["It was late.", "It was cold.", "It was dark.",  # function words only: fine
                     "Hale walked home.", "Hale walked on.", "Hale walked away.",  # "Hale walked": flagged
                     "She did not stop.", "She did not look.", "She did not care."])  # any three words
    openers = [f.quote for f in check_chapter("c.md", text, [], sensitive=True).findings if f.kind == "opener"]
    assert openers == ["Hale walked", "She did not"]


def test_monotonous_chapters_are_flagged_for_uniform_sentence_lengths_and_varied_ones_are_not():
    for text in FLAT + [EVEN]:
        flags = [f for f in check_chapter("c.md", text, [], sensitive=True).findings if f.kind == "uniform_sentences"]
        assert len(flags) == 1 and "sentence lengths hardly vary: mean" in flags[0].message
        assert flags[0].quote in " ".join(text.split())  # the start of the flattest five sentences
    for text in VARIED:
        assert not [f for f in check_chapter("c.md", text, [], sensitive=True).findings if f.kind == "uniform_sentences"]


def unique_words(count: int, prefix: str = "w") -> str:
    return " ".join(f"{prefix}{n}" for n in range(count))


def test_a_scene_of_fewer_than_twelve_sentences_is_too_short_to_judge_its_rhythm():
    sentences = [unique_words(6, f"s{n}x").capitalize() + "." for n in range(12)]
    assert [f.kind for f in check_chapter("c.md", " ".join(sentences[:11]), [], sensitive=True).findings] == []
    assert [f.kind for f in check_chapter("c.md", " ".join(sentences), [], sensitive=True).findings] == ["uniform_sentences"]


def test_words_against_the_target():
    text = unique_words(100)
    assert check_chapter("c.md", text, [], target=120, sensitive=True).findings == []  # within 25%
    assert check_chapter("c.md", text, [], target=None, sensitive=True).findings == []
    [short] = check_chapter("c.md", text, [], target=200, sensitive=True).findings
    assert (short.kind, short.line, short.message) == ("length", 0, "100 words against a target of 200 (50%)")
    [long] = check_chapter("c.md", text, [], target=75, sensitive=True).findings
    assert long.message == "100 words against a target of 75 (133%)"


def test_stock_phrases_are_findings_with_their_rate_per_thousand_words():
    text = "A tapestry of fog.\n\n" + unique_words(196) + "\nIt was a testament to nothing.\n"
    checked = check_chapter("c.md", text, banned_phrases(), sensitive=True)
    assert [(f.kind, f.line, f.quote) for f in checked.findings] == [("stock_phrase", 1, "tapestry"),
                                                                     ("stock_phrase", 4, "a testament to")]
    assert checked.words == 206 and checked.stock_per_1000 == pytest.approx(2000 / 206)


# --- across chapters ----------------------------------------------------------------------------


def test_a_phrase_in_many_chapters_names_five_of_the_others_and_counts_the_rest():
    chapters = [(f"ch{n}.md", f"# Chapter {n}\n\nThe sky was the colour of old bruises that evening.\n", None)
                for n in range(1, 10)]
    first = [f for f in check_book(chapters, [], sensitive=True)[0].findings if f.kind == "recurring_phrase"]
    assert [f.message.split(" (also ")[1] for f in first] == ["ch2.md, ch3.md, ch4.md, ch5.md, ch6.md and 3 more)"]
    assert "recurs in 9 chapters" in first[0].message


def test_a_distinctive_phrase_in_three_chapters_is_flagged_in_each_naming_the_others():
    bruise = "The sky was the colour of old bruises that evening."
    chapters = [("ch1.md", f"{FOG}\n{bruise}\n", None),
                ("ch2.md", f"{DOCKS}\nHis face was the colour of old bruises.\n", None),
                ("ch3.md", f"# Chapter 3\n\n{bruise}\n", None), ("ch4.md", BRIDGE, None)]
    checked = check_book(chapters, [], sensitive=True)
    recurring = {c.name: [(f.line, f.quote, f.message) for f in c.findings if f.kind == "recurring_phrase"]
                 for c in checked}
    message = '"the colour of old bruises" recurs in 3 chapters (also {})'
    assert recurring == {
        "ch1.md": [(31, "the colour of old bruises", message.format("ch2.md, ch3.md"))],
        "ch2.md": [(33, "the colour of old bruises", message.format("ch1.md, ch3.md"))],
        "ch3.md": [(3, "the colour of old bruises", message.format("ch1.md, ch2.md"))],
        "ch4.md": [],
    }


def test_a_phrase_in_two_chapters_or_made_of_names_does_not_recur():
    name = "Inspector William Hale of Scotland Yard came in."
    chapters = [("ch1.md", f"{name} The colour of old bruises.", None),
                ("ch2.md", f"{name} The colour of old bruises.", None),
                ("ch3.md", f"{name} Nothing else.", None)]
    assert [f for c in check_book(chapters, [], sensitive=True) for f in c.findings] == []


def test_a_phrase_on_the_second_line_of_a_sentence_is_reported_on_that_line():
    text = ("He looked up, and\nthe colour of old bruises filled the sky.\n\n"
            "The colour of old bruises again.\n\nShe saw the colour of old bruises.\n")
    [phrase] = check_chapter("c.md", text, [], sensitive=True).findings
    assert (phrase.line, phrase.lines, phrase.quote) == (2, (2, 4, 6), "the colour of old bruises")
