"""Hardening of revise: nothing the author wrote is lost (issue 28, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sample_book import write_sample_book
from tests.test_revise import row, scored, version


def book(tmp_path: Path) -> Path:
    return write_sample_book(tmp_path / "projects")


def version_bytes(root: Path, stem: str) -> list[bytes]:
    return [path.read_bytes() for path in sorted((root / ".kimi_writer" / "versions" / stem).glob("*.md"))]


def test_a_chapter_that_is_not_utf8_keeps_its_exact_bytes_in_the_versions(tmp_path, server, run_cli):
    root = book(tmp_path)
    original = b"# Chapter 1: The Fog\n\nCaf\xe9 au lait at dusk, \xff\xfe.\n"
    (root / "chapter_1.md").write_bytes(original)
    server.add(scored(5), version("# Chapter 1: The Fog\n\nBetter.\n"), scored(8))
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1: The Fog\n\nBetter.\n"
    assert original in version_bytes(root, "chapter_1")


def test_an_edit_saved_during_revise_is_kept_and_the_revision_saved_as_a_version(tmp_path, server, run_cli):
    root = book(tmp_path)
    edited = "# Chapter 1: The Fog\n\nThe author's words, saved while revise ran.\n"

    def author_saves(body: dict) -> None:
        if "tools" not in body:  # the writer's request: the author saves the chapter meanwhile
            (root / "chapter_1.md").write_text(edited, encoding="utf-8")

    server.responder = author_saves
    server.add(scored(5), version("# Chapter 1: The Fog\n\nThe revision.\n"), scored(9))
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == edited
    assert b"# Chapter 1: The Fog\n\nThe revision.\n" in version_bytes(root, "chapter_1")
    line = row(result.stdout, "chapter_1.md")
    assert "edited" in line and "author" in result.stdout and "versions" in result.stdout
    review = json.loads((root / ".kimi_writer" / "reviews" / "chapter_1.json").read_text(encoding="utf-8"))
    assert review["overall"] == 5.0  # the revision's review is not taken for the author's text


def test_a_kill_between_replacing_and_saving_the_review_is_not_taken_for_the_authors_edit(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(scored(5), version("# Chapter 1: The Fog\n\nKept.\n"), scored(8))
    assert run_cli("revise", str(root), "--chapters", "1", "--rounds", "1").returncode == 0
    reviews = root / ".kimi_writer" / "reviews" / "chapter_1.json"
    before = next(path for path in (root / ".kimi_writer" / "versions" / "chapter_1").glob("*.json")
                  if json.loads(path.read_text(encoding="utf-8"))["overall"] == 5.0)
    reviews.write_bytes(before.read_bytes())  # as if killed after the replacement, before its review was saved
    status = run_cli("status", str(root))
    assert "8.0" in row(status.stdout, "chapter_1.md") and "stale" not in row(status.stdout, "chapter_1.md")
    server.add(scored(6))
    assert run_cli("review", str(root), "--chapters", "1").returncode == 0
    assert json.loads(reviews.read_text(encoding="utf-8"))["author_edited"] is False


def test_a_saved_review_that_fails_the_model_is_ignored_with_a_warning(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(scored(5))
    assert run_cli("review", str(root), "--chapters", "1").returncode == 0
    path = root / ".kimi_writer" / "reviews" / "chapter_1.json"
    good = json.loads(path.read_text(encoding="utf-8"))
    for broken in ({"overall": float("nan")}, {"scores": dict(good["scores"], prose=-5)},
                   {"chapter": "ch3.md"}, {"overall": 99}):
        path.write_text(json.dumps(dict(good, **broken)), encoding="utf-8")
        status = run_cli("status", str(root))
        assert status.returncode == 0 and "Traceback" not in status.stderr
        assert "ignoring the saved review" in status.stderr and str(path) in status.stderr
        cell = row(status.stdout, "chapter_1.md")
        assert "—" in cell and "nan" not in cell.lower() and "5.0" not in cell
    server.add(scored(8))  # revise sees no review: it reviews the chapter first
    result = run_cli("revise", str(root), "--chapters", "1", "--below", "7")
    assert result.returncode == 0 and "good enough" in row(result.stdout, "chapter_1.md")
    assert json.loads(path.read_text(encoding="utf-8"))["overall"] == 8.0


def test_notes_that_quote_words_not_in_the_chapter_never_reach_the_writer(tmp_path, server, run_cli):
    root = book(tmp_path)
    notes = [{"quote": "the FOG came up   the river", "problem": "real", "fix": "keep"},
             {"quote": "Hale drew his revolver", "problem": "invented", "fix": "drop"}]
    server.add(scored(5, notes=notes), version("# Chapter 1: The Fog\n\nBetter.\n"), scored(8))
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    writer_prompt = server.requests[1]["messages"][1]["content"]
    assert "real" in writer_prompt and "the FOG came up" in writer_prompt
    assert "Hale drew his revolver" not in writer_prompt and "invented" not in writer_prompt
    assert "revolver" not in (root / "review.md").read_text(encoding="utf-8")


def test_the_writers_reply_is_cleaned_and_checked_before_it_can_replace_a_chapter(tmp_path, server, run_cli):
    root = book(tmp_path)
    chatty = "Sure! Here is the revised chapter:\n\n```markdown\n# Chapter 1: The Fog\n\nBetter.\n```\nEnjoy!"
    server.add(scored(5), version(chatty), scored(8))
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1: The Fog\n\nBetter.\n"

    root = book(tmp_path / "two")
    original = (root / "chapter_1.md").read_text(encoding="utf-8")
    for reply in ("# Chapter 9: The End\n\nLater.\n", "# Chapter 1: The Fog\n\nA.\n\n# Chapter 2: The Docks\n\nB.\n",
                  "# Chapter 1: The Fog\n\n" + "Too long. " * 2_000):
        server.add(version(reply))
        failed = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1")
        assert failed.returncode == 4, failed.stdout + failed.stderr
        assert "failed" in row(failed.stdout, "chapter_1.md") and "Traceback" not in failed.stderr
        assert (root / "chapter_1.md").read_text(encoding="utf-8") == original
        assert not any(len(v) > 10_000 for v in version_bytes(root, "chapter_1"))


def test_a_writer_request_over_the_models_limit_is_not_sent(tmp_path, server, run_cli):
    root = book(tmp_path)
    (root / "chapter_1.md").write_text("# Chapter 1: The Fog\n\n" + "The fog came up the river. " * 1_000,
                                       encoding="utf-8")
    server.add(scored(5))
    result = run_cli("revise", str(root), "--chapters", "1", env={"KIMI_WRITER_TOKEN_LIMIT": "12000",
                                                                  "KIMI_WRITER_MAX_OUTPUT_TOKENS": "8000"})
    shown = " ".join(result.stdout.replace("│", " ").split())
    assert result.returncode == 4 and "over the model's limit of 12,000" in shown, result.stdout + result.stderr
    assert len(server.requests) == 1  # the critic's request only (it fits, with room for a review)


def test_a_critic_request_over_the_models_limit_is_not_sent_and_a_smaller_one_leaves_room(tmp_path, server, run_cli):
    root = book(tmp_path)
    (root / "chapter_1.md").write_text("# Chapter 1: The Fog\n\n" + "The fog came up the river. " * 1_000,
                                       encoding="utf-8")
    result = run_cli("review", str(root), "--chapters", "1", "--token-limit", "5000")
    shown = " ".join(result.stdout.replace("│", " ").split())
    assert result.returncode == 4 and "over the model's limit of 5,000 (--token-limit)" in shown, result.stdout
    assert server.requests == []
    server.add(scored(6))
    result = run_cli("review", str(root), "--chapters", "2", "--token-limit", "6000")
    assert result.returncode == 0, result.stdout + result.stderr
    sent = server.requests[0]
    assert 0 < sent.get("max_tokens", sent.get("max_completion_tokens", 0)) < 6000 - 1_000  # the rest is the request


def test_reviews_are_kept_by_the_path_in_the_project_and_old_keys_are_read(tmp_path, server, run_cli):
    root = book(tmp_path)
    (root / "prologue.md").write_text("# Prologue\n\nBefore the fog.\n", encoding="utf-8")
    (root / "extras").mkdir()
    (root / "extras" / "prologue.md").write_text("# Prologue\n\nAnother beginning.\n", encoding="utf-8")
    # book order: extras/prologue.md, prologue.md, chapter_1.md, chapters/chapter_02.md, ch3.md
    server.add(scored(4), scored(6), scored(5), scored(7), scored(8))
    result = run_cli("review", str(root), "--parallel", "1")
    assert result.returncode == 0, result.stderr
    reviews = root / ".kimi_writer" / "reviews"
    assert json.loads((reviews / "extras" / "prologue.json").read_text(encoding="utf-8"))["overall"] == 4.0
    assert json.loads((reviews / "prologue.json").read_text(encoding="utf-8"))["overall"] == 6.0

    table = (root / "review.md").read_text(encoding="utf-8")
    assert "| extras/prologue.md | 4.0 |" in table and "| prologue.md | 6.0 |" in table
    (reviews / "chapters" / "chapter_02.json").rename(reviews / "chapter_02.json")  # the old key: the stem
    again = run_cli("revise", str(root), "--chapters", "2", "--below", "7")
    assert again.returncode == 0 and len(server.requests) == 5, again.stdout + again.stderr
    assert "7.0" in row(again.stdout, "chapter_02.md") and "good enough" in row(again.stdout, "chapter_02.md")


def test_the_planner_cannot_overwrite_a_chapter_that_is_not_utf8(tmp_path, server, run_cli):
    from tests.conftest import tool_results
    from tests.scripted_server import Turn, tool_call

    root = tmp_path / "projects" / "Latin"
    original = b"# Chapter 1\n\nCaf\xe9 at dusk.\n"

    def author_saves_in_latin1(body: dict) -> None:
        if len(server.requests) == 2:  # after the chapter was created, before the planner overwrites it
            (root / "chapter_01.md").write_bytes(original)

    server.responder = author_saves_in_latin1
    server.add(Turn(reasoning="r", tool_calls=[tool_call("create_project", project_name="Latin")]),
               Turn(reasoning="r", tool_calls=[tool_call("write_file", filename="chapter_01.md", content="# One\n")]),
               Turn(reasoning="r", tool_calls=[tool_call("write_file", filename="chapter_01.md",
                                                         content="# Chapter 1\n\nNew.\n", mode="overwrite")]),
               Turn(content="done"))
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stderr
    assert (root / "chapter_01.md").read_bytes() == original
    assert "is not UTF-8 text" in tool_results(server)["call_3"]
