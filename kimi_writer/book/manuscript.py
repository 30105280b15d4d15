"""The book as a reader gets it: its title and its parts (chapters, or the stories of a
collection) in order, read from a project folder.

Order: the outline's entries as written, each matched to the chapter file with its number; then
chapter files the outline does not name, by their number. Without an outline, chapters go by the
number in their file names. `prologue*.md` comes first and `epilogue*.md` last. A story file
(`story_01.md`, `stories/01_the_signal.md`) is a part like a chapter file, and a story's title is
its own, with no "Story N" or "Chapter N" added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from ..core.errors import UserError
from .outline import (OutlineEntry, chapter_number, is_collection, load_outline, outline_title, parse_outline,
                      part_noun, read_outline, without_part_label)
from ..core.language import primary
from .chinese import chapter_heading
from .language import book_language
from .project import FileInfo, Project, count_words

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Chapter:
    """One part file (a chapter or a story) and what the reader sees of it."""

    name: str  # the file, relative to the project
    title: str  # "Chapter 1: The Fog" or a story's "The Signal": the file's own heading, else from the outline
    text: str  # Markdown, starting with a heading (one is added when the file has none)
    words: int  # in the file as written


@dataclass(frozen=True)
class Manuscript:
    title: str
    chapters: list[Chapter]
    unwritten: list[OutlineEntry] = field(default_factory=list)  # outline entries with no file
    skipped: list[str] = field(default_factory=list)  # files whose chapter number another file has
    collection: bool = False  # its parts are stories
    language: str = "en"  # the book's BCP 47 tag

    @property
    def words(self) -> int:
        return sum(chapter.words for chapter in self.chapters)

    def noun(self, count: int) -> str:
        """"story"/"stories" for a collection, else "chapter"/"chapters"."""
        return part_noun(self.collection, count)


@lru_cache(maxsize=4096)
def _stem(name: str) -> str:
    return PurePosixPath(name).stem.lower()


def chapter_files(project: Project, files: list[FileInfo] | None = None) -> list[tuple[int | None, FileInfo]]:
    """(number, file) of each chapter file by number; prologue (None) first, epilogue (None) last
    (among `files` when the caller has listed them already)."""
    files = project.files() if files is None else files
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


def project_is_collection(project: Project, entries: list[OutlineEntry] | None = None) -> bool:
    """Whether the project's book is a collection of stories (see outline.is_collection)."""
    entries = parse_outline(read_outline(project)) if entries is None else entries
    return is_collection(entries, [info.name for _, info in chapter_files(project)])


def _chapter_title(number: int, title: str, language: str) -> str:
    """"Chapter 3: Title", or in Chinese and Japanese "第三章 Title"."""
    if primary(language) in ("zh", "ja"):
        return chapter_heading(number, title)
    return f"Chapter {number}: {title}" if title else f"Chapter {number}"


def _untitled(name: str, number: int | None, collection: bool, language: str = "en") -> str:
    """The title of a part whose file has no heading and whose outline entry no title."""
    if not collection:
        return _chapter_title(number, "", language) if number is not None else PurePosixPath(name).stem.replace("_", " ").title()
    slug = re.sub(r"^(?:story|part)?[\s_.-]*\d*[\s_.-]*", "", PurePosixPath(name).stem, flags=re.I)
    return slug.replace("_", " ").strip().title() or (f"Story {number}" if number is not None else name)


def _chapter(project: Project, info: FileInfo, entry: OutlineEntry | None, collection: bool = False,
             language: str = "en") -> Chapter:
    text = (project.read_if_file(info.name) or "").strip()  # never through a link that leads outside
    first_line = text.split("\n", 1)[0]
    heading = _HEADING.match(first_line)
    if heading and collection:
        title = without_part_label(heading.group(1).replace("*", "").strip())
        body = text.split("\n", 1)[1] if "\n" in text else ""
        return Chapter(info.name, title, f"# {title}\n{body}\n", count_words(text))
    if heading:
        return Chapter(info.name, heading.group(1).replace("*", "").strip(), text + "\n", count_words(text))
    if entry is not None and entry.title:
        title = entry.title if collection else _chapter_title(entry.number, entry.title, language)
    else:
        title = _untitled(info.name, chapter_number(info.name), collection, language)
    return Chapter(info.name, title, f"# {title}\n\n{text}\n", count_words(text))


def load_manuscript(project: Project) -> Manuscript:
    """The project's book; UserError when it has no chapter files."""
    outline, order = reading_order(project)
    written = {entry.number for _, entry in order if entry is not None}
    used = {info.name for info, _ in order}
    collection = project_is_collection(project, parse_outline(outline))
    language = book_language(project)
    return Manuscript(
        title=outline_title(outline) or project.name.replace("_", " "),
        chapters=[_chapter(project, info, entry, collection, language) for info, entry in order],
        collection=collection, language=language,
        unwritten=[entry for entry in parse_outline(outline) if entry.number not in written],
        skipped=[f.name for f in project.files() if chapter_number(f.name) is not None and f.name not in used
                 and f.name != f"{project.name}.md"],
    )


def unwritten_chapters(project: Project) -> tuple[list[int], int]:
    """The outline's chapter numbers that have no file yet, and how many chapters it plans."""
    planned = [entry.number for entry in load_outline(project)]
    written = {number for number, _ in chapter_files(project)}
    return [number for number in planned if number not in written], len(set(planned))


def _numbered(noun: str, first: int, last: int) -> str:
    """"chapter 9", or "chapters 4 to 10000000"."""
    if first == last:
        return f"{noun} {first}"
    return f"{'stories' if noun == 'story' else 'chapters'} {first} to {last}"


def parse_chapters(spec: str | None, entries: list[OutlineEntry]) -> list[OutlineEntry]:
    """'3-8', '2,5,7' or '4' -> those outline entries (chapters or stories); None -> every entry."""
    if spec is None:
        return entries
    numbers = chapter_numbers(spec, {entry.number for entry in entries}, _noun(entries))
    return [entry for entry in entries if entry.number in numbers]


def _noun(entries: list[OutlineEntry]) -> str:
    return "story" if any(entry.kind == "story" for entry in entries) else "chapter"


def chapter_numbers(spec: str, known: set[int], noun: str = "chapter", where: str = "the outline") -> set[int]:
    """The numbers '3-8', '2,5,7' or '4' names, each one of `known`; else UserError naming `where`."""
    highest, numbers = max(known, default=0), set()
    for part in spec.split(","):
        match = re.fullmatch(r"\s*(\d{1,9})\s*(?:-\s*(\d{1,9})\s*)?", part)
        if not match:
            raise UserError(f"--chapters {spec!r} is not a list of chapters; write it like 3-8 or 2,5,7.")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last > highest:  # checked before the range is expanded: 1-10000000 is refused, not allocated
            raise UserError(f"{where} has no {_numbered(noun, max(first, highest + 1), last)}; "
                            "see kimi-writer status.")
        numbers.update(range(first, last + 1))
    missing = sorted(numbers - known)
    if missing:
        raise UserError(f"{where} has no {noun} {', '.join(map(str, missing))}; see kimi-writer status.")
    return numbers


def chosen_chapters(project: Project, spec: str | None) -> list[str]:
    """The chapter files `--chapters` names (all of them without it), in book order: by the outline's
    numbers, or by the files' own (chapter_07.md) where the outline has no entry, or there is none."""
    files = chapter_files(project)
    if spec is not None:
        entries = load_outline(project)
        known = {entry.number for entry in entries} | {number for number, _ in files if number is not None}
        numbers = chapter_numbers(spec, known, _noun(entries), "the outline" if entries else "the book")
        files = [(number, info) for number, info in files if number in numbers]
    if not files:
        raise UserError(f"{project.name} has no chapter files to review" + (f" among --chapters {spec}" if spec else "")
                        + "; see kimi-writer status.")
    return [info.name for _, info in files]
