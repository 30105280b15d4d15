"""The writer model: drafts one chapter from a brief, the story bible and the previous chapter's end.

The planner (the thinking model) plans and reviews; the writer, a steadier prose model, drafts.
Drafts are saved atomically; the planner gets a stub back, never the whole text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model.api_errors import Scrubber
from ..model.caller import Caller, FailsAs
from ..model.client import ModelClient
from . import outline_window
from .book_context import story_bible, tail_words
from ..book.authored import voice_sample
from ..book.ledger import ledger_for
from ..book.manuscript import chapter_files
from ..core.messages import Kind, Message, system, user
from ..book.outline import (OutlineEntry, chapter_number, load_outline, outline_title, parse_outline, read_outline,
                            set_up_by)
from ..book.project import Project
from ..core.prompts import render
from ..guard.zh import phrases_to_avoid
from ..book.language import book_language
from ..core.language import suffix, with_language
from ..model.retry import Backoff
from ..guard.feedback import write_feedback
from ..guard.style import banned_phrases

OUTLINE_BUDGET_TOKENS = outline_window.OUTLINE_BUDGET_TOKENS


class DraftFailed(Exception):
    """The writer could not draft the chapter (after retries, for transient failures)."""


@dataclass(frozen=True)
class Draft:
    name: str
    words: int
    text: str
    truncated: bool


class _Progress:
    """Reports the characters streamed so far for one chapter."""

    def __init__(self, name: str, report: Callable[[str, int], None]):
        self.name, self.report, self.chars = name, report, 0

    def on_content(self, text: str) -> None:
        self.chars += len(text)
        self.report(self.name, self.chars)

    def restart(self) -> None:
        """The turn is retried: its characters start again from zero."""
        self.chars = 0

    def on_reasoning(self, text: str) -> None:
        pass

    def on_tool_call(self, index: int, name: str, chars: int) -> None:
        pass


def previous_chapter(project: Project, filename: str) -> tuple[str, str, str]:
    """(its name, its last ~500 words, or else its synopsis from the outline) for the chapter
    before `filename` in the outline."""
    number = chapter_number(filename)
    if number is None or number <= 1:
        return "", "", ""
    written = {n: info for n, info in chapter_files(project) if n is not None}
    if number - 1 in written:
        name = written[number - 1].name
        return name, tail_words(project.read_if_file(name) or ""), ""
    entry = next((e for e in load_outline(project) if e.number == number - 1), None)
    if entry is None:
        return "", "", ""
    return f"chapter {number - 1}", "", f"{entry.title}: {entry.synopsis}".strip(": ")


def _outline_rows(entries: list[OutlineEntry], number: int | None) -> list[dict]:
    return [{"number": e.number, "title": e.title, "synopsis": e.synopsis, "current": e.number == number}
            for e in entries]


def _windowed_rows(entries: list[OutlineEntry], number: int | None) -> list[dict]:
    """Past the budget: the chapters near this one in full (and those naming it), the titles around
    it and the last one, one line for each part further away (outline_window)."""
    last = entries[-1].number
    window = outline_window.window_on(number if number is not None else last, last)
    named = frozenset(e.number for e in outline_window.naming(entries, number, window)) if number else frozenset()
    return outline_window.rows(entries, window, number, named)


def outline_context(project: Project, filename: str) -> str:
    """The outline as the writer reads it, fresh from disk: every chapter in full, or past the budget
    a window on this chapter (outline_window); then what this chapter sets up."""
    text = read_outline(project)
    entries = parse_outline(text)
    if not entries:
        return ""
    number = chapter_number(filename)
    if all(entry.number != number for entry in entries):
        number = None  # a file the outline does not plan: nothing is marked
    set_up = [{"number": e.number, "title": e.title, "words": words}
              for e, words in (set_up_by(entries, number) if number is not None else [])]
    common = {"title": outline_title(text) or "", "current": number, "set_up": set_up}
    whole = render("writer_outline.md.j2", chapters=_outline_rows(entries, number), condensed=False, **common)
    if outline_window.fits(whole):
        return whole
    return render("writer_outline.md.j2", chapters=_windowed_rows(entries, number), condensed=True, **common)


def writer_messages(project: Project, filename: str, brief: str, target_words: int | None) -> list[Message]:
    previous_name, previous_tail, previous_synopsis = previous_chapter(project, filename)
    ledger, language = ledger_for(project, filename), book_language(project)
    return [
        system(with_language(render("writer_system.md.j2", banned_phrases=banned_phrases(project)), language,
                             phrases_to_avoid(language))),
        user(Kind.TASK, render(
            "writer_request.md.j2", filename=filename, brief=brief, target_words=target_words, unit=suffix(language),
            bible=story_bible(project, ledger), ledger=ledger, previous_name=previous_name,
            previous_tail=previous_tail, previous_synopsis=previous_synopsis,
            outline=outline_context(project, filename), voice=voice_sample(project))),
    ]


class Writer:
    """Drafts chapters with the writer model, retrying transient failures silently."""

    def __init__(self, client: ModelClient, backoff: Backoff, max_output_tokens: int,
                 scrubber: Scrubber | None = None, usage: Any = None):
        self.max_output_tokens = max_output_tokens
        self.caller = Caller(client, backoff, scrubber or Scrubber(),  # the writer server's errors may quote its key
                             usage=usage, fails_as=FailsAs(DraftFailed, "the writer model failed: "), retry_cuts=False)

    def draft(self, project: Project, filename: str, brief: str, target_words: int | None,
              report: Callable[[str, int], None]) -> Draft:
        name = project.relative_name(project.resolve(filename))
        messages = writer_messages(project, name, brief, target_words)
        progress = _Progress(name, report)
        turn = self.caller.call(messages, None, progress, self.max_output_tokens, on_retry=progress.restart)
        text = turn.content.strip() + "\n"
        if not text.strip():
            raise DraftFailed(f"the writer returned no text for {name}")
        name, words = project.write(name, text, "overwrite")
        return Draft(name, words, text, turn.finish_reason == "length")


def draft_result(draft: Draft, target: int | None, project: Project) -> str:
    """What the planner reads back: a stub of the draft, with its stock-phrase hits."""
    lines = [line.strip() for line in draft.text.splitlines() if line.strip()] or [""]
    feedback = write_feedback(project, draft.name, draft.text, draft.text)
    return render("draft_result.md.j2", name=draft.name, words=f"{draft.words:,}", unit=suffix(book_language(project)),
                  target=f"{target:,}" if target else "", first=lines[0][:80], last=lines[-1][-80:],
                  truncated=draft.truncated, **feedback.template_values()
                  | {"hits": [{"phrase": h.phrase, "line": h.line} for h in feedback.hits]})
