"""The book's plan: parse `outline.md` into chapter entries and map them to chapter files.

Accepted outline formats (the one the system prompt teaches comes first):

Numbered entries, one per chapter, each starting at the beginning of a line::

    1. **The Fog** — A body on the Embankment. (~3,000 words)
    2. The Docks: Hale does not believe the clerk. (3000 words)
    3. The Reveal - It was the brother.
       Lines indented under an entry add to its synopsis.

The title ends at the closing ``**``, or at the first ``—``, ``–``, `` - `` or ``:``;
the rest is the synopsis. A leading ``Chapter 3:`` in the title is dropped.
If the numbers repeat, entries are numbered by position (a list written ``1. 1. 1.``, or
numbering that restarts in each part), unless exactly one of several numbered lists sits
under a heading that says "Chapter": then only that list counts.

Chapter headings, each followed by synopsis lines (numbered lists under them are beats,
not chapters; when an outline has chapter headings, only the headings count)::

    ## Chapter 1: The Fog (~3,000 words)
    A body on the Embankment.

``Chapter 1 — The Fog`` and ``Chapter One: The Fog`` (numbers up to twenty in words) work too.

A collection's parts are stories: ``## Story 3 — The Signal`` headings, a line ``Story 3: The Signal``
(bold or not) on its own, a numbered entry ``3. Story 3: The Signal — ...``, or any numbered entry
under a heading that says "Stories" plan story 3.

A target length is a number of words in parentheses anywhere in the entry:
``(~3,000 words)``, ``(3000 words)``, ``(about 2,500 words)``, ``(~3k words)``; or of 字:
``（约3000字）``, ``约3000字``, ``3,000字``, ``三千字``.

Chinese outlines: a line (or heading) ``第一章 夜雨``, ``第1章：夜雨``, ``第十二章``, each followed by
synopsis lines; ``序章``/``楔子`` plan part 0 and ``尾声`` the part after the last (see chinese.py).

The outline's first ``#`` heading names the book unless it is just "Outline";
"Outline: X" and "X — Outline" name the book X.

Part files (chapters or stories) are matched to entries by the number in the file name, in any
folder: ``chapter_01.md``, ``chapter_1.md``, ``chapters/chapter_01.md``, ``ch01.md``,
``Chapter 1.md`` and ``chapter_01_the_fog.md`` are all chapter 1; ``story_01.md``,
``story_01_the_signal.md``, ``stories/01_the_signal.md``, ``stories/story_01.md`` are story 1, and
``part_01.md`` is part 1. A book whose parts are stories is a collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import PurePosixPath

from . import chinese
from .project import Project

OUTLINE_FILE = "outline.md"
NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen twenty").split()
_NUMBER = r"(\d+|" + "|".join(NUMBER_WORDS) + r")"
_NUMBERED = re.compile(r"^(\d+)[.)]\s+(.*)$")
_CHAPTER_HEADING = re.compile(r"^#{1,6}\s+(chapter|ch\.?|story)\s+" + _NUMBER + r"\b\s*[:.\-—–]?\s*(.*)$", re.I)
_STORY_LINE = re.compile(r"^\**(story)\s+" + _NUMBER + r"\s*(?:[:.—–]|\s-)\s*(.*?)\**\s*$", re.I)
_ANY_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TARGET = re.compile(r"\(\s*(?:~|about|approx\.?|approximately|target:?)?\s*(\d[\d,]*)\s*(k)?\s*words?\s*\)", re.I)
_CHAPTER_PREFIX = re.compile(r"^(?:(?:chapter|ch\.?|story)\s+" + _NUMBER + r"\b\s*[:.\-—–]?\s*"
                             r"|第\s*[0-9零〇一二两三四五六七八九十百千]+\s*[章回节]\s*[：:、]?\s*)", re.I)
_STORIES_HEADING = re.compile(r"\bstories\b", re.I)  # "## Stories" over a numbered list of them
_STORY_PREFIX = re.compile(r"^\W*story\s+" + _NUMBER + r"\b", re.I)
_SEPARATOR = re.compile(r"\s+[—–-]\s+|\s*[—–]\s*|:\s+|\s*：\s*")
_OUTLINE_WORD = r"(?:(?:book|novel|story|chapter)\s+)?outline"
_LEADING_OUTLINE = re.compile(r"^" + _OUTLINE_WORD + r"\b(?:\s*[:—–-]\s*|\s+(?:for|of)\s+)?", re.I)
_TRAILING_OUTLINE = re.compile(r"(?:\s*[:—–-]\s*|\s*\(\s*|\s+)" + _OUTLINE_WORD + r"\)?$", re.I)
_FILE_NUMBER = re.compile(r"^(chapter|ch|story|part)[\s_.-]*(\d+)", re.I)
_STORIES_FOLDER = "stories/"
_FOLDER_NUMBER = re.compile(r"^(\d+)(?:[\s_.-]|$)")


@dataclass(frozen=True)
class OutlineEntry:
    """One planned part: a chapter, or a story of a collection."""

    number: int
    title: str
    synopsis: str
    target_words: int | None = None
    kind: str = "chapter"  # "story" when the outline calls it one


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS.index(text.lower()) + 1


def _plain(text: str) -> str:
    """Text without Markdown emphasis and surrounding punctuation or spaces."""
    return re.sub(r"[*_`]+", "", text).strip(" \t.,;:—–-\"'")


def _target(text: str) -> tuple[str, int | None]:
    """(text without its word or 字 target, the target) from an entry's text."""
    match = _TARGET.search(text)
    if match is None:
        return chinese.target(text)
    value = int(match.group(1).replace(",", "")) * (1000 if match.group(2) else 1)
    return (text[:match.start()] + text[match.end():]).strip(), value or None


def _split_title(line: str) -> tuple[str, str]:
    """(title, synopsis) of a numbered entry's first line."""
    bold = re.match(r"^\*\*(.+?)\*\*\s*(.*)$", line)
    if bold:
        title, rest = bold.group(1), bold.group(2)
    else:
        line = _CHAPTER_PREFIX.sub("", line)
        parts = _SEPARATOR.split(line, maxsplit=1)
        title, rest = parts[0], parts[1] if len(parts) > 1 else ""
    return _plain(_CHAPTER_PREFIX.sub("", _plain(title))), rest.lstrip(" —–-:.").strip()


def _entry(number: int, title: str, synopsis_lines: list[str], kind: str = "chapter") -> OutlineEntry:
    title, title_target = _target(title)
    synopsis, synopsis_target = _target(" ".join(_plain_line(line) for line in synopsis_lines))
    synopsis = " ".join(synopsis.split()).lstrip(" —–-:")
    return OutlineEntry(number, _plain(title), synopsis, title_target or synopsis_target, kind)


def _part_heading(line: str) -> re.Match | None:
    """A `## Chapter 3: Title` or `## Story 3 — Title` heading, or a `Story 3: Title` line."""
    return _CHAPTER_HEADING.match(line) or _STORY_LINE.match(line)


def _kind(word: str) -> str:
    return "story" if word.lower() == "story" else "chapter"


def _plain_line(line: str) -> str:
    return re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip()


def _chinese_part(line: str, entries: list) -> tuple[int, str, list[str], str] | None:
    """(number, title, synopsis lines, kind) of a "第一章 夜雨" line, or of 序章/楔子 (0) or 尾声 (after the last)."""
    line = line.strip()
    match = chinese.CHAPTER.match(line)
    if match:
        number, rest = chinese.chinese_number(match.group(1)), match.group(2)
    elif (match := chinese.PROLOGUE_EPILOGUE.match(line)) is not None:
        before = match.group(1) in chinese.BEFORE
        number, rest = 0 if before else max((e[0] for e in entries), default=0) + 1, match.group(2) or match.group(1)
    else:
        return None
    title, synopsis = chinese.split_title(rest)
    return number, title, [synopsis] if synopsis else [], "chapter"


def _heading_part(line: str, entries: list) -> tuple[int, str, list[str], str] | None:
    match = _part_heading(line)
    if match:
        return _number(match.group(2)), match.group(3), [], _kind(match.group(1))
    return _chinese_part(line, entries)


def _from_headings(lines: list[str]) -> list[OutlineEntry]:
    entries: list = []
    current = None
    for line in lines:
        part = _heading_part(line, entries)
        if part:
            current = part
            entries.append(current)
        elif _ANY_HEADING.match(line):
            current = None
        elif current is not None:
            current[2].append(line)
    return [_entry(number, title, body, kind) for number, title, body, kind in entries]


def _numbered_sections(lines: list[str]) -> list[tuple[str, list[OutlineEntry]]]:
    """(heading, numbered entries) of each section of the outline, as written."""
    sections: list[tuple[str, list]] = [("", [])]
    current, after_blank = None, False
    for line in lines:
        match, heading = _NUMBERED.match(line), _ANY_HEADING.match(line)
        if match:
            title, synopsis = _split_title(match.group(2).strip())
            kind = "story" if _STORY_PREFIX.match(match.group(2)) else "chapter"
            current, after_blank = (int(match.group(1)), title, [synopsis], kind), False
            sections[-1][1].append(current)
        elif heading:
            sections.append((heading.group(2), []))
            current = None
        elif not line.strip():
            after_blank = True
        elif current is not None and (line[:1].isspace() or not after_blank):
            current[2].append(line)  # an indented line, or a lazy continuation of the entry
        else:
            current = None
    return [(heading, [_entry(*raw[:3], "story" if _STORIES_HEADING.search(heading) else raw[3]) for raw in raws])
            for heading, raws in sections if raws]


def _from_numbered(lines: list[str]) -> list[OutlineEntry]:
    sections = _numbered_sections(lines)
    entries = [entry for _, section in sections for entry in section]
    if len({e.number for e in entries}) == len(entries):
        return entries
    chapters = [section for heading, section in sections if re.search(r"chapter|stor(?:y|ies)", heading, re.I)]
    if len(sections) > 1 and len(chapters) == 1:
        entries = chapters[0]  # e.g. a numbered list of characters, then one of chapters
    if len({e.number for e in entries}) < len(entries):  # "1. 1. 1.", or numbering restarting per part
        entries = [replace(e, number=i) for i, e in enumerate(entries, 1)]
    return entries


def parse_outline(text: str) -> list[OutlineEntry]:
    """The chapter entries of an outline, in the order written (see the module docstring)."""
    return list(_parsed(text))


@lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[OutlineEntry, ...]:
    """An outline's entries, parsed once per text (a long book's outline is read on every request)."""
    return tuple(_parse(text))


def _parse(text: str) -> list[OutlineEntry]:
    lines = text.splitlines()
    if any(_part_heading(line) or _chinese_part(line, []) for line in lines):
        return _from_headings(lines)
    return _from_numbered(lines)


def outline_title(text: str) -> str | None:
    """The book's title from the outline's first `#` heading, or None if it is just 'Outline'."""
    for line in text.splitlines():
        match = _ANY_HEADING.match(line)
        if match and len(match.group(1)) == 1:
            title = _LEADING_OUTLINE.sub("", _plain(match.group(2)))
            return _plain(_TRAILING_OUTLINE.sub("", title)) or None
    return None


@lru_cache(maxsize=4096)
def _file_part(filename: str) -> tuple[str, int] | None:
    """("chapter" or "story" or "part", number) of a part file, from its name and folder."""
    stem = PurePosixPath(filename).stem
    match = _FILE_NUMBER.match(stem)
    if match:
        word = match.group(1).lower()
        return ("chapter" if word == "ch" else word), int(match.group(2))
    folder = _FOLDER_NUMBER.match(stem) if filename.startswith(_STORIES_FOLDER) else None
    return ("story", int(folder.group(1))) if folder else None


def chapter_number(filename: str) -> int | None:
    """The part (chapter or story) a file holds, from the number in its name, or None:
    `ch01.md`, `story_01_the_signal.md`, `stories/01_the_signal.md` and `part_01.md` are all 1."""
    part = _file_part(filename)
    return part[1] if part else None


def is_story_file(filename: str) -> bool:
    """story_01.md, stories/01_slug.md, stories/story_01.md: a story of a collection."""
    part = _file_part(filename)
    return part is not None and part[0] == "story"


def is_chapter_file(name: str) -> bool:
    """chapter_01.md, ch3.md, story_01.md, part_01.md, chapters/ or stories/anything.md are parts of
    the book; other files are planning files."""
    return name.startswith(("chapters/", _STORIES_FOLDER)) or chapter_number(name) is not None


def is_collection(entries: list[OutlineEntry], filenames: list[str]) -> bool:
    """Whether a book is a collection: its outline plans stories, or its part files are stories."""
    return any(entry.kind == "story" for entry in entries) or any(map(is_story_file, filenames))


def without_part_label(title: str) -> str:
    """A heading's title without a leading "Chapter 3:" or "Story 3 —" ("Story 3" alone stays)."""
    return _CHAPTER_PREFIX.sub("", title).strip() or title


def part_filename(entry: OutlineEntry) -> str:
    """The file a planned part is written to: `story_03.md` for a story, else `chapter_03.md`."""
    return f"{entry.kind}_{entry.number:02d}.md"


def part_noun(collection: bool, count: int = 1) -> str:
    """"story"/"stories" in a collection, else "chapter"/"chapters"."""
    if collection:
        return "story" if count == 1 else "stories"
    return "chapter" if count == 1 else "chapters"


def read_outline(project: Project) -> str:
    """The text of the project's outline.md ('' when there is none)."""
    return project.read_if_file(OUTLINE_FILE) or ""  # a link that points outside counts as none


def load_outline(project: Project) -> list[OutlineEntry]:
    return parse_outline(read_outline(project))


def chapter_target(project: Project, filename: str, chapter_words: int | None = None) -> int | None:
    """The words targeted for the chapter in `filename`: --chapter-words, else the outline's, else None."""
    number = chapter_number(filename)
    if number is None:
        return None
    if chapter_words:
        return chapter_words
    return next((e.target_words for e in load_outline(project) if e.number == number), None)


_CHAPTER_MENTION = re.compile(
    r"\b(?:chapters?|ch\.?)\s+(" + _NUMBER + r"(?:\s*(?:,|and|&|or|to|[-–—])\s*" + _NUMBER + r")*)\b", re.I)
_MENTIONED_NUMBER = re.compile(r"\b" + _NUMBER + r"\b|[-–—]|\bto\b", re.I)


def _mentioned(numbers: str) -> set[int]:
    """The chapter numbers in a list such as "3", "3 and 5" or "3-5" (a range counts every number)."""
    found: set[int] = set()
    pending_range = False
    for match in _MENTIONED_NUMBER.finditer(numbers):
        if match.group(1) is None:
            pending_range = bool(found)
            continue
        value = _number(match.group(1))
        if pending_range and value > max(found) and value - max(found) <= 100:
            found.update(range(max(found) + 1, value))
        found.add(value)
        pending_range = False
    return found


def chapters_named(text: str) -> set[int]:
    """The chapters a synopsis names: "from chapter 3", "set up in ch. 2", "chapters 4 and 6"."""
    return set(_named(text))


@lru_cache(maxsize=1024)
def _named(text: str) -> frozenset[int]:
    """chapters_named, worked out once per synopsis (a long outline's are read on every request)."""
    named: set[int] = set()
    for match in _CHAPTER_MENTION.finditer(text):
        named |= _mentioned(match.group(1))
    return frozenset(named)


def sentences_naming(text: str, number: int) -> list[str]:
    """The sentences of a synopsis that name chapter `number`."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return [sentence for sentence in sentences if number in chapters_named(sentence)]


def set_up_by(entries: list[OutlineEntry], number: int) -> list[tuple[OutlineEntry, str]]:
    """(later entry, its words naming chapter `number`): what that chapter must set up for them."""
    found = []
    for entry in entries:
        sentences = sentences_naming(entry.synopsis, number) if entry.number > number else []
        if sentences:
            found.append((entry, " ".join(sentences)))
    return found
