"""What the pages read of a book, from the functions the CLI uses: the event log
(book.event_log), the lock's holder (book.lock.running) and `status --json` (report.status)."""

from __future__ import annotations

from statistics import mean

from ..book import lock
from ..book.event_log import EVENTS_FILE, read_from  # noqa: F401  (the studio's one way to read a log)
from ..book.project import Project
from ..report.status import book_status as status_of


def running(project: Project) -> dict | None:
    """{pid, command, since} of the live process holding the book's lock, or None."""
    holder = lock.running(project)
    return None if holder is None else {"pid": holder.pid, "command": holder.command[:120],
                                        "since": holder.since}


def book_status(project: Project) -> dict:
    """The book as `status --json` prints it, plus what the pages show of it: its folder name, the
    written parts alone, and the average of the scores that are not stale."""
    status = status_of(project).model_dump(mode="json")
    written = [part for part in status["parts"] if part["file"]]
    fresh = [part["score"] for part in written if part["score"] is not None and not part["stale"]]
    return {**status, "name": project.name, "collection": status["kind"] == "story",
            "planned_parts": status["planned"], "written_parts": status["written"], "written_list": written,
            "score": round(mean(fresh), 2) if fresh else None}
