"""Hardening: `review --mechanical-only` of a few chapters checks them alone, the rest of the book through
an index of its phrases, with the same findings as checking the whole book (issue 28, part 5)."""

from __future__ import annotations

import random
import subprocess
import time

from bench.lint_speed import chapter, write_long_book
from kimi_writer.book.project import Project
from kimi_writer.guard.checks import check_project
from kimi_writer.guard.ngram_index import check_chosen
from tests.conftest import CLI, clean_env


def long_book(root, chapters: int, words: int) -> Project:
    return Project(write_long_book(root, chapters, words))


def test_the_chosen_chapters_have_the_findings_of_the_whole_books_check(tmp_path):
    project = long_book(tmp_path / "Book", 12, 800)
    whole = {report.name: report for report in check_project(project)}
    chosen = ["chapter_003.md", "chapter_010.md"]
    for attempt in range(2):  # the index built, then read
        reports = check_chosen(project, chosen)
        assert [report.name for report in reports] == chosen
        assert reports == [whole[name] for name in chosen]
        assert any(f.kind == "recurring_phrase" for report in reports for f in report.findings)
    assert len(list((project.state_dir / "ngrams").glob("*.txt"))) == 10


def test_checking_one_chapter_of_an_indexed_book_takes_the_time_of_one_chapter(tmp_path):
    small, large = long_book(tmp_path / "Small", 10, 1_500), long_book(tmp_path / "Large", 40, 1_500)
    for project in (small, large):
        check_chosen(project, ["chapter_005.md"])  # builds the index
    times = []
    for project in (small, large):
        start = time.perf_counter()
        check_chosen(project, ["chapter_005.md"])
        times.append(time.perf_counter() - start)
    assert times[1] <= 6 * max(times[0], 0.05), times


def test_the_commands_that_call_no_model_start_without_loading_the_model_client(tmp_path):
    """`review --mechanical-only` must start in well under a second: the openai SDK alone takes about
    half of one to import. Here it cannot be imported at all, and the commands that call no model work."""
    blocked = tmp_path / "blocked" / "openai"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text('raise ImportError("the model client was loaded")\n', encoding="utf-8")
    long_book(tmp_path / "projects" / "Book", 4, 300)
    env = clean_env(tmp_path, PYTHONPATH=str(blocked.parent))
    commands = [["review", "Book", "--mechanical-only", "--chapters", "2"], ["status", "Book"], ["list"],
                ["lint", "Book"], ["export", "Book", "--format", "md"], ["status", "--help"]]
    for command in commands:
        done = subprocess.run([str(CLI), *command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), (command, done.stderr)  # lint exits 1 on an error finding
        assert "model client was loaded" not in done.stderr + done.stdout, command
    assert (tmp_path / "projects" / "Book" / "Book.md").is_file()
    refused = subprocess.run([str(CLI), "review", "Book"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
    assert "model client was loaded" in refused.stderr  # the blocker works: the critic does need it


EDGES = """# Chapter 9: The *Fog* Returns

"Well?" Hale said. He said the fog came up the river, and the fog came up the river again.
The fog came up
the river at dusk — the fog came up the river; the *fog came up the* river.
’Twas the fog’s own hour, said Mara: the fog’s own hour, the fog’s own hour.

* * *

1,200 men and 1,200 horses crossed the bridge at noon; snake_case words_here crossed the bridge.
Dr. Hale crossed the bridge. The Bridge at Noon. the bridge at noon.

Marsh lanterns drifted

silently over black water
"""


def test_the_index_finds_the_same_distinctive_phrases_as_the_chapter_check():
    """The index's fast reading (one regex) against the tokens the chapter check uses, on hard cases
    and on every tenth text of the corpus when it is there."""
    from kimi_writer.guard.detect import _distinctive, ngrams, tokens
    from kimi_writer.guard.ngram_index import _JOIN, _phrases
    from kimi_writer.guard.sentences import split_sentences
    from tests.corpus import corpus_dir

    root = corpus_dir()
    texts = [EDGES, chapter(random.Random(3), 1, 800)]
    if root is not None:
        texts += [path.read_text(encoding="utf-8", errors="replace") for path in sorted(root.rglob("*"))[::10]
                  if path.suffix in (".md", ".txt") and "zh" not in path.relative_to(root).parts]
    for text in texts:
        found = tokens(split_sentences(text))
        assert _phrases(text) == {_JOIN.join(gram) for gram in _distinctive(found, ngrams(found))}
    assert _JOIN.join(("the", "fog", "came", "up")) in _phrases(EDGES)
    assert _JOIN.join(("lanterns", "drifted", "silently", "over")) not in _phrases(EDGES)  # a paragraph between


def test_the_critic_of_one_chapter_gets_its_flags_through_the_index_not_a_whole_book_check(tmp_path, server, run_cli):
    from tests.test_review import review_turn

    project = long_book(tmp_path / "projects" / "Book", 12, 800)
    server.add(review_turn())
    result = run_cli("review", "Book", "--chapters", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list((project.state_dir / "ngrams").glob("*.txt"))) == 11  # the other chapters, indexed
    request = server.requests[0]["messages"][1]["content"]
    lines = run_cli("review", "Book", "--chapters", "3", "--mechanical-only").stdout.splitlines()
    recurring = [line.split(": warning: ", 1)[1] for line in lines if "recurs in" in line]
    assert recurring and all(line in " ".join(request.split()) for line in recurring)


def test_the_index_keeps_only_the_entries_of_the_chapters_as_they_are(tmp_path):
    project = long_book(tmp_path / "Book", 6, 400)
    check_chosen(project, ["chapter_001.md"])
    index = project.state_dir / "ngrams"
    before = {path.name for path in index.glob("*.txt")}
    (project.root / "chapter_004.md").write_text("# Chapter 4\n\nThe bell rang twice over the harbour wall.\n",
                                                 encoding="utf-8")
    check_chosen(project, ["chapter_001.md"])
    after = {path.name for path in index.glob("*.txt")}
    assert len(before) == len(after) == 5 and len(before - after) == 1  # chapter 4's old text is gone
    check_chosen(project, [f"chapter_{n:03d}.md" for n in range(1, 7)])  # the whole book chosen: nothing read
    assert {path.name for path in index.glob("*.txt")} == after  # nor removed


def test_a_chapter_written_by_the_planner_is_indexed_as_it_is_written(tmp_path, server, run_cli):
    from tests.scripted_server import Turn, tool_call

    texts = [chapter(random.Random(n), n, 300) for n in (1, 2, 3)]
    server.add(Turn(reasoning="r", tool_calls=[tool_call("create_project", project_name="Written")]),
               *[Turn(reasoning="r", tool_calls=[tool_call("write_file", filename=f"chapter_{n:02d}.md", content=text)])
                 for n, text in enumerate(texts, 1)])
    assert run_cli("write", "x", "--max-iterations", "4").returncode == 3
    index = tmp_path / "projects" / "Written" / ".kimi_writer" / "ngrams"
    entries = {path.name: path.stat().st_mtime_ns for path in index.glob("*.txt")}
    assert len(entries) == 3
    assert run_cli("review", "Written", "--mechanical-only", "--chapters", "2").returncode == 0
    assert {path.name: path.stat().st_mtime_ns for path in index.glob("*.txt")} == entries  # read, not built again
