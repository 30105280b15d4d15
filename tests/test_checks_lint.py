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
CLEAN = f"No findings in 3 chapters ({len(banned_phrases())} phrases checked; slop index up to "


def write_book(projects: Path, *chapters: str) -> Path:
    """A project with an outline (targets 400, 450, 450 words) and chapter_01.md ... in order."""
    root = projects / "Lamplighter"
    root.mkdir(parents=True)
    (root / "outline.md").write_text(OUTLINE, encoding="utf-8")
    for number, text in enumerate(chapters, start=1):
        (root / f"chapter_{number:02d}.md").write_text(text, encoding="utf-8")
    return root


def test_a_varied_book_on_target_has_no_findings_even_with_strict(tmp_path):
    write_book(tmp_path / "projects", FOG, DOCKS, BRIDGE)
    for args in ([], ["--strict"]):
        result = run_offline(tmp_path, "lint", "Lamplighter", *args)
        assert (result.returncode, result.stdout) == (0, ""), args
        assert result.stderr.startswith(CLEAN), args


def test_eight_sentences_opening_alike_are_a_warning_that_fails_only_under_strict(tmp_path):
    same = " ".join(f"Hale did not answer {n}." for n in ("at first", "the clerk", "the door", "the note",
                                                          "the river", "the bell", "the boy", "at all"))
    write_book(tmp_path / "projects", FOG, DOCKS + "\n" + same + "\n", BRIDGE)
    plain = run_offline(tmp_path, "lint", "Lamplighter")
    strict = run_offline(tmp_path, "lint", "Lamplighter", "--strict")

    assert plain.stdout.splitlines() == [
        'chapter_02.md:19: warning: 9 sentences open with "Hale did not" (lines 19, 33)']
    assert plain.stderr.splitlines()[0].startswith("1 finding in 1 of 3 chapters; slop index up to ")
    assert plain.returncode == 0
    assert (strict.returncode, strict.stdout, strict.stderr) == (1, plain.stdout, plain.stderr)


def test_a_repeat_novelists_also_make_is_not_a_warning(tmp_path):
    # an opener four times and a phrase three times in a chapter: Dickens and Austen do as much
    write_book(tmp_path / "projects", FOG, REPETITIVE.replace("(~", "("), BRIDGE)
    result = run_offline(tmp_path, "lint", "Lamplighter", "--strict")
    assert result.stdout.splitlines() == ["chapter_02.md: warning: 136 words against a target of 450 (30%)"]


def test_the_projects_own_banned_phrases_are_errors_and_one_stock_phrase_is_not_a_warning(tmp_path):
    book = write_book(tmp_path / "projects", FOG, DOCKS, BRIDGE)
    (book / "chapter_03.md").write_text(BRIDGE.replace("He had the ledger", "He had a testament to it, the ledger"),
                                        encoding="utf-8")
    assert run_offline(tmp_path, "lint", "Lamplighter", "--strict").returncode == 0
    (book / "banned_phrases.txt").write_text("a testament to it\n", encoding="utf-8")
    for args in ([], ["--strict"]):
        result = run_offline(tmp_path, "lint", "Lamplighter", *args)
        assert result.returncode == 1
        assert result.stdout.splitlines() == ['chapter_03.md:9: error: banned phrase "a testament to it"']


def test_stock_phrases_at_ai_density_are_a_warning(tmp_path):
    stock = "\nIt was a testament to his nerve. The tension was palpable. She couldn't help but smile.\n"
    write_book(tmp_path / "projects", FOG, DOCKS + stock, BRIDGE)
    result = run_offline(tmp_path, "lint", "Lamplighter")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("chapter_02.md: warning: 3 stock phrases in ")
    assert result.stdout.splitlines()[0].endswith(
        '(6.4 per 1,000 words): "a testament to" (line 33), "the tension was palpable" (line 33), '
        '"couldn\'t help but" (line 33)')


def test_a_distinctive_phrase_recurring_in_four_chapters_is_a_warning_in_each(tmp_path):
    bruise = "\nThe sky was the colour of old bruises.\n"
    write_book(tmp_path / "projects", FOG + bruise, DOCKS + bruise, BRIDGE + bruise, FOG.replace("Hale", "Pryce") + bruise)
    result = run_offline(tmp_path, "lint", "Lamplighter", "--strict")

    assert result.returncode == 1
    recurring = [line for line in result.stdout.splitlines() if "recurs in" in line]
    assert len(recurring) == 4 and all('"sky was the colour of old bruises" recurs in 4 chapters' in line
                                       for line in recurring)


def test_a_monotonous_chapter_is_warned_about_its_uniform_sentence_lengths(tmp_path):
    write_book(tmp_path / "projects", FOG, DOCKS, WAREHOUSE.replace("(~", "("))
    result = run_offline(tmp_path, "lint", "Lamplighter")

    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("chapter_03.md: warning: slop index ")  # written flat on purpose
    assert result.stdout.splitlines()[1:] == [
        "chapter_03.md:3: warning: sentence lengths hardly vary: mean 15.0 words, spread 0.9 (standard deviation, "
        "under 30% of the mean) over 23 sentences",
    ]


def test_the_stories_of_a_collection_are_checked_too(tmp_path):
    write_collection(tmp_path)
    result = run_offline(tmp_path, "lint", "Signals")

    assert result.returncode == 0  # one stock phrase in a story is under the calibrated rate
    assert result.stdout.splitlines() == ["story_01.md: warning: 15 words against a target of 3,000 (0%)"]
