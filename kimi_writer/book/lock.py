"""One run per project: an advisory lock on `.kimi_writer/lock` that names the process holding it.

It uses `fcntl.flock` rather than the `filelock` package: the lock file carries the holder's
pid and command, and filelock opens its file with O_TRUNC before it tries the lock, so a second
run would wipe the name of the first. The kernel drops a flock when its process dies, so a lock
is never stale; a run removes its lock file as it exits, and one that still names a process
(a run that was killed) is taken over with a notice. On systems without fcntl (Windows) runs are not locked.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from ..core.errors import UserError
from .project import PathRefused, Project, writable_problem

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "lock"
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
_held: dict[Path, IO[str]] = {}  # lock file -> its open, locked handle


class LockError(UserError):
    """The project's lock cannot be taken (a link outside, a read-only folder...)."""


class ProjectBusy(LockError):
    """Another run holds the project."""


def acquire(project: Project) -> str:
    """Hold `project` for this process until it exits; returns a notice ('' when none).
    ProjectBusy when another process holds it, LockError when it cannot be locked."""
    path = project.state_dir / LOCK_FILE
    if fcntl is None or path in _held:
        return ""
    handle = _locked(project)
    left = handle.read()
    try:
        _write_holder(handle)
    except OSError as error:  # a full disk: the lock is not held, and its empty file not left behind
        path.unlink(missing_ok=True)
        try:
            handle.close()  # flushes the holder again, and fails again; the file is closed all the same
        except OSError:
            pass
        raise LockError(f"cannot lock {path}: {error.strerror or error}.") from None
    if not _held:
        atexit.register(release_all)
    _held[path] = handle
    if not left.strip():
        return ""
    return f"Took over the lock of {project.name}, left by {_describe(left)}, which is no longer running."


def _locked(project: Project) -> IO[str]:
    """The lock file, opened and locked; again if a run that ended removed it meanwhile."""
    while True:
        handle = _open(project)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _describe(handle.read())
            handle.close()
            raise ProjectBusy(f"{project.root} is in use by another kimi-writer run ({holder}); wait for it to "
                              "end, or stop it first.") from None
        if _still_there(handle, project.state_dir / LOCK_FILE):
            return handle
        handle.close()


def _still_there(handle: IO[str], path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except OSError:
        return False


def _open(project: Project) -> IO[str]:
    try:
        project.check_state_dir()
        project.state_dir.mkdir(exist_ok=True)
        fd = os.open(project.state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except PathRefused as error:
        raise LockError(str(error)) from None
    except OSError as error:
        raise LockError(f"cannot lock {project.state_dir / LOCK_FILE}: {error.strerror or error}.") from None
    return os.fdopen(fd, "r+", encoding="utf-8", errors="replace")


def _write_holder(handle: IO[str]) -> None:
    command = " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])
    handle.seek(0)
    handle.truncate()
    since = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    handle.write(json.dumps({"pid": os.getpid(), "command": command[:120], "since": since}) + "\n")
    handle.flush()


@dataclass(frozen=True)
class Holder:
    """The run that holds a project: its pid, its command line, and since when (ISO 8601, UTC)."""

    pid: int
    command: str
    since: str | None


def _holder(text: str) -> Holder | None:
    """The holder a lock file's text names (anyone may have written it); None if it names none."""
    try:
        found = json.loads(text)
        pid, command, since = int(found["pid"]), str(found.get("command", "")), found.get("since")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    since = _UNPRINTABLE.sub("", since)[:40] if isinstance(since, str) else None
    return Holder(pid, _UNPRINTABLE.sub("", command)[:120], since)


def _describe(text: str) -> str:
    """'process 123: kimi-writer write ...' from a lock file's text."""
    holder = _holder(text)
    if holder is None:
        return "another process"
    return f"process {holder.pid}: {holder.command}" if holder.command else f"process {holder.pid}"


def running(project: Project) -> Holder | None:
    """The run that holds the project now, or None: the lock file names a process that is alive
    (a run removes its lock file as it ends; a killed one leaves a file naming a dead process)."""
    path = project.state_dir / LOCK_FILE
    try:
        project.check_state_dir()
        if path.is_symlink() or not path.is_file():
            return None
        holder = _holder(path.read_text(encoding="utf-8", errors="replace")[:4096])
    except (OSError, PathRefused):
        return None
    return holder if holder is not None and _alive(holder.pid) else None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def release_all() -> None:
    """Remove and unlock every lock this process holds (at exit); a killed run leaves its file."""
    for path, handle in _held.items():
        path.unlink(missing_ok=True)
        handle.close()  # closing the file drops the flock
    _held.clear()


def hold(project: Project) -> str:
    """Make sure the folder can be written, then lock it for this run (before any model call);
    returns the lock's notice ('' when none)."""
    try:
        project.check_state_dir()
    except PathRefused as error:
        raise UserError(str(error)) from None
    problem = writable_problem(project.root) or (
        writable_problem(project.state_dir) if project.state_dir.exists() else None)
    if problem:
        raise UserError(f"{problem}, so the book in {project.root} cannot be continued.")
    return acquire(project)
