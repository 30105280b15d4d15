"""Following a run: its events from `run_start` to `run_end`, from the studio's own child or, for a
run started in a terminal, from the book's events.jsonl; and the server-sent stream of them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

from ..book.project import Project
from . import library
from .adapters import EVENTS_FILE, read_from, running
from .runs import Run

POLL = 0.05  # seconds between looks at the events (an event reaches the page well under 0.5 s)
QUIET = 4.0  # seconds with no new line and no run holding the book: a run killed without run_end


def events_path(project: Project) -> Path | None:
    path = project.state_dir / EVENTS_FILE
    return path if project.contains(path) and path.is_file() else None


def find_run(projects_dir: Path, run_id: str) -> tuple[Project, int] | None:
    """The book whose events.jsonl holds the run, and the offset of the run's first line."""
    needle = json.dumps(run_id).encode()
    for name in library.book_names(projects_dir):
        project = library.open_book(projects_dir, name)
        path = events_path(project)
        data = path.read_bytes() if path else b""
        found = data.find(needle)
        if found >= 0:
            return project, data.rfind(b"\n", 0, found) + 1
    return None


def last_run(project: Project) -> str | None:
    """The id of the book's latest run in events.jsonl (to watch a run started in a terminal)."""
    path = events_path(project)
    events, _ = read_from(path, 0) if path else ([], 0)
    starts = [event.get("run") for event in events if event.get("type") == "run_start"]
    return str(starts[-1]) if starts else None


async def from_child(run: Run) -> AsyncIterator[dict]:
    index = 0
    while True:
        while index < len(run.events):
            index += 1
            yield run.events[index - 1]
            if run.events[index - 1].get("type") == "run_end":
                return
        if run.ended and index >= len(run.events):
            return
        await asyncio.sleep(POLL)


async def from_file(project: Project, offset: int, run_id: str) -> AsyncIterator[dict]:
    path, quiet = project.state_dir / EVENTS_FILE, 0.0
    while True:
        events, offset = read_from(path, offset)
        for event in events:
            if event.get("run") == run_id:
                yield event
                if event.get("type") == "run_end":
                    return
        quiet = 0.0 if events else quiet + POLL
        if quiet > QUIET and running(project) is None:
            return
        await asyncio.sleep(POLL)


async def server_sent(events: AsyncIterator[dict], after: int = -1) -> AsyncIterator[str]:
    """Each event as one server-sent event (`id` is its seq), then an `end` event; a browser that
    reconnects with Last-Event-ID `after` gets only the events after it."""
    async for event in events:
        seq = event.get("seq")
        if isinstance(seq, int) and seq <= after:
            continue
        yield f"id: {seq if seq is not None else ''}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
    yield "event: end\ndata: {}\n\n"
