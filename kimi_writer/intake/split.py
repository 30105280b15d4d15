"""Finding the chapters in one Markdown text: chapter headings ("Chapter 7", "CHAPTER VII", "Chapter
Seven", "Prologue", "第七章", "楔子"), else `#` headings of one level, else the author's own `--split` pattern.

Text before the first chapter is the book's title when it is one short line; anything longer is kept
as a part of its own (nothing the author wrote is dropped)."""

from __future__ import annotations

import re

from ..book import chinese
from ..book.outline import NUMBER_WORDS
from .parts import Part, Source, UnreadableSource

LONG_WITHOUT_HEADINGS = 10_000  # words in one part with no headings found: suggest --split
_ROMAN = r"[IVXLCDM]+"
_LABEL = r"(?:chapter|story|part|book)"
_NUMBER = r"(?:\d+|" + _ROMAN + "|" + "|".join(NUMBER_WORDS) + r")"
_CHAPTER_LINE = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:" + _LABEL + r"\s+" + _NUMBER + r"\b.*|prologue\b.*|"
                           r"epilogue\b.*)$", re.I)
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+\S")
_HEADING_MARKS = re.compile(r"^\s*#{1,6}\s*|\s*#+\s*$|\*\*|__")
TITLE_CHARACTERS = 100


def heading_text(line: str) -> str:
    """A heading line without its Markdown marks."""
    return _HEADING_MARKS.sub("", line).strip()


def as_heading(line: str) -> str:
    """The first line of a part as a level-one Markdown heading."""
    return "# " + heading_text(line)


def _is_chapter_line(line: str) -> bool:
    """A chapter heading on a line of its own: short, and not the start of a sentence about a chapter."""
    heading = _CHAPTER_LINE.match(line) or chinese.CHAPTER.match(line.strip()) or chinese.PROLOGUE_EPILOGUE.match(
        line.strip())
    return len(line) <= TITLE_CHARACTERS and bool(heading) and not line.rstrip().endswith((",", "，"))


def _heading_starts(lines: list[str], any_heading: bool = True) -> tuple[list[int], str]:
    """The lines that start a part: chapter headings; else (when `any_heading`) the `#` headings of the
    highest level that has two or more. And the rule that found them."""
    chapters = [i for i, line in enumerate(lines) if _is_chapter_line(line)]
    if chapters or not any_heading:
        return chapters, "headings"
    levels = [len(m.group(1)) for line in lines if (m := _MARKDOWN_HEADING.match(line))]
    for level in sorted(set(levels)):
        starts = [i for i, line in enumerate(lines) if (m := _MARKDOWN_HEADING.match(line)) and len(m.group(1)) == level]
        if len(starts) >= 2:
            return starts, "headings"
    return [], "none"


def _pattern_starts(lines: list[str], pattern: str) -> list[int]:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise UnreadableSource(f"--split {pattern!r} is not a valid regular expression ({error}).") from None
    return [i for i, line in enumerate(lines) if compiled.search(line)]


def split_text(text: str, pattern: str | None = None, name: str = "the text", any_heading: bool = True) -> Source:
    """The parts of `text` (already normalized Markdown) and the title before them, if any; with
    `any_heading` off, only chapter headings split it (an EPUB document's sections stay together)."""
    lines = text.split("\n")
    starts, found_by = (_pattern_starts(lines, pattern), "--split") if pattern else _heading_starts(lines, any_heading)
    if pattern and not starts:
        raise UnreadableSource(f"--split {pattern!r} matches no line of {name}; give a pattern that matches "
                               "each chapter's first line.")
    title, parts = _front(lines[:starts[0]] if starts else [])
    bounds = list(zip(starts, starts[1:] + [len(lines)]))
    parts += [split_part(lines[start:end]) for start, end in bounds] if starts else [split_part(lines)]
    source = Source(title, [part for part in parts if part.text.strip()], found_by)
    if not starts and len(text.split()) > LONG_WITHOUT_HEADINGS:
        source.warnings.append(f"Warning: no chapter headings were found in {name}, so it became one chapter of "
                               f"{len(text.split()):,} words; to split it, give --split with a pattern that "
                               "matches each chapter's first line, e.g. --split '^Part [0-9]+'.")
    return source


def _front(lines: list[str]) -> tuple[str, list[Part]]:
    """(the title, [the rest as a front part]) of the text before the first chapter: its first line is the
    title when it is a `#` heading, or when the text is at most three short lines."""
    kept = [line for line in lines if line.strip()]
    if not kept:
        return "", []
    short = len(kept) <= 3 and all(len(line) <= TITLE_CHARACTERS for line in kept)
    first = _MARKDOWN_HEADING.match(kept[0])
    titled = short or (first is not None and len(first.group(1)) == 1)
    body = lines[lines.index(kept[0]) + 1:] if titled else lines
    rest = "\n".join(body).strip("\n")
    return (heading_text(kept[0]) if titled else ""), ([Part(rest, front=True)] if rest.strip() else [])


def split_part(lines: list[str]) -> Part:
    """A part whose first line, when it is a heading, becomes a `#` heading."""
    text = "\n".join(lines).strip("\n")
    first, _, rest = text.partition("\n")
    if _is_chapter_line(first) or _MARKDOWN_HEADING.match(first):
        return Part(f"{as_heading(first)}\n{rest}".rstrip("\n"), heading_text(first))
    return Part(text)
