"""`kimi-writer revise`: a new version replaces the chapter only when the critic scores it higher;
every version is kept; a plateau stops the rounds; the author's edits are never replaced without --force."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.conftest import assert_clean_protocol
from tests.sample_book import write_sample_book
from tests.scripted_server import Turn
from tests.test_review import SCORES, review_turn


def scored(overall: int, **extra) -> Turn:
    """A review whose nine scores are all `overall`."""
    return review_turn({key: overall for key in SCORES}, **extra)


def version(text: str) -> Turn:
    return Turn(content=text, usage=(2_000, 500))


def versions(root: Path, stem: str) -> tuple[list[str], list[float]]:
    folder = root / ".kimi_writer" / "versions" / stem
    texts = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.md"))]
    overalls = [json.loads(path.read_text(encoding="utf-8"))["overall"] for path in sorted(folder.glob("*.json"))]
    return texts, overalls


def book(tmp_path: Path) -> Path:
    return write_sample_book(tmp_path / "projects")


def row(stdout: str, name: str) -> str:
    return next(line for line in stdout.splitlines() if name in line)


def test_a_higher_version_is_kept_and_a_lower_one_reverted_with_every_version_on_disk(tmp_path, server, run_cli):
    root = book(tmp_path)
    (root / "continuity.md").write_text("# Continuity\n\n## Open threads\n- Who moved the body (chapter 1)\n",
                                        encoding="utf-8")
    original = (root / "chapter_1.md").read_text(encoding="utf-8")
    issue = [{"quote": "dusk", "contradicts": "the timeline: it was noon"}]
    server.add(scored(5, continuity_issues=issue),  # no review yet: the chapter is reviewed first
               version("# Chapter 1: The Fog\n\nBetter.\n"), scored(7),  # round 1: higher, kept
               version("# Chapter 1: The Fog\n\nWorse.\n"), scored(6))  # round 2: lower, reverted
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "3")
    assert result.returncode == 0, result.stderr
    assert_clean_protocol(server)  # round 2 did not improve: a plateau, no round 3
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1: The Fog\n\nBetter.\n"
    texts, overalls = versions(root, "chapter_1")
    assert sorted(texts) == sorted([original, "# Chapter 1: The Fog\n\nBetter.\n", "# Chapter 1: The Fog\n\nWorse.\n"])
    assert sorted(overalls) == [5.0, 6.0, 7.0]
    saved = json.loads((root / ".kimi_writer" / "reviews" / "chapter_1.json").read_text(encoding="utf-8"))
    assert saved["overall"] == 7.0 and saved["sha256"] == hashlib.sha256(b"# Chapter 1: The Fog\n\nBetter.\n").hexdigest()
    line = row(result.stdout, "chapter_1.md")
    assert "5.0" in line and "7.0" in line and "kept" in line and "no better: stopped" in line
    writer_prompt = server.requests[1]["messages"][1]["content"]
    assert "open on Hale" in writer_prompt and "The fog came up the river at dusk." in writer_prompt
    assert '"dusk" contradicts the timeline: it was noon' in writer_prompt  # the continuity issues
    assert "Who moved the body" in writer_prompt and "a tapestry of bad habits" in writer_prompt  # ledger, bible
    assert "A body on the Embankment." in writer_prompt  # the outline entry
    assert "tool_choice" not in server.requests[1] and "tools" not in server.requests[1]
    assert "Tokens in 7,000, out 1,600" in result.stdout


def test_a_lower_first_version_is_reverted_and_stops_the_rounds(tmp_path, server, run_cli):
    root = book(tmp_path)
    original = (root / "chapter_1.md").read_text(encoding="utf-8")
    server.add(scored(6), version("# Chapter 1\n\nMuch worse.\n"), scored(4))
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "3")
    assert result.returncode == 0, result.stderr
    assert_clean_protocol(server)
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == original
    assert sorted(versions(root, "chapter_1")[0]) == sorted([original, "# Chapter 1\n\nMuch worse.\n"])
    assert "reverted" in row(result.stdout, "chapter_1.md")


def test_more_continuity_issues_is_not_better(tmp_path, server, run_cli):
    root = book(tmp_path)
    original = (root / "chapter_1.md").read_text(encoding="utf-8")
    issue = [{"quote": "Hale wore blue", "contradicts": "the ledger: Hale only wears grey"}]
    server.add(scored(6), version("# Chapter 1\n\nBlue.\n"), scored(9, continuity_issues=issue))
    assert run_cli("revise", str(root), "--chapters", "1").returncode == 0
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == original


def test_good_chapters_are_left_alone(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(scored(8))
    result = run_cli("revise", str(root), "--chapters", "1", "--below", "7.5")
    assert result.returncode == 0 and "good enough" in row(result.stdout, "chapter_1.md")
    assert_clean_protocol(server)


def test_the_authors_edit_is_never_replaced_without_force(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(scored(5))
    assert run_cli("review", str(root), "--chapters", "1").returncode == 0
    edited = "# Chapter 1: The Fog\n\nThe author's own words.\n"
    (root / "chapter_1.md").write_text(edited, encoding="utf-8")
    server.add(scored(5))  # the stale review is redone first
    result = run_cli("revise", str(root), "--chapters", "1", "--below", "9")
    assert result.returncode == 0, result.stderr
    assert "edited" in row(result.stdout, "chapter_1.md") and "--force" in result.stdout
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == edited
    again = run_cli("revise", str(root), "--chapters", "1", "--below", "9")  # still the author's: no call
    assert again.returncode == 0 and "edited" in row(again.stdout, "chapter_1.md")
    assert len(server.requests) == 2
    server.add(version("# Chapter 1: The Fog\n\nRevised anyway.\n"), scored(8))
    forced = run_cli("revise", str(root), "--chapters", "1", "--below", "9", "--force", "--rounds", "1")
    assert forced.returncode == 0, forced.stderr
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1: The Fog\n\nRevised anyway.\n"
    assert_clean_protocol(server)


def test_a_kept_version_is_remembered_as_the_agents_own(tmp_path, server, run_cli):
    root = book(tmp_path)
    text = (root / "chapter_1.md").read_text(encoding="utf-8")
    state = {"version": 1, "prompt": "p", "messages": [], "model": "kimi-k2.6", "base_url": "x",
             "file_hashes": {"chapter_1.md": hashlib.sha256(text.encode()).hexdigest()}}
    (root / ".kimi_writer").mkdir()
    (root / ".kimi_writer" / "session.json").write_text(json.dumps(state), encoding="utf-8")
    server.add(scored(5), version("# Chapter 1\n\nKept.\n"), scored(8))
    assert run_cli("revise", str(root), "--chapters", "1", "--rounds", "1").returncode == 0
    saved = json.loads((root / ".kimi_writer" / "session.json").read_text(encoding="utf-8"))
    assert saved["file_hashes"]["chapter_1.md"] == hashlib.sha256(b"# Chapter 1\n\nKept.\n").hexdigest()
    snapshot = root / ".kimi_writer" / "snapshots" / "chapter_1.md"
    assert snapshot.read_text(encoding="utf-8") == "# Chapter 1\n\nKept.\n"


def test_parallel_chapters_and_a_budget(tmp_path, server, run_cli):
    root = book(tmp_path)
    server.add(scored(8), scored(8), scored(8))
    result = run_cli("revise", str(root), "--parallel", "3")
    assert result.returncode == 0, result.stderr
    assert all("good enough" in row(result.stdout, name) for name in ("chapter_1.md", "chapter_02.md", "ch3.md"))
    stopped = run_cli("revise", str(book(tmp_path / "other")), "--max-tokens", "10")
    assert stopped.returncode == 5 and "budget" in stopped.stdout and "--max-tokens" in stopped.stdout
