"""The book context: what the model is told of the book itself, and the compact request built on it.

(The window, window.py, decides which of the two policies a request follows and keeps it in budget.)
`full` sends the whole history, every chapter's text included, as the original script did.
`compact` (the default) stubs each write once it has landed, and sends the system prompt, the
author's request, the latest summary and resume note, the most recent turn, and a fresh
book-context note: the outline, the story bible, a summary of every chapter written, and the
last ~500 words of the latest chapter.
"""

from __future__ import annotations

import json
import re

from .compression import head_length, split_point
from ..book.ledger import LEDGER_FILE, ledger_for
from ..book.manuscript import chapter_files, project_is_collection, unwritten_chapters
from ..core.messages import Kind, Message, user
from ..book.outline import load_outline, part_filename, read_outline
from ..book.project import Project
from ..book.language import book_language
from ..core.language import suffix
from ..core.prompts import render

TAIL_WORDS = 500
BIBLE_WORDS = 1500  # per story-bible file; longer ones are cut, the model can read_file them
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
    parsed = json.loads(arguments)
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


def compact_request(messages: list[Message], project: Project | None, summaries: dict[str, str]) -> list[Message]:
    """The messages to send: head, latest summary and resume note, recent turns, book context."""
    head = head_length(messages)
    start = split_point(messages, RECENT_TURNS) or head
    kept = [_latest(messages[head:start], kind) for kind in (Kind.SUMMARY, Kind.RESUME_NOTE)]
    request = messages[:head] + [m for m in kept if m] + messages[start:]
    if project is not None:
        request.append(user(Kind.BOOK_CONTEXT, book_context(project, summaries)))
    return request


def _latest(messages: list[Message], kind: Kind) -> Message | None:
    return next((m for m in reversed(messages) if m.kind == kind), None)


def _text(project: Project, name: str) -> str:
    """A listed file's text; bytes that are not UTF-8 are replaced, never a failure."""
    return project.read_if_file(name) or ""


def story_bible(project: Project, ledger: str = "") -> list[tuple[str, str]]:
    """(file, text) of every planning file but the outline: characters, setting, style notes;
    continuity.md too, unless its excerpt `ledger` is sent instead."""
    chapter_names = {info.name for _, info in chapter_files(project)}
    return [(f.name, _cut(_text(project, f.name), BIBLE_WORDS, f.name)) for f in project.files()
            if f.name not in chapter_names and f.name not in ("outline.md", "banned_phrases.txt", "review.md")
            and not (ledger and f.name == LEDGER_FILE)]


def next_chapter_ledger(project: Project) -> str:
    """The ledger excerpt for the book's next chapter to write (the outline's first unwritten one)."""
    unwritten, _ = unwritten_chapters(project)
    entry = next((e for e in load_outline(project) if e.number == unwritten[0]), None) if unwritten else None
    return ledger_for(project, part_filename(entry) if entry else "", LEDGER_TOKENS)


def tail_words(text: str, words: int = TAIL_WORDS) -> str:
    return " ".join(text.split()[-words:])


def latest_chapter_tail(project: Project, numbered: list | None = None) -> tuple[str, str]:
    """(name, last ~500 words) of the highest-numbered chapter, or ("", "") when there is none."""
    numbered = chapter_files(project) if numbered is None else numbered
    latest = max(((n, c) for n, c in numbered if n is not None), key=lambda pair: pair[0], default=(0, None))[1]
    return (latest.name, tail_words(_text(project, latest.name))) if latest else ("", "")


def book_context(project: Project, summaries: dict[str, str]) -> str:
    numbered = chapter_files(project)
    listed = [(c.name, c.words, summaries.get(c.name) or extractive_summary(_text(project, c.name)))
              for _, c in numbered]
    collection = project_is_collection(project)  # a story does not continue the last one's ending
    tail_name, tail = ("", "") if collection else latest_chapter_tail(project, numbered)
    ledger = next_chapter_ledger(project)
    return render("book_context.md.j2", project_name=project.name, outline=read_outline(project),
                  bible=story_bible(project, ledger), ledger=ledger, summaries=listed, tail=tail,
                  tail_name=tail_name, parts="Stories" if collection else "Chapters", unit=suffix(book_language(project)))


def _cut(text: str, limit: int, name: str) -> str:
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    return " ".join(words[:limit]) + f" … [{len(words) - limit:,} more words: read_file {name}]"
