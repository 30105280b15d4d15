"""Replace a file whole: a new temporary file beside it, filled, synced, then renamed over it.

A new file gets the mode the umask gives (0644 under umask 022); a file that exists keeps its mode.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO, Callable

_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_ATTEMPTS = 100


def replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let `write` fill a temporary file beside `path`, fsync it and rename it to `path`.

    On any failure the temporary file is removed and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, handle = _create_beside(path)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create_beside(path: Path) -> tuple[Path, BinaryIO]:
    """A new, exclusively created `.NAME.RANDOM.tmp` in `path`'s folder, open for writing."""
    keep_mode = _mode_of(path)
    for _ in range(_ATTEMPTS):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, _CREATE_NEW, 0o666)  # the kernel applies the umask
        except FileExistsError:
            continue
        if keep_mode is not None:
            os.fchmod(fd, keep_mode)
        return tmp, os.fdopen(fd, "wb")
    raise FileExistsError(f"could not create a temporary file beside {path}")


def _mode_of(path: Path) -> int | None:
    """The permission bits of the file at `path`, or None when there is no such file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
