"""Compressing history: older turns become a model-written summary; recent turns stay whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ..model.client import AssistantTurn
from ..core.messages import Kind, Message, system, user
from ..book.project import Project, atomic_write_text
from ..book.language import book_language
from ..core.language import suffix, with_language
from ..core.prompts import render
from ..book.session import SessionState
from ..core.tokens import count_text
from ..core.text import parse_json

EXCERPT_CHARS = 1500
HEAD_KINDS = (Kind.TASK, Kind.RESUME_NOTE)  # what a history opens with, after the system prompt


def split_point(messages: list[Message], keep_turns: int) -> int | None:
    """Index where the kept recent turns begin, always at an assistant message (so a tool call
    is never separated from its results); None when there is nothing old enough to compress."""
    head = head_length(messages)
    starts = [i for i, m in enumerate(messages) if i >= head and m.kind == Kind.REPLY]
    if len(starts) <= keep_turns:
        return None
    split = starts[-keep_turns] if keep_turns else len(messages)
    return split if split > head else None


def head_length(messages: list[Message]) -> int:
    """The system prompt and the author's first request (or a resumed run's first note) are never compressed."""
    for index, message in enumerate(messages):
        if message.kind in HEAD_KINDS:
            return index + 1
    return len(messages)


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    half = EXCERPT_CHARS // 2
    return f"{text[:half]}\n[… {len(text) - EXCERPT_CHARS:,} characters left out …]\n{text[-half:]}"


def transcript(messages: list[Message]) -> str:
    """A readable transcript for the summarizer: no reasoning, long texts cut in the middle."""
    lines = []
    for message in messages:
        role = message.role
        if message.content:
            lines.append(f"### {role}\n{_excerpt(message.content)}")
        for call in message.tool_calls:
            lines.append(f"### {role} calls {call.name}\n{_excerpt(_pretty_arguments(call.arguments))}")
    return "\n\n".join(lines)


def _pretty_arguments(arguments: str) -> str:
    try:
        parsed = parse_json(arguments)
    except json.JSONDecodeError:
        return arguments
    if not isinstance(parsed, dict):
        return arguments
    return "\n".join(f"{key}: {value}" for key, value in parsed.items())


def summarize(complete: Callable[[list[Message]], AssistantTurn], messages: list[Message], budget: int,
              language: str = "en") -> str:
    """Ask the model (through `complete`) for a summary of `messages`, in the book's `language`, sending at
    most about `budget` tokens of transcript (the newest part); raises on a model error."""
    previous = any(m.kind == Kind.SUMMARY for m in messages)
    text = _fit(transcript(messages), budget)
    request = [
        system(with_language(render("compress_system.md.j2"), language)),
        user(Kind.TASK, render("compress_request.md.j2", transcript=text, previous_summary=previous)),
    ]
    summary = complete(request).content.strip()
    if not summary:
        raise ValueError("the model returned an empty summary")
    return summary


def _fit(text: str, budget: int) -> str:
    """The end of `text`, cut to about `budget` tokens."""
    while count_text(text) > budget and len(text) > 200:
        text = "[… earlier transcript left out …]\n" + text[len(text) // 4:]
    return text


def local_summary(state: SessionState, project: Project) -> str:
    """A checkpoint summary built without a model call: the task, the files, the latest state."""
    latest = next((str(m.content) for m in reversed(state.messages) if m.kind == Kind.SUMMARY), "")
    last_words = next((str(m.content) for m in reversed(state.messages) if m.kind == Kind.REPLY and m.content), "")
    return render("checkpoint_summary.md.j2", prompt=state.prompt, files=project.files(),
                  iteration=state.iteration, outcome=state.outcome or "", earlier=latest,
                  last_words=_excerpt(last_words), unit=suffix(book_language(project)))


def compressed_history(messages: list[Message], split: int, summary: str) -> list[Message]:
    head = messages[: head_length(messages)]
    note = user(Kind.SUMMARY, render("summary_message.md.j2", summary=summary))
    return head + [note] + messages[split:]


def write_summary_file(project_root: Path, summary: str, now: datetime | None = None) -> Path:
    """`.context_summary_YYYYmmdd_HHMMSS.md` in the original script's format."""
    now = now or datetime.now()
    path = project_root / f".context_summary_{now:%Y%m%d_%H%M%S}.md"
    text = f"# Context Summary\n\n**Generated:** {now:%Y-%m-%d %H:%M:%S}\n\n---\n\n{summary}\n"
    atomic_write_text(path, text)
    return path
