"""Parsing outline.md into chapter entries, and matching chapter files by number."""

from __future__ import annotations

import pytest

from kimi_writer.book.outline import OutlineEntry, chapter_number, chapter_target, outline_title, parse_outline
from kimi_writer.book.project import Project


def test_bold_titles_with_dashes_the_form_the_system_prompt_teaches():
    text = ("# Fog Over London\n\n"
            "1. **The Fog** — A body on the Embankment. (~3,000 words)\n"
            "2. **The Docks** – Hale does not believe the clerk.\n"
            "3. **The Reveal.** It was the brother.\n")
    assert parse_outline(text) == [
        OutlineEntry(1, "The Fog", "A body on the Embankment.", 3000),
        OutlineEntry(2, "The Docks", "Hale does not believe the clerk.", None),
        OutlineEntry(3, "The Reveal", "It was the brother.", None),
    ]


def test_colon_and_hyphen_separators_and_word_targets():
    text = ("1. The Fog: A body on the Embankment. (3000 words)\n"
            "2. The Docks - Hale lies (about 2,500 words) to the clerk.\n"
            "3) Chapter 3: The Reveal — It was the brother. (~4k words)\n")
    assert parse_outline(text) == [
        OutlineEntry(1, "The Fog", "A body on the Embankment.", 3000),
        OutlineEntry(2, "The Docks", "Hale lies to the clerk.", 2500),
        OutlineEntry(3, "The Reveal", "It was the brother.", 4000),
    ]


def test_a_title_alone_and_a_target_before_the_synopsis():
    text = "1. **The Fog** (~3,000 words) — A body.\n2. The Docks\n3. Twenty-One Steps\n"
    assert parse_outline(text) == [
        OutlineEntry(1, "The Fog", "A body.", 3000),
        OutlineEntry(2, "The Docks", "", None),
        OutlineEntry(3, "Twenty-One Steps", "", None),
    ]


def test_indented_and_continuation_lines_join_the_synopsis_other_text_does_not():
    text = ("# Outline\n\nThe plan for the book.\n\n"
            "1. **The Fog** — A body.\n"
            "   - Hale arrives.\n"
            "   1. The ladder.\n"
            "2. **The Docks** — A lie\n"
            "told to the clerk.\n\n"
            "Themes: guilt.\n\n"
            "## Characters\n"
            "- Hale\n")
    assert parse_outline(text) == [
        OutlineEntry(1, "The Fog", "A body. Hale arrives. The ladder.", None),
        OutlineEntry(2, "The Docks", "A lie told to the clerk.", None),
    ]


def test_chapter_headings_with_synopsis_lines():
    text = ("# The Lamplighter's Debt\n\n"
            "## Chapter 1: The Fog (~3,000 words)\n"
            "A body on the Embankment.\n"
            "1. Hale arrives.\n"
            "2. The ladder.\n\n"
            "## Chapter Two — The Docks\n"
            "Hale does not believe the clerk.\n"
            "(2,000 words)\n\n"
            "## Characters\n"
            "Hale is tall.\n\n"
            "### Chapter 3 - The Reveal\n"
            "It was the brother.\n")
    assert parse_outline(text) == [
        OutlineEntry(1, "The Fog", "A body on the Embankment. Hale arrives. The ladder.", 3000),
        OutlineEntry(2, "The Docks", "Hale does not believe the clerk.", 2000),
        OutlineEntry(3, "The Reveal", "It was the brother.", None),
    ]


def test_repeated_numbers_mean_position_and_the_written_order_is_kept():
    assert [e.number for e in parse_outline("1. A\n1. B\n1. C\n")] == [1, 2, 3]
    assert [(e.number, e.title) for e in parse_outline("2. B\n1. A\n")] == [(2, "B"), (1, "A")]


def test_numbered_lists_under_several_headings():
    numbered_sections = "## 1. Premise\nA mystery.\n\n## 2. Chapters\n1. **A** — a.\n2. **B** — b.\n"
    assert [(e.number, e.title) for e in parse_outline(numbered_sections)] == [(1, "A"), (2, "B")]
    characters_first = ("## Characters\n1. **Hale** — an inspector.\n2. **Ada** — his sister.\n\n"
                        "## Chapter Outline\n1. **The Fog** — a body.\n2. **The Docks** — a lie.\n")
    assert [(e.number, e.title) for e in parse_outline(characters_first)] == [(1, "The Fog"), (2, "The Docks")]
    parts_continuing = "## Part One\n1. A\n2. B\n## Part Two\n3. C\n"
    assert [(e.number, e.title) for e in parse_outline(parts_continuing)] == [(1, "A"), (2, "B"), (3, "C")]
    parts_restarting = "## Part One\n1. A\n2. B\n## Part Two\n1. C\n"
    assert [(e.number, e.title) for e in parse_outline(parts_restarting)] == [(1, "A"), (2, "B"), (3, "C")]


def test_text_with_no_entries_gives_none():
    assert parse_outline("") == []
    assert parse_outline("# Outline\n\nA mystery in three parts.\n- one\n- two\n") == []


@pytest.mark.parametrize("heading, title", [
    ("# Fog Over London", "Fog Over London"),
    ("# Outline", None),
    ("# Book Outline", None),
    ("# Outline: Fog Over London", "Fog Over London"),
    ("# Fog Over London — Outline", "Fog Over London"),
    ("# Fog Over London (Outline)", "Fog Over London"),
    ("# **Fog Over London**", "Fog Over London"),
    ("## Not the title", None),
])
def test_outline_title(heading, title):
    assert outline_title(f"{heading}\n\n1. A\n") == title


@pytest.mark.parametrize("name, number", [
    ("chapter_01.md", 1), ("chapter_1.md", 1), ("chapters/chapter_01.md", 1), ("ch01.md", 1),
    ("Chapter 12.md", 12), ("chapter-03-the-fog.md", 3), ("CH7.txt", 7),
    ("chapters.md", None), ("characters.md", None), ("outline.md", None), ("ch.md", None),
])
def test_chapter_number_from_the_file_name(name, number):
    assert chapter_number(name) == number


def test_chapter_target_flag_beats_outline(tmp_path):
    project = Project(tmp_path)
    assert chapter_target(project, "chapter_01.md") is None
    (tmp_path / "outline.md").write_text("1. **A** — a. (~3,000 words)\n2. **B** — b.\n", encoding="utf-8")
    assert chapter_target(project, "chapters/chapter_01.md") == 3000
    assert chapter_target(project, "chapter_02.md") is None
    assert chapter_target(project, "chapter_02.md", chapter_words=1500) == 1500
    assert chapter_target(project, "notes.md", chapter_words=1500) is None
