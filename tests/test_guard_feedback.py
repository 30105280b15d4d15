"""The calibrated findings and the slop index reach the critic, the reviser and the planner's
draft results, and nothing that the calibration dropped does."""

from __future__ import annotations

from pathlib import Path

from kimi_writer.book.project import Project
from kimi_writer.judge.critic import mechanical_flags
from kimi_writer.judge.rubric import SCORE_KEYS, Review
from kimi_writer.judge.revise import revision_messages
from kimi_writer.loop.writer import Draft, draft_result
from tests.checks_prose import FOG
from tests.sample_book import write_sample_book

SAME = "\n" + " ".join(f"Hale did not answer {word}." for word in
                       ("first", "the clerk", "the door", "the note", "the river", "the bell", "the boy", "at all")) + "\n"


def _project(tmp_path: Path, chapter: str) -> Project:
    root = write_sample_book(tmp_path / "projects")
    (root / "chapter_1.md").write_text(chapter, encoding="utf-8")
    return Project(root)


def test_the_revise_request_carries_the_findings_and_the_index(tmp_path):
    project = _project(tmp_path, FOG + SAME)
    review = Review(chapter="chapter_1.md", scores=dict.fromkeys(SCORE_KEYS, 5), overall=5.0, sha256="x", model="m", reviewed_at="t")
    request = revision_messages(project, "chapter_1.md", FOG + SAME, review, None)[1].content
    assert '8 sentences open with "Hale did not"' in request
    assert "chapter_1.md: slop index " in request and "lint warns from 6" in request


def test_the_critic_is_shown_the_index_and_not_a_single_stock_phrase(tmp_path):
    project = _project(tmp_path, FOG + "\nIt stood as a testament to him.\n")
    flags = mechanical_flags(project)["chapter_1.md"]
    assert flags[-1].startswith("chapter_1.md: slop index ") and "stock phrases" in flags[-1]
    assert not any("testament" in line for line in flags)


def test_a_draft_result_names_stock_phrases_only_at_their_calibrated_rate(tmp_path):
    project = _project(tmp_path, FOG)
    one = FOG + "\nIt stood as a testament to him.\n"
    assert "Banned stock phrases" not in draft_result(Draft("chapter_1.md", 420, one, False), None, project)
    many = one + "The tension was palpable. She couldn't help but smile. It was a testament to them.\n"
    result = draft_result(Draft("chapter_1.md", 440, many, False), None, project)
    assert '"the tension was palpable" on line' in result and "Slop index: " in result
