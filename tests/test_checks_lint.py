"""`kimi-writer lint` with the mechanical checks: warnings under the banned-phrase hits, and --strict."""

from __future__ import annotations

from pathlib import Path

from kimi_writer.guard.style import banned_phrases
from tests.checks_prose import BRIDGE, DOCKS, FOG, REPETITIVE, WAREHOUSE
from tests.sample_book import run_offline
from tests.test_collections import write_collection

OUTLINE = """# The Lamplighter's Debt

1. The Fog — A body on the Embankment. (~400 words)
2. The Docks — Hale does not believe the clerk. (~450 words)
3. Westminster Bridge — Hale chooses. (~450 words)
"""
CLEAN = f"No banned phrases in 3 chapters ({len(banned_phrases())} phrases checked)."


def write_book(projects: Path, *chapters: str) -> Path:
    """A project with an outline (targets 400, 450, 450 words) and chapter_01.md ... in order."""
    root = projects / "Lamplighter"
    root.mkdir(parents=True)
    (root / "outline.md").write_text(OUTLINE, encoding="utf-8")
    for number, text in enumerate(chapters, start=1):
        (root / f"chapter_{number:02d}.md").write_text(text, encoding="utf-8")
    return root


def test_a_varied_book_on_target_has_no_warnings_even_with_strict(tmp_path):
    write_book(tmp_path / "projects", FOG, DOCKS, BRIDGE)
    for args in ([], ["--strict"]):
        result = run_offline(tmp_path, "lint", "Lamplighter", *args)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", CLEAN + "\n"), args


def test_a_repeated_opener_and_phrase_are_warnings_that_fail_only_under_strict(tmp_path):
    write_book(tmp_path / "projects", FOG, REPETITIVE, BRIDGE)
    plain = run_offline(tmp_path, "lint", "Lamplighter")
    strict = run_offline(tmp_path, "lint", "Lamplighter", "--strict")

    assert plain.stdout.splitlines() == [
        "chapter_02.md: warning: 136 words against a target of 450 (30%)",
        'chapter_02.md:3: warning: "the colour of old bruises" 3 times (lines 3, 11, 19)',
        'chapter_02.md:7: warning: 4 sentences open with "Hale did not" (lines 7, 11, 19)',
    ]
    assert plain.stderr.splitlines() == [CLEAN, "3 warnings in 1 of 3 chapters."]
    assert plain.returncode == 0
    assert (strict.returncode, strict.stdout, strict.stderr) == (1, plain.stdout, plain.stderr)


def test_banned_phrases_come_first_and_exit_1_with_or_without_strict(tmp_path):
    book = write_book(tmp_path / "projects", FOG, DOCKS, BRIDGE)
    (book / "chapter_03.md").write_text(BRIDGE.replace("He had the ledger", "He had a testament to it, the ledger"),
                                        encoding="utf-8")
    for args in ([], ["--strict"]):
        result = run_offline(tmp_path, "lint", "Lamplighter", *args)
        assert result.returncode == 1
        assert result.stdout.splitlines() == [
            'chapter_03.md:9: "a testament to"',
            "chapter_03.md: warning: 1 stock phrase in 442 words (2.3 per 1,000 words)",
        ]
        assert result.stderr.splitlines() == ["1 banned phrase in 1 of 3 chapters.", "1 warning in 1 of 3 chapters."]


def test_a_distinctive_phrase_recurring_in_three_chapters_is_a_warning_in_each(tmp_path):
    bruise = "\nThe sky was the colour of old bruises.\n"
    write_book(tmp_path / "projects", FOG + bruise, DOCKS + bruise, BRIDGE + bruise)
    result = run_offline(tmp_path, "lint", "Lamplighter", "--strict")

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        'chapter_01.md:31: warning: "sky was the colour of old bruises" recurs in 3 chapters '
        "(also chapter_02.md, chapter_03.md)",
        'chapter_02.md:33: warning: "sky was the colour of old bruises" recurs in 3 chapters '
        "(also chapter_01.md, chapter_03.md)",
        'chapter_03.md:27: warning: "sky was the colour of old bruises" recurs in 3 chapters '
        "(also chapter_01.md, chapter_02.md)",
    ]
    assert result.stderr.splitlines()[-1] == "3 warnings in 3 of 3 chapters."


def test_a_monotonous_chapter_is_warned_about_its_uniform_sentence_lengths(tmp_path):
    write_book(tmp_path / "projects", FOG, DOCKS, WAREHOUSE.replace("(~", "("))
    result = run_offline(tmp_path, "lint", "Lamplighter")

    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "chapter_03.md:3: warning: sentence lengths hardly vary: mean 15.0 words, spread 0.9 (standard deviation, "
        "under 50% of the mean) over 23 sentences",
    ]


def test_the_stories_of_a_collection_are_checked_too(tmp_path):
    write_collection(tmp_path)
    result = run_offline(tmp_path, "lint", "Signals")

    assert result.returncode == 1
    assert result.stdout.splitlines()[2:] == [
        "story_01.md: warning: 1 stock phrase in 15 words (66.7 per 1,000 words)",
        "story_01.md: warning: 15 words against a target of 3,000 (0%)",
        "stories/story_03.md: warning: 1 stock phrase in 11 words (90.9 per 1,000 words)",
    ]
    assert result.stderr.splitlines()[-1] == "3 warnings in 2 of 3 chapters."
