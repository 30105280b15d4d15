"""`read_source`: the reader for a path (a file by its suffix, or a folder of files), then the splitter."""

from __future__ import annotations

import re
from pathlib import Path

from .docx_reader import read_docx
from .epub_reader import read_epub
from .parts import READABLE, Part, Source, UnreadableSource
from .split import split_part, split_text
from .text import normalized, read_text_file

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text")
SUFFIXES = (".docx", ".epub", *TEXT_SUFFIXES)
_STORIES = re.compile(r"\b(stories|collection|anthology)\b", re.I)
_STORY_HEADING = re.compile(r"^story\s+\S+", re.I)
_DIGITS = re.compile(r"(\d+)")
FRONT_WORDS = 150  # an EPUB document shorter than this, before the first chapter, may be front matter
_FRONT_HEADING = re.compile(r"^(title page|copyright|dedication|contents|table of contents|epigraph|"
                            r"acknowledge?ments|about the author|also by)\b", re.I)


def natural_key(path: Path) -> list:
    """A file name's sort key in which "2" comes before "10"."""
    return [int(piece) if piece.isdigit() else piece.lower() for piece in _DIGITS.split(path.name)]


def _default_title(path: Path) -> str:
    return path.stem.replace("_", " ").strip() if path.is_file() else path.name.replace("_", " ").strip()


def _file_source(path: Path, pattern: str | None) -> Source:
    """One file's parts: a DOCX or a text split by headings (or --split), an EPUB by its spine."""
    if path.suffix.lower() == ".epub" and not pattern:
        title, documents = read_epub(path)
        parts = [part for text in documents for part in _spine_parts(normalized(text))]
        return Source(title, front_matter(parts), "spine")
    title, text = _file_text(path)
    source = split_text(text, pattern, path.name)
    source.title = source.title or title
    return source


def _is_front(part: Part) -> bool:
    """A short document with no heading, or headed like front matter ("Dedication", "Contents")."""
    return len(part.text.split()) < FRONT_WORDS and (not part.heading or bool(_FRONT_HEADING.match(part.heading)))


def front_matter(parts: list[Part]) -> list[Part]:
    """The parts with the front matter before the first chapter (a title page, a dedication, a contents
    page) made one front part."""
    first = next((i for i, part in enumerate(parts) if not _is_front(part)), len(parts))
    if first == 0 or first == len(parts):
        return parts
    return [Part("\n\n".join(part.text for part in parts[:first]), front=True), *parts[first:]]


def _spine_parts(text: str) -> list[Part]:
    """An EPUB document: one part, or several when chapter headings divide it (a book in one file)."""
    source = split_text(text, any_heading=False)
    if len(source.parts) > 1 and not any(part.front for part in source.parts):
        return source.parts
    return [split_part(text.split("\n"))]


def _file_text(path: Path) -> tuple[str, str]:
    """(the title its metadata gives, or "", the whole text as normalized Markdown) of one file."""
    suffix = path.suffix.lower()
    if suffix == ".epub":
        title, documents = read_epub(path)
        return title, normalized("\n\n".join(documents))
    if suffix == ".docx":
        title, text = read_docx(path)
        return title, normalized(text)
    text = read_text_file(path)
    if not text.strip():
        raise UnreadableSource(f"{path.name} has no text to import.")
    return "", text


def _whole_file(path: Path) -> Part:
    """A file of a folder as one part: its heading, else the title its metadata gives, else none."""
    title, text = _file_text(path)
    part = split_part(text.split("\n"))
    return part if part.heading or not title else Part(f"# {title}\n\n{text}", title)


def _folder_source(folder: Path, pattern: str | None) -> Source:
    """A folder's files in natural order ("2" before "10"), each one part (or split by --split)."""
    files = sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                    and p.suffix.lower() in SUFFIXES), key=natural_key)
    if not files:
        raise UnreadableSource(f"{folder} holds no text files to import; kimi-writer reads {READABLE}.")
    if pattern is None:
        return Source(_default_title(folder), [_whole_file(path) for path in files], "files")
    sources = [_file_source(path, pattern) for path in files]
    return Source(_default_title(folder), [part for source in sources for part in source.parts], "--split",
                  [line for source in sources for line in source.warnings])


def read_source(path: Path, pattern: str | None = None) -> Source:
    """The manuscript at `path`, split into parts; UnreadableSource (one sentence) when it cannot be."""
    if not path.exists():
        raise UnreadableSource(f"there is no file or folder {path}.")
    if path.is_dir():
        source = _folder_source(path, pattern)
    elif path.suffix.lower() in SUFFIXES:
        source = _file_source(path, pattern)
    else:
        kind = path.suffix.lstrip(".").upper() or "file without a suffix"
        raise UnreadableSource(f"{path.name} is a {kind}, which kimi-writer does not read; it reads {READABLE}: "
                               "save the manuscript as one of those and import that.")
    title = source.title or _default_title(path)
    source.title = title.title() if title.isupper() else title  # "THE KEEPER" names the book "The Keeper"
    return source


def is_collection(source: Source) -> bool:
    """Whether the book is a collection of stories: its title says so, or its headings are "Story N"."""
    return bool(_STORIES.search(source.title)) or any(_STORY_HEADING.match(part.heading) for part in source.parts)
