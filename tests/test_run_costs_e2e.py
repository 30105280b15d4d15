"""What a book pays for besides its requests (issue 26): `review` reuses a saved review of the same text
unless --force is given, and "This run" counts the writer's tokens as it counts the critic's."""

from __future__ import annotations

import json

from tests.sample_book import write_sample_book
from tests.scripted_server import Turn, tool_call
from tests.test_review import review_turn
from tests.test_review_loop import planner_turn
from tests.test_writer_e2e import chapter_text, writer_server


def test_review_reuses_a_saved_review_of_the_same_text_unless_forced(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    saved = root / ".kimi_writer/reviews/chapter_1.json"
    server.add(review_turn())
    first = run_cli("review", str(root), "--chapters", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    review = saved.read_text(encoding="utf-8")

    again = run_cli("review", str(root), "--chapters", "1")
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(server.requests) == 1  # nothing sent: the text is the one judged
    assert saved.read_text(encoding="utf-8") == review and "7.2" in again.stdout
    assert "1 of 1 chapters reviewed" in again.stdout and "Tokens in 0, out 0" in again.stdout

    server.add(review_turn())
    forced = run_cli("review", str(root), "--chapters", "1", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert len(server.requests) == 2

    chapter = root / "chapter_1.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nThe author adds a line.\n", encoding="utf-8")
    server.add(review_turn())
    stale = run_cli("review", str(root), "--chapters", "1")
    assert stale.returncode == 0, stale.stdout + stale.stderr
    assert len(server.requests) == 3  # the text changed: judged again
    assert json.loads(saved.read_text(encoding="utf-8"))["author_edited"] is True
    server.assert_complete()


def test_this_run_counts_the_writers_tokens(tmp_path, server, run_cli):
    writer = writer_server(Turn(content=chapter_text(1), usage=(1_000, 200)))
    try:
        server.add(planner_turn(tool_call("create_project", project_name="Counted")),
                   planner_turn(tool_call("write_file", filename="outline.md", content="# O\n\n1. **One** — Fog.\n")),
                   planner_turn(tool_call("draft_chapter", filename="chapter_01.md", brief="Fog.")),
                   planner_turn(content="The book is done."))
        result = run_cli("write", "A one-chapter mystery", "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url)
        assert result.returncode == 0, result.stdout + result.stderr
        writer.assert_complete()
        assert "This run: 4 iterations · tokens in 1,400, out 240" in result.stdout  # the planner's 400 / 40 too
    finally:
        writer.stop()
