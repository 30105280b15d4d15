"""The style guard: the banned-phrase list, `kimi-writer lint`, and what write_file tells the model."""

from __future__ import annotations

import json

import pytest

from kimi_writer.model.client import ToolCallRequest
from kimi_writer.book.project import Project
from kimi_writer.loop.instructions import system_prompt
from kimi_writer.guard.style import BUILTIN_FILE, banned_phrases, find_hits, parse_phrase_list
from kimi_writer.loop.tools import Workspace, execute
from tests.conftest import assert_clean_protocol
from tests.sample_book import run_offline, write_sample_book
from tests.scripted_server import Turn, tool_call

BRIEF = ["a testament to", "tapestry", "delve", "in the realm of", "little did she know", "a symphony of",
         "sent shivers down", "palpable tension", "couldn't help but", "a dance of", "the weight of the world",
         "barely above a whisper", "eyes sparkled with", "unbeknownst to", "it's important to note",
         "navigate the complexities"]


def test_the_builtin_list_ships_in_the_package_and_holds_the_well_known_phrases():
    assert BUILTIN_FILE.parent.name == "data" and BUILTIN_FILE.parent.parent.name == "kimi_writer"
    phrases = banned_phrases()
    assert set(BRIEF) <= set(phrases)
    assert len(phrases) >= 47 and len(set(phrases)) == len(phrases)


def test_phrase_lists_skip_comments_and_blank_lines_and_normalize():
    text = "# a comment\n\n  Inspector   HALE \nshe couldn’t\n# another\ninspector hale\n"
    assert parse_phrase_list(text) == ["inspector hale", "she couldn't"]


def test_matching_ignores_case_and_apostrophe_style_and_needs_whole_words():
    phrases = ["a testament to", "delve", "couldn't help but"]
    text = ("A Testament To patience.\n"
            "She delved, and delving, did not delve.\n"
            "He couldn’t help but\nlaugh; she couldn't help butter.\n")
    assert [(hit.phrase, hit.line) for hit in find_hits(text, phrases)] == [
        ("a testament to", 1), ("delve", 2), ("couldn't help but", 3)]


def test_a_phrase_broken_across_lines_is_found_on_the_line_it_starts():
    hits = find_hits("The bridge stood as a\ntestament to folly.\n", ["a testament to"])
    assert [(hit.line, hit.line_text) for hit in hits] == [(1, "The bridge stood as a")]


# --- kimi-writer lint ------------------------------------------------------------------------


def banned_lines(stdout: str) -> list[str]:
    """lint's banned-phrase lines, without the warnings of the mechanical checks that follow them."""
    return [line for line in stdout.splitlines() if ": warning: " not in line]


def test_lint_warns_about_stock_phrases_at_a_rate_novelists_do_not_reach(tmp_path):
    book = write_sample_book(tmp_path / "projects")
    (book / "chapter_1.md").write_text("# Chapter 1: The Fog\n\nA Tapestry of fog.\n\n"
                                       "Little did she know the tapestry was torn.\n", encoding="utf-8")
    result = run_offline(tmp_path, "lint", "Fog_Over_London")
    strict = run_offline(tmp_path, "lint", "Fog_Over_London", "--strict")

    assert result.returncode == 0 and strict.returncode == 1  # a warning; chapter_02's single "a testament to" is not
    assert [line for line in result.stdout.splitlines() if "stock phrase" in line] == [
        'chapter_1.md: warning: 3 stock phrases in 17 words (176.5 per 1,000 words): '
        '"tapestry" (lines 3, 5), "little did she know" (line 5)']


def test_lint_exits_0_on_a_clean_book_and_ignores_files_that_are_not_chapters(tmp_path):
    book = write_sample_book(tmp_path / "projects")  # characters.md says "tapestry": not a chapter
    (book / "chapters" / "chapter_02.md").write_text("# Chapter 2: The Docks\n\nHale lied.\n", encoding="utf-8")
    result = run_offline(tmp_path, "lint", str(book))

    assert result.returncode == 0, result.stderr
    assert "stock phrase" not in result.stdout and "error" not in result.stdout
    assert result.stderr.splitlines()[0].startswith(f"{len(result.stdout.splitlines())} finding")


def test_lint_honors_the_projects_own_list(tmp_path):
    book = write_sample_book(tmp_path / "projects")
    (book / "chapters" / "chapter_02.md").write_text("# Chapter 2: The Docks\n\nHale lied.\n", encoding="utf-8")
    (book / "banned_phrases.txt").write_text("# house style\nof course\nthe river\n", encoding="utf-8")
    result = run_offline(tmp_path, "lint", "Fog_Over_London")

    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if ": error: " in line] == [
        'chapter_1.md:3: error: banned phrase "the river"', 'ch3.md:3: error: banned phrase "of course"']


def test_lint_errors_are_one_sentence(tmp_path):
    unknown = run_offline(tmp_path, "lint", "Nowhere")
    assert unknown.returncode == 2
    assert unknown.stderr == ("Error: there is no project Nowhere; give a project folder, "
                              "or the name of a project under projects.\n")
    (tmp_path / "projects" / "Empty").mkdir(parents=True)
    empty = run_offline(tmp_path, "lint", "Empty")
    assert empty.returncode == 2 and empty.stderr.startswith("Error: ") and "has no chapter files yet" in empty.stderr


# --- write_file results ----------------------------------------------------------------------


def write(workspace: Workspace, filename: str, content: str, mode: str = "create") -> str:
    arguments = json.dumps({"filename": filename, "content": content, "mode": mode})
    return execute(ToolCallRequest(id="call_1", name="write_file", arguments=arguments), workspace).text


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    project, _ = Project.open_or_create(tmp_path, "Book")
    return Workspace(tmp_path, project=project)


def test_write_result_names_the_phrases_in_the_text_just_sent(workspace):
    write(workspace, "chapter_01.md", "It was a testament to nothing.\n")
    text = write(workspace, "chapter_01.md", "Then quiet.\nHis voice was barely above a whisper.\n", "append")
    assert text == (
        "Appended to chapter_01.md: it now holds 15 words.\n\n"
        "Banned stock phrases in the text you just sent (revise them: read the file, then write it again "
        "with mode 'overwrite'):\n"
        '- "barely above a whisper" on line 2 of this text: His voice was barely above a whisper.')


def test_write_result_uses_the_projects_own_list(workspace):
    (workspace.project.root / "banned_phrases.txt").write_text("inspector hale\n", encoding="utf-8")
    assert '"inspector hale" on line 1' in write(workspace, "notes.md", "Inspector Hale frowned.\n")
    listed = write(workspace, "banned_phrases.txt", "tapestry\n", "append")
    assert listed == "Appended to banned_phrases.txt: it now holds 3 words."  # the list is not prose


def test_write_result_reports_words_against_the_chapter_target(workspace):
    write(workspace, "outline.md", "# Fog\n\n1. **The Fog** — A body. (~3,000 words)\n2. **The Docks** — A lie.\n")
    assert write(workspace, "chapters/chapter_01.md", "word " * 1234).split("\n")[0] == (
        "Created chapters/chapter_01.md: it now holds 1,234 of the 3,000 words targeted for chapter 1.")
    assert write(workspace, "chapter_02.md", "one two\n") == "Created chapter_02.md: it now holds 2 words."
    workspace.chapter_words = 2500
    assert write(workspace, "chapter_02.md", "three", "append") == (
        "Appended to chapter_02.md: it now holds 3 of the 2,500 words targeted for chapter 2.")
    assert write(workspace, "notes.md", "four") == "Created notes.md: it now holds 1 words."


def test_system_prompt_lists_the_phrases_the_projects_own_too(tmp_path):
    plain = system_prompt(7)
    assert plain.startswith("You are kimi-writer") and "at most 7 replies" in plain
    listed = plain.rsplit("slip in: ", 1)[1].rstrip(".").split("; ")
    assert listed == list(banned_phrases())
    project = Project(tmp_path)
    (tmp_path / "banned_phrases.txt").write_text("inspector hale\n", encoding="utf-8")
    assert "; inspector hale." in system_prompt(7, project) and "inspector hale" not in plain


# --- end to end ------------------------------------------------------------------------------

OUTLINE = "# Fog\n\n1. **The Fog** — A body on the Embankment. (~3,000 words)\n"
CHAPTER = "# Chapter 1: The Fog\n\nThe lamp stood as a testament to the city's patience.\nThe tension was palpable.\n"


def test_the_model_is_told_the_list_and_the_phrases_it_wrote(server, run_cli, tmp_path):
    server.add(
        Turn(reasoning="plan", tool_calls=[tool_call("create_project", project_name="Fog")]),
        Turn(reasoning="outline", tool_calls=[tool_call("write_file", filename="outline.md", content=OUTLINE)]),
        Turn(reasoning="chapter", tool_calls=[tool_call("write_file", filename="chapter_01.md", content=CHAPTER)]),
        Turn(content="done"),
    )
    result = run_cli("write", "A foggy mystery")

    assert result.returncode == 0, result.stderr
    assert_clean_protocol(server)
    assert (tmp_path / "projects" / "Fog" / "chapter_01.md").read_text(encoding="utf-8") == CHAPTER
    assert ('wrote chapter_01.md: 19 of 3,000 words, stock phrases: "a testament to", "the tension was palpable"'
            in result.stdout)
    results = {m["tool_call_id"]: m["content"] for m in server.requests[3]["messages"] if m["role"] == "tool"}
    assert results["call_3"] == (
        "Created chapter_01.md: it now holds 19 of the 3,000 words targeted for chapter 1.\n\n"
        "Banned stock phrases in the text you just sent (revise them: read the file, then write it again "
        "with mode 'overwrite'):\n"
        "- \"a testament to\" on line 3 of this text: The lamp stood as a testament to the city's patience.\n"
        "- \"the tension was palpable\" on line 4 of this text: The tension was palpable.")


def test_a_single_stock_phrase_under_the_calibrated_rate_is_not_fed_back(workspace):
    from tests.checks_prose import FOG
    text = write(workspace, "chapter_01.md", FOG + "\nThe lamp stood as a testament to the city's patience.\n")
    first, index = text.split("\n\n")
    assert first == "Created chapter_01.md: it now holds 416 words."
    assert index.startswith("Slop index: ") and "lint warns from 6" in index
    assert "testament" not in text


def test_the_system_prompt_of_a_run_lists_the_banned_phrases(server, run_cli):
    server.add(Turn(content="Nothing to do."))
    assert run_cli("write", "x").returncode == 4  # a text answer with no project is not a book (issue 12)
    system = server.requests[0]["messages"][0]
    assert system["role"] == "system"
    assert system["content"] == system_prompt(300)
