"""The book context: what the model is told of the book itself, and the compact request built on it.

(The window, window.py, decides which of the two policies a request follows and keeps it in budget.)
`full` sends the whole history, every chapter's text included, as the original script did.
`compact` (the default) stubs each write once it has landed, and sends, within a budget that does
not grow with the book (issue 26), what changes least first for the prompt cache: the system
prompt, the author's request, the latest summary and resume note, the book's memory (the story so
far in arc summaries, the story bible, the outline around the next chapter, the summaries of the
latest chapters), the most recent turn, then the book context that moves with each chapter (the
ledger excerpt and the end of the latest chapter).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from . import outline_window
from .arcs import SUMMARIES_DIR, Memory, is_summary_file
from .compression import head_length, split_point
from .outline_window import fits
from ..book.authored import voice_sample
from ..book.ledger import LEDGER_FILE, ledger_for
from ..book.manuscript import chapter_files
from ..core.messages import Kind, Message, user
from ..book.language import book_language
from ..book.outline import OutlineEntry, is_collection, parse_outline, part_filename, read_outline
from ..book.project import FileInfo, Project
from ..core.language import suffix
from ..core.prompts import render
from ..core.text import parse_json

TAIL_WORDS = 500  # of the previous chapter, in the writer's request
CONTEXT_TAIL_WORDS = 200  # of the latest chapter, in the planner's book context
BIBLE_WORDS = 1500  # of the story bible in all; the files past it are cut, the model can read_file them
SUMMARY_WORDS = 40  # of a chapter summary made from the chapter's own text
RECENT_TURNS = 1
LEDGER_TOKENS = 360  # of continuity.md in the book context, which lists every chapter's summary as well


def stub_write(message: Message, call_id: str, name: str, words: int, text: str, unit: str = " words") -> Message:
    """A copy of `message` in which the content argument of a landed write is a short stub (`unit`: what
    follows the count, " words" or "字")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()] or [""]
    stub = render("write_stub.md.j2", name=name, words=words, unit=unit, first=_clip(lines[0]), last=_clip(lines[-1]))
    calls = [call.model_copy(update={"arguments": _stubbed(call.arguments, stub)}) if call.id == call_id else call
             for call in message.tool_calls]
    return message.model_copy(update={"tool_calls": calls})


def _stubbed(arguments: str, stub: str) -> str:
    parsed = parse_json(arguments)
    parsed["content"] = stub
    return json.dumps(parsed, ensure_ascii=False)


def _clip(line: str, limit: int = 60) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


def extractive_summary(text: str) -> str:
    """A chapter's first and last sentences, for when the model gave no summary."""
    body = " ".join(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    sentences = re.split(r"(?<=[.!?…])\s+", body.strip())
    picked = sentences[0] if len(sentences) == 1 else f"{sentences[0]} … {sentences[-1]}"
    words = picked.split()
    return " ".join(words[:SUMMARY_WORDS]) + (" …" if len(words) > SUMMARY_WORDS else "")


def compact_request(messages: list[Message], project: Project | None, summaries: dict[str, str],
                    memory: Memory | None = None) -> list[Message]:
    """The messages to send, what changes least first (for the prompt cache): head, latest summary and
    resume note, the book's memory, recent turns, then the book context that moves with each chapter."""
    head = head_length(messages)
    start = split_point(messages, RECENT_TURNS) or head
    kept = [_latest(messages[head:start], kind) for kind in (Kind.SUMMARY, Kind.RESUME_NOTE)]
    request = messages[:head] + [m for m in kept if m]
    if project is None:
        return request + messages[start:]
    stable, moving = book_context_parts(project, summaries, memory)
    return request + ([user(Kind.BOOK_CONTEXT, stable)] if stable else []) + messages[start:] + \
        [user(Kind.BOOK_CONTEXT, moving)]


def _latest(messages: list[Message], kind: Kind) -> Message | None:
    return next((m for m in reversed(messages) if m.kind == kind), None)


def _text(project: Project, name: str) -> str:
    """A listed file's text; bytes that are not UTF-8 are replaced, never a failure."""
    return project.read_if_file(name) or ""


def story_bible(project: Project, ledger: str = "", files: list[FileInfo] | None = None,
                numbered: list | None = None) -> list[tuple[str, str]]:
    """(file, text) of every planning file but the outline: characters, setting, style notes;
    continuity.md too, unless its excerpt `ledger` is sent instead. BIBLE_WORDS in total: the files
    past that are cut (the model can read_file them). `files`, `numbered`: the project's files and
    chapter files, when already listed."""
    files = project.files() if files is None else files
    numbered = chapter_files(project, files) if numbered is None else numbered
    chapter_names = {info.name for _, info in numbered}
    names = [f.name for f in files
             if f.name not in chapter_names and f.name not in ("outline.md", "banned_phrases.txt", "review.md")
             and not is_summary_file(f.name) and not (ledger and f.name == LEDGER_FILE)]
    bible, left = [], BIBLE_WORDS
    for name in names:
        text = _text(project, name)
        bible.append((name, _cut(text, left, name)))
        left = max(0, left - len(text.split()))
    return bible


def tail_words(text: str, words: int = TAIL_WORDS) -> str:
    return " ".join(text.split()[-words:])


def latest_chapter_tail(project: Project, numbered: list | None = None, words: int = TAIL_WORDS) -> tuple[str, str]:
    """(name, last `words` words) of the highest-numbered chapter, or ("", "") when there is none."""
    numbered = chapter_files(project) if numbered is None else numbered
    latest = max(((n, c) for n, c in numbered if n is not None), key=lambda pair: pair[0], default=(0, None))[1]
    return (latest.name, tail_words(_text(project, latest.name), words)) if latest else ("", "")


@dataclass
class _Book:
    """What one request reads of the project, read once."""

    project: Project
    files: list[FileInfo]
    numbered: list
    entries: list[OutlineEntry]
    outline: str
    next_chapter: int


def _book(project: Project, files: list[FileInfo]) -> _Book:
    outline = read_outline(project)
    numbered = chapter_files(project, files)
    entries = parse_outline(outline)
    written = {number for number, _ in numbered if number is not None}
    planned = [e.number for e in entries if e.number not in written]
    next_chapter = planned[0] if planned else max(written, default=0) + 1
    return _Book(project, files, numbered, entries, outline, next_chapter)


def book_context_parts(project: Project, summaries: dict[str, str], memory: Memory | None = None) -> tuple[str, str]:
    """(the book's memory, the book context): what changes least (the story so far, the bible, the
    outline around the next chapter, the chapters' summaries), and what moves with each chapter
    (the ledger excerpt, the end of the latest chapter). Made again only when a file or a summary
    changed since the last request (`memory` keeps the last ones)."""
    files = project.files()
    key = (tuple((f.name, f.size, f.modified) for f in files), tuple(summaries.items()))
    if memory is not None and memory.last_context[0] == key:
        return memory.last_context[1]
    parts = _parts(_book(project, files), summaries, memory)
    if memory is not None:
        memory.last_context = (key, parts)
    return parts


def _parts(book: _Book, summaries: dict[str, str], memory: Memory | None) -> tuple[str, str]:
    project = book.project
    collection = is_collection(book.entries, [info.name for _, info in book.numbered])
    summary_of = _summary_source(book, summaries)
    folded = memory.fold(project, book.next_chapter, summary_of) if memory and not collection else []
    windowed = not fits(book.outline)
    ledger = ledger_for(project, _next_filename(book), LEDGER_TOKENS, _neighbours_text(book))
    tail_name, tail = ("", "") if collection else latest_chapter_tail(project, book.numbered, CONTEXT_TAIL_WORDS)
    listed, bible, outline = _listed(book, folded, summaries), story_bible(project, ledger, book.files, book.numbered), \
        _outline_text(book, windowed)
    voice = voice_sample(project)
    stable = render("book_memory.md.j2", project_name=project.name, summaries_dir=SUMMARIES_DIR,
                    folded=[(b.first, b.last, b.path, text) for b, text in folded], bible=bible, outline=outline,
                    window=_window(book).full if windowed else None, summaries=listed, voice=voice,
                    parts="Stories" if collection else "Chapters", unit=suffix(book_language(project))) \
        if folded or listed or bible or outline or voice else ""
    naming = outline_window.naming(book.entries, book.next_chapter, _window(book)) if windowed else []
    moving = render("book_context.md.j2", project_name=project.name, ledger=ledger, tail=tail, tail_name=tail_name,
                    next_chapter=book.next_chapter if windowed else None, naming=naming)
    return stable, moving


def _window(book: _Book) -> outline_window.Window:
    last = max((e.number for e in book.entries), default=book.next_chapter)
    return outline_window.window_on(book.next_chapter, last, outline_window.ALIGN)


def _outline_text(book: _Book, windowed: bool) -> str:
    if not windowed:
        return book.outline.strip()
    return render("outline_window.md.j2", rows=outline_window.rows(book.entries, _window(book))).strip()


def _next_filename(book: _Book) -> str:
    entry = next((e for e in book.entries if e.number == book.next_chapter), None)
    return part_filename(entry) if entry else ""


def _neighbours_text(book: _Book) -> str:
    """The synopses of the next chapter's neighbours, to pick more of the ledger's characters and places by."""
    return " ".join(f"{e.title}: {e.synopsis}" for e in book.entries if abs(e.number - book.next_chapter) == 1)


def _summary_source(book: _Book, summaries: dict[str, str]) -> Callable[[int], tuple[str, str] | None]:
    """(file, summary) of a written chapter by number: the model's summary, else its first and last sentences."""
    by_number = {number: info.name for number, info in book.numbered if number is not None}

    def summary_of(number: int) -> tuple[str, str] | None:
        name = by_number.get(number)
        if name is None:
            return None
        return name, summaries.get(name) or extractive_summary(_text(book.project, name))
    return summary_of


def _listed(book: _Book, folded: list, summaries: dict[str, str]) -> list[tuple[str, int, str]]:
    """(file, words, summary) of each chapter written that no folded block covers."""
    covered = {n for block, _ in folded for n in range(block.first, block.last + 1)}
    return [(info.name, info.words, summaries.get(info.name) or extractive_summary(_text(book.project, info.name)))
            for number, info in book.numbered if number is None or number not in covered]


def _cut(text: str, limit: int, name: str) -> str:
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    return " ".join(words[:limit]) + f" … [{len(words) - limit:,} more words: read_file {name}]"
