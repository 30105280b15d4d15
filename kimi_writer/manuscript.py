"""The book as a reader gets it: its title and its chapters in order, read from a project folder.

Order: the outline's entries as written, each matched to the chapter file with its number; then
chapter files the outline does not name, by their number. Without an outline, chapters go by the
number in their file names. `prologue*.md` comes first and `epilogue*.md` last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .errors import UserError
from .outline import OutlineEntry, chapter_number, load_outline, outline_title, parse_outline, read_outline
from .project import FileInfo, Project, count_words

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Chapter:
    """One chapter file and what the reader sees of it."""

    name: str  # the file, relative to the project
    title: str  # "Chapter 1: The Fog": the file's own heading, else from the outline
    text: str  # Markdown, starting with a heading (one is added when the file has none)
    words: int  # in the file as written


@dataclass(frozen=True)
class Manuscript:
    title: str
    chapters: list[Chapter]
    unwritten: list[OutlineEntry] = field(default_factory=list)  # outline entries with no file
    skipped: list[str] = field(default_factory=list)  # files whose chapter number another file has

    @property
    def words(self) -> int:
        return sum(chapter.words for chapter in self.chapters)


def _stem(name: str) -> str:
    return PurePosixPath(name).stem.lower()


def chapter_files(project: Project) -> list[tuple[int | None, FileInfo]]:
    """(number, file) of each chapter file by number; prologue (None) first, epilogue (None) last."""
    files = project.files()
    front = [(None, f) for f in files if _stem(f.name).startswith("prologue")]
    back = [(None, f) for f in files if _stem(f.name).startswith("epilogue")]
    numbered: dict[int, FileInfo] = {}
    for info in sorted(files, key=lambda f: (f.name.count("/"), f.name)):
        number = chapter_number(info.name)
        if number is not None and info.name != f"{project.name}.md":
            numbered.setdefault(number, info)  # chapter_01.md wins over chapters/chapter_01.md
    return front + sorted(numbered.items()) + back


def book_order(project: Project, entries: list[OutlineEntry]) -> list[tuple[FileInfo, OutlineEntry | None]]:
    """The chapter files in reading order, each with its outline entry (if any)."""
    files = chapter_files(project)
    by_number = {number: info for number, info in files if number is not None}
    planned = [(by_number[e.number], e) for e in entries if e.number in by_number]
    placed = {info.name for info, _ in planned}
    rest = [(info, None) for _, info in files if info.name not in placed]
    front = [pair for pair in rest if _stem(pair[0].name).startswith("prologue")]
    return front + planned + [pair for pair in rest if pair not in front]


def reading_order(project: Project) -> tuple[str, list[tuple[FileInfo, OutlineEntry | None]]]:
    """(the outline's text, the chapter files in book order); UserError when there are none."""
    outline = read_outline(project)
    order = book_order(project, parse_outline(outline))
    if not order:
        raise UserError(f"{project.root} has no chapter files yet (files named like chapter_01.md, "
                        "chapters/chapter_01.md or ch01.md).")
    return outline, order


def _chapter(project: Project, info: FileInfo, entry: OutlineEntry | None) -> Chapter:
    text = (project.read_if_file(info.name) or "").strip()  # never through a link that leads outside
    first_line = text.split("\n", 1)[0]
    heading = _HEADING.match(first_line)
    if heading:
        return Chapter(info.name, heading.group(1).replace("*", "").strip(), text + "\n", count_words(text))
    number = chapter_number(info.name)
    if entry is not None and entry.title:
        title = f"Chapter {entry.number}: {entry.title}"
    elif number is not None:
        title = f"Chapter {number}"
    else:
        title = PurePosixPath(info.name).stem.replace("_", " ").title()
    return Chapter(info.name, title, f"# {title}\n\n{text}\n", count_words(text))


def load_manuscript(project: Project) -> Manuscript:
    """The project's book; UserError when it has no chapter files."""
    outline, order = reading_order(project)
    written = {entry.number for _, entry in order if entry is not None}
    used = {info.name for info, _ in order}
    return Manuscript(
        title=outline_title(outline) or project.name.replace("_", " "),
        chapters=[_chapter(project, info, entry) for info, entry in order],
        unwritten=[entry for entry in parse_outline(outline) if entry.number not in written],
        skipped=[f.name for f in project.files() if chapter_number(f.name) is not None and f.name not in used
                 and f.name != f"{project.name}.md"],
    )


def unwritten_chapters(project: Project) -> tuple[list[int], int]:
    """The outline's chapter numbers that have no file yet, and how many chapters it plans."""
    planned = [entry.number for entry in load_outline(project)]
    written = {number for number, _ in chapter_files(project)}
    return [number for number in planned if number not in written], len(set(planned))
