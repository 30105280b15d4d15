"""Stand-ins for what the events branch brings (book.event_log and report.status.book_status):
one function each, which the integrator swaps for the real ones once that branch is on main."""

from __future__ import annotations

import json
import os
from pathlib import Path
from statistics import mean

from ..book.manuscript import chapter_files, project_is_collection
from ..book.outline import OutlineEntry, load_outline, outline_title, read_outline
from ..book.project import Project
from ..book.lock import LOCK_FILE
from ..judge.reviews import is_stale, load_review
from ..report.status import load_state

EVENTS_FILE = "events.jsonl"


def read_from(path: Path, offset: int) -> tuple[list[dict], int]:
    """The whole JSON lines of `path` from byte `offset`, and the offset after the last whole line."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n") + 1
    events = []
    for line in data[:end].splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events, offset + end


def running(project: Project) -> dict | None:
    """{pid, command, since} of the live process holding the book's lock, or None."""
    path = project.state_dir / LOCK_FILE
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        pid = int(holder["pid"])
        os.kill(pid, 0)
        since = path.stat().st_mtime
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return {"pid": pid, "command": str(holder.get("command", ""))[:120], "since": since}


def _part(project: Project, number: int | None, info, entries: dict[int, OutlineEntry]) -> dict:
    review = load_review(project, info.name)
    stale = review is not None and is_stale(project, review)
    entry = entries.get(number) if number is not None else None
    return {"file": info.name, "title": entry.title if entry else "", "words": info.words,
            "target": entry.target_words if entry else None,
            "score": review.overall if review else None, "stale": stale}


def book_status(project: Project) -> dict:
    """The book as `status --json` shows it: title, planned and written parts, parts, runs, running."""
    entries = load_outline(project)
    by_number = {entry.number: entry for entry in entries}
    files = chapter_files(project)
    parts = [_part(project, number, info, by_number) for number, info in files]
    state, _ = load_state(project)
    runs = [run.model_dump() for run in state.runs] if state is not None else []
    fresh = [part["score"] for part in parts if part["score"] is not None and not part["stale"]]
    written = {number for number, _ in files if number is not None}
    return {"name": project.name, "title": outline_title(read_outline(project)) or project.name.replace("_", " "),
            "collection": project_is_collection(project, entries), "planned_parts": len(entries),
            "written_parts": len(written & {entry.number for entry in entries}),
            "words": sum(part["words"] for part in parts), "score": round(mean(fresh), 2) if fresh else None,
            "parts": parts, "runs": runs, "running": running(project)}
