"""`kimi-writer revise --chapters N --note "..."`: the writer revises with the author's note, the new
text is kept whatever its score, the old one becomes a version, and the scores before and after show."""

from __future__ import annotations

import json

from tests.conftest import assert_clean_protocol
from tests.test_revise import book, row, scored, version, versions

COLDER = "Make the ending colder."


def test_the_authors_note_reaches_the_writer_and_its_version_is_kept_even_when_it_scores_lower(tmp_path, server, run_cli):
    root = book(tmp_path)
    original = (root / "chapter_1.md").read_text(encoding="utf-8")
    server.add(scored(8), version("# Chapter 1: The Fog\n\nThe fog froze on the river.\n"), scored(6))
    result = run_cli("revise", str(root), "--chapters", "1", "--note", COLDER)
    assert result.returncode == 0, result.stderr
    assert_clean_protocol(server)
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1: The Fog\n\nThe fog froze on the river.\n"
    texts, _ = versions(root, "chapter_1")
    assert original in texts  # the old text is a version
    writer_prompt = server.requests[1]["messages"][-1]["content"]
    assert writer_prompt.rstrip().endswith(COLDER) and "## The author's note" in writer_prompt
    assert "open on Hale" in writer_prompt  # the critic's notes still come along
    line = row(result.stdout, "chapter_1.md")
    assert "8.0" in line and "6.0" in line and "kept (the author's note)" in line
    saved = json.loads((root / ".kimi_writer" / "reviews" / "chapter_1.json").read_text(encoding="utf-8"))
    assert saved["overall"] == 6.0 and not saved["author_edited"]


def test_a_fresh_review_is_not_asked_again(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(scored(7))
    assert run_cli("review", str(root), "--chapters", "2").returncode == 0
    server.add(version("# Chapter 2: The Docks\n\nColder.\n"), scored(7))
    result = run_cli("revise", str(root), "--chapters", "2", "--note", COLDER)
    assert result.returncode == 0, result.stderr
    assert_clean_protocol(server)
    assert len(server.requests) == 3 and "Colder." in (root / "chapters" / "chapter_02.md").read_text(encoding="utf-8")


def test_a_note_needs_chapters(tmp_path, server, run_cli):
    root = book(tmp_path)
    result = run_cli("revise", str(root), "--note", COLDER)
    assert result.returncode == 2 and "--note needs a note and --chapters" in result.stderr
    assert run_cli("revise", str(root), "--chapters", "1", "--note", " ").returncode == 2
    assert server.requests == []
