"""A story collection is a collection: story files are parts of the book everywhere (issue 16)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx

from tests.sample_book import run_offline
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn
from tests.test_writer_e2e import writer_server

OUTLINE = """# Signals From the Quiet Earth

## Story 1 — The Signal (~3,000 words)
Mara hears a voice in the static. Opens the arc: the first contact.

## Story 2 — Quiet Earth
The radios fall silent. The middle of the arc.

Story 3: Homecoming
The voice comes home. Closes the arc.

## Story 4 — Last Light
Not written yet.
"""
TITLES = ["The Signal", "Quiet Earth", "Homecoming"]
FILES = {  # both naming schemes: story_NN[_slug].md at the top, stories/NN_slug.md and stories/story_NN.md
    "story_01.md": "# The Signal\n\nMara heard it at *midnight*, a voice like a tapestry of static.\n",
    "stories/02_quiet_earth.md": "# Story 2: Quiet Earth\n\nNobody spoke for a year.\n",
    "stories/story_03.md": "The voice came home, and she let us delve into it.\n",
}
IN_ORDER = ["story_01.md", "stories/02_quiet_earth.md", "stories/story_03.md"]


def write_collection(root: Path) -> Path:
    project = root / "projects" / "Signals"
    (project / "stories").mkdir(parents=True)
    (project / "outline.md").write_text(OUTLINE, encoding="utf-8")
    (project / "world.md").write_text("# World\n\nThe radios hear what the sky says.\n", encoding="utf-8")
    for name, text in FILES.items():
        (project / name).write_text(text, encoding="utf-8")
    return project


def test_status_counts_stories_in_outline_order(tmp_path):
    write_collection(tmp_path)
    result = run_offline(tmp_path, "status", "Signals")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if re.match(r"^│ \d ", line)]
    assert [row.split("│")[3].strip() for row in rows] == [*IN_ORDER, "not written"]
    assert [row.split("│")[2].strip() for row in rows] == [*TITLES, "Last Light"]
    assert "│  3,000 │" in rows[0]
    assert "Written: 3 of 4 planned stories (75% of the outline), 36 words in stories." in result.stdout
    assert "chapter" not in result.stdout.lower()


def test_lint_checks_every_story_in_book_order(tmp_path):
    project = write_collection(tmp_path)
    (project / "banned_phrases.txt").write_text("tapestry\ndelve\n", encoding="utf-8")
    result = run_offline(tmp_path, "lint", "Signals")
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]  # checks: test_checks_lint.py
    assert errors == ['story_01.md:3: error: banned phrase "tapestry"', 'stories/story_03.md:1: error: banned phrase "delve"']


def test_md_export_lists_the_stories_by_title_with_no_chapter_numbers(tmp_path):
    project = write_collection(tmp_path)
    result = run_offline(tmp_path, "export", "Signals", "--format", "md")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "  1. The Signal (story_01.md): 15 words",
        "  2. Quiet Earth (stories/02_quiet_earth.md): 10 words",
        "  3. Homecoming (stories/story_03.md): 11 words",
        "3 stories, 36 words.",
        "In the outline but not written yet: 4. Last Light",
    ]
    text = (project / "Signals.md").read_text(encoding="utf-8")
    assert "## Contents\n\n- The Signal\n- Quiet Earth\n- Homecoming\n" in text
    assert re.findall(r"^# (.+)$", text, re.M) == ["Signals From the Quiet Earth", *TITLES]
    assert "Chapter" not in text and "Story 2" not in text
    assert text.index("Mara heard it") < text.index("Nobody spoke") < text.index("The voice came home")


def test_html_contents_and_sections_follow_the_stories(tmp_path):
    project = write_collection(tmp_path)
    assert run_offline(tmp_path, "export", "Signals", "--format", "html").returncode == 0
    page = (project / "Signals.html").read_text(encoding="utf-8")
    contents = re.findall(r'<li><a href="#[\w-]+">([^<]+)</a></li>', page)
    sections = re.findall(r'<section class="chapter" id="[\w-]+">\s*<h1>([^<]+)</h1>', page)
    assert contents == TITLES and sections == TITLES
    assert "Chapter" not in page


def test_epub_nav_and_pages_follow_the_stories(tmp_path):
    project = write_collection(tmp_path)
    assert run_offline(tmp_path, "export", "Signals", "--format", "epub").returncode == 0
    with zipfile.ZipFile(project / "Signals.epub") as book:
        names = book.namelist()
        nav = book.read(next(n for n in names if n.endswith("nav.xhtml"))).decode()
        pages = [book.read(n).decode() for n in sorted(names) if re.search(r"chapter_\d+\.xhtml$", n)]
    assert re.findall(r'<a href="chapter_\d+\.xhtml">([^<]+)</a>', nav) == TITLES
    assert [re.search(r"<h1>([^<]+)</h1>", page).group(1) for page in pages] == TITLES
    assert "Chapter" not in nav + "".join(pages)


def test_docx_export_opens_each_story_on_its_own_title(tmp_path):
    project = write_collection(tmp_path)
    assert run_offline(tmp_path, "export", "Signals", "--format", "docx").returncode == 0
    paragraphs = docx.Document(str(project / "Signals.docx")).paragraphs
    headings = [p.text for p in paragraphs if p.paragraph_format.page_break_before]
    assert headings == TITLES
    assert not any("Chapter" in p.text for p in paragraphs)


def test_a_novel_with_chapter_files_still_says_chapters(tmp_path):
    project = tmp_path / "projects" / "Novel"
    project.mkdir(parents=True)
    (project / "outline.md").write_text("# Novel\n\n1. **The Fog** — A body.\n2. **The Docks** — A lie.\n")
    (project / "chapter_01.md").write_text("The fog came up the river.\n")
    status = run_offline(tmp_path, "status", "Novel")
    assert "Written: 1 of 2 planned chapters (50% of the outline), 6 words in chapters." in status.stdout
    export = run_offline(tmp_path, "export", "Novel", "--format", "md")
    assert "  1. Chapter 1: The Fog (chapter_01.md): 6 words" in export.stdout
    assert "1 chapter, 6 words." in export.stdout


def test_draft_takes_story_numbers_and_writes_story_files(server, run_cli, tmp_path):
    project = write_collection(tmp_path)
    writer = writer_server(Turn(content="# Last Light\n\nThe last lamp on the last station went out.\n"))
    try:
        result = run_cli("draft", "Signals", "--chapters", "4", "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url)
    finally:
        writer.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "story_04.md").read_text().startswith("# Last Light\n")
    assert not (project / "chapter_04.md").exists()
    missing = run_cli("draft", "Signals", "--chapters", "9")
    assert missing.returncode == 2
    assert "the outline has no story 9; see kimi-writer status." in missing.stderr


def test_a_collection_run_is_taught_story_files_and_its_context_lists_stories(server, run_cli, tmp_path):
    story = "# The Signal\n\n" + "Mara listened to the static until the static listened back. " * 60 + "\n"
    server.add(
        tool_turn(tool_call("create_project", project_name="Signals")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE)),
        tool_turn(tool_call("write_file", filename="story_01.md", content=story, summary="Mara hears a voice.")),
        tool_turn(tool_call("write_file", filename="story_02.md", content="# Quiet Earth\n\nSilence.\n")),
        Turn(content="done"),
    )
    result = run_cli("write", "A collection of 4 short stories")
    assert result.returncode == 6, result.stdout + result.stderr  # stories 3 and 4 unwritten (issue 29)
    assert "Finished, but 2 of 4 planned stories are not written (stories 3 and 4)" in result.stdout
    system = server.requests[0]["messages"][0]["content"]
    assert "`story_01.md`" in system and "`# The Signal`" in system and "story bible" in system
    messages = server.requests[3]["messages"]  # answered by the write of story_02.md
    memory, context = messages[2]["content"], messages[-1]["content"]  # the book's memory comes first (issue 26)
    assert memory.startswith("[Book memory]") and context.startswith("[Book context]")
    assert "## Stories written\n- story_01.md (" in memory and "Mara hears a voice." in memory
    assert "## End of" not in context and "until the static listened back" not in memory + context


def test_the_demo_collection_writes_five_stories_and_exports_a_manuscript(server, run_cli, tmp_path):
    from tests.demo_server import STORIES, collection_turns

    server.add(*collection_turns(0.0))
    result = run_cli("write", "A collection of 5 short stories")
    assert result.returncode == 0, result.stdout + result.stderr
    status = run_cli("status", "Signals_From_the_Quiet_Earth")
    assert "The book is finished: all 5 planned stories are written." in status.stdout
    export = run_cli("export", "Signals_From_the_Quiet_Earth", "--format", "docx", "--author", "Mara Quill")
    assert export.returncode == 0, export.stderr
    titles = ["The Signal", "Quiet Earth", "The Cartographer", "Low Tide", "Homecoming"]
    assert [line.split(" (")[0] for line in export.stdout.splitlines()[1:6]] == [
        f"  {n}. {title}" for n, title in enumerate(titles, start=1)]
    document = docx.Document(str(tmp_path / "projects/Signals_From_the_Quiet_Earth/Signals_From_the_Quiet_Earth.docx"))
    assert [p.text for p in document.paragraphs if p.paragraph_format.page_break_before] == titles
    assert [name for name, _ in STORIES] == [f"story_{n:02d}.md" for n in range(1, 6)]


def test_the_outline_plans_stories_in_every_form():
    from kimi_writer.book.outline import parse_outline

    forms = [
        "## Story 1 — The Signal (~3,000 words)\nA voice.\n\n## Story 2: Quiet Earth\nSilence.\n",
        "Story 1: The Signal (~3,000 words)\nA voice.\n\n**Story 2 — Quiet Earth**\nSilence.\n",
        "1. Story 1: The Signal — A voice. (~3,000 words)\n2. Story 2 — Quiet Earth: Silence.\n",
        "## Stories\n\n1. **The Signal** — A voice. (~3,000 words)\n2. **Quiet Earth** — Silence.\n",
    ]
    for form in forms:
        entries = parse_outline("# Signals\n\n" + form)
        assert [(e.number, e.title, e.kind) for e in entries] == [(1, "The Signal", "story"), (2, "Quiet Earth", "story")]
        assert entries[0].target_words == 3000 and entries[0].synopsis == "A voice."
    novel = parse_outline("# Fog\n\n## The story\n\n1. **The Fog** — A body.\n")
    assert [(e.title, e.kind) for e in novel] == [("The Fog", "chapter")]


def test_story_file_names_are_parts_numbered_like_chapters():
    from kimi_writer.book.outline import chapter_number, is_chapter_file, is_story_file

    for name, number in [("story_01.md", 1), ("story_02_the_signal.md", 2), ("stories/03_quiet_earth.md", 3),
                         ("stories/story_04.md", 4), ("part_05.md", 5), ("chapter_06.md", 6)]:
        assert chapter_number(name) == number and is_chapter_file(name), name
    assert is_story_file("stories/03_quiet_earth.md") and not is_story_file("part_05.md")
    for name in ("story_bible.md", "storyline.md", "world.md", "03_notes.md", "party_3.md"):
        assert chapter_number(name) is None and not is_chapter_file(name), name


def test_only_a_book_of_stories_pays_for_the_collection_rules(tmp_path):
    from kimi_writer.loop.instructions import system_prompt
    from kimi_writer.book.project import Project

    rules = "Save the stories as `story_01.md`"
    assert rules not in system_prompt(300, prompt="A 5-chapter mystery set in foggy London")
    assert rules in system_prompt(300, prompt="A collection of 15 sci-fi short stories")
    assert rules in system_prompt(300, prompt="An anthology of ghost tales")
    collection = Project(write_collection(tmp_path))  # resumed: the outline plans stories
    assert rules in system_prompt(300, collection, prompt="Something else entirely")
