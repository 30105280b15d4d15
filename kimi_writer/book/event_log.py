"""A project's event log, `.kimi_writer/events.jsonl`: one JSON object per line, for programs that
follow a run (the studio, scripts, agents).

Every line has `run` (the run's id), `seq` (1, 2, 3... within the run), `time` (ISO 8601, UTC) and
`type`. The file stays bounded: the last MAX_RUNS runs, or about MAX_BYTES, whichever is smaller;
it is rotated by writing a new file and renaming it over the old one. A reader takes whole lines
only: a last line cut short by a crash is skipped, and so is any line that is not a JSON object.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

EVENTS_FILE = "events.jsonl"
MAX_RUNS = 20
MAX_BYTES = 20 * 1024 * 1024
_RUN_PREFIX = re.compile(rb'\{"run": "([0-9A-Za-z-]+)", "seq": \d+, ')


def new_run_id() -> str:
    """Unique across processes: the UTC time, then random hex ('20261204T140312Z-3f9a1c2b')."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(line: bytes) -> dict | None:
    try:
        event = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None


def _whole_lines(data: bytes) -> tuple[list[dict], int]:
    """The events in the complete lines of `data`, and the bytes those lines take."""
    end = data.rfind(b"\n") + 1
    events = [event for event in map(_parse, data[:end].splitlines()) if event is not None]
    return events, end


def read_events(path: Path | str) -> list[dict]:
    """Every event in the file's whole lines (none when there is no file)."""
    return read_from(path, 0)[0]


def read_from(path: Path | str, offset: int) -> tuple[list[dict], int]:
    """The events in the whole lines after byte `offset`, and the offset to read from next time.
    A file shorter than `offset`, or one whose byte before `offset` does not end a line, was
    rotated meanwhile: it is read again from its start."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if offset > size or offset < 0 or not _line_ends_at(handle, offset):
                offset = 0
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], 0
    events, used = _whole_lines(data)
    return events, offset + used


def _line_ends_at(handle, offset: int) -> bool:
    if offset == 0:
        return True
    handle.seek(offset - 1)
    return handle.read(1) == b"\n"


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    """`value` with `scrub` applied to every string in it (keys of objects included)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(key)): _scrubbed(item, scrub) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(item, scrub) for item in value]
    return value


class EventLog:
    """The events of one run: appended to the project's log (once a project is known) and, with
    --json, written to a stream too. `scrub` takes the secrets out of every text."""

    def __init__(self, scrub: Callable[[str], str] = lambda text: text, stream: TextIO | None = None,
                 run_id: str | None = None, max_runs: int = MAX_RUNS, max_bytes: int = MAX_BYTES):
        self.run = run_id or new_run_id()
        self.seq = 0
        self.scrub, self.stream = scrub, stream
        self.max_runs, self.max_bytes = max_runs, max_bytes
        self.path: Path | None = None
        self.pending: list[bytes] = []  # lines from before the project was known

    def attach(self, path: Path | str) -> None:
        """Log to `path` from now on (with the lines so far); rotate it first if it is full. A log
        that is a link is not followed: the run is not logged."""
        if self.path is not None or Path(path).is_symlink():
            return
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            rotate(self.path, self.max_runs - 1, self.max_bytes)
            _end_cut_line(self.path)
        except OSError:
            pass  # the log is a convenience: a run never fails for it
        pending, self.pending = self.pending, []
        self._append(b"".join(pending))

    def emit(self, type_: str, **fields: Any) -> dict:
        """One event: numbered, timed, scrubbed; written to the stream and the file."""
        self.seq += 1
        event = {"run": self.run, "seq": self.seq, "time": utc_now(), "type": type_,
                 **_scrubbed(fields, self.scrub)}
        line = json.dumps(event, ensure_ascii=False) + "\n"
        if self.stream is not None:
            self._print(line)
        if self.path is None:
            self.pending.append(line.encode("utf-8"))
        else:
            self._append(line.encode("utf-8"))
        return event

    def _print(self, line: str) -> None:
        """To the stream; one that is gone (a closed pipe, a hung-up terminal) is dropped, the file kept."""
        try:
            self.stream.write(line)
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None

    def _append(self, data: bytes) -> None:
        if not data or self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                os.write(fd, data)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if size > self.max_bytes:
                rotate(self.path, self.max_runs, self.max_bytes // 2)
        except OSError:
            pass


def _end_cut_line(path: Path) -> None:
    """End a last line cut short by a crash, so that the next line starts on its own."""
    try:
        with open(path, "rb+") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
    except FileNotFoundError:
        pass


def rotate(path: Path, keep_runs: int, max_bytes: int) -> None:
    """Keep at most the last `keep_runs` runs and about `max_bytes` (whole lines from the end),
    by writing a new file and renaming it over the old one."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    lines = data[:data.rfind(b"\n") + 1].splitlines(keepends=True)
    kept = _last_runs(lines, keep_runs)
    kept = _fitting(kept, max_bytes)
    if len(kept) == len(lines) and len(data) <= max_bytes:
        return
    spare = path.with_name(path.name + f".{os.getpid()}.tmp")
    spare.write_bytes(b"".join(kept))
    os.replace(spare, path)


def _run_of(line: bytes) -> str | None:
    """A line's run id: read from the start of the line as this module writes it, else parsed."""
    found = _RUN_PREFIX.match(line)
    if found:
        return found.group(1).decode("utf-8", "replace")
    run = (_parse(line) or {}).get("run")
    return run if isinstance(run, str) else None


def _last_runs(lines: list[bytes], keep_runs: int) -> list[bytes]:
    """The lines of the last `keep_runs` runs (by first appearance of each run id)."""
    runs = [_run_of(line) for line in lines]
    order = list(dict.fromkeys(run for run in runs if run is not None))
    wanted = set(order[-keep_runs:]) if keep_runs > 0 else set()
    return [line for line, run in zip(lines, runs) if run in wanted]


def _fitting(lines: list[bytes], max_bytes: int) -> list[bytes]:
    """The last lines whose sizes add up to at most `max_bytes`."""
    total, start = 0, len(lines)
    while start > 0 and total + len(lines[start - 1]) <= max_bytes:
        start -= 1
        total += len(lines[start])
    return lines[start:]


def runs_in(events: Iterable[dict]) -> list[str]:
    """The run ids in order of first appearance."""
    return list(dict.fromkeys(str(event.get("run")) for event in events if "run" in event))
