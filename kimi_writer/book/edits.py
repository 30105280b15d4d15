"""Noticing the author's edits between runs: a hash and a snapshot of every file the agent wrote."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .outline import is_chapter_file
from .project import Project, atomic_write_text

SNAPSHOTS = "snapshots"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bytes_hash(data: bytes) -> str:
    """The hash of a file's exact bytes (the same as content_hash of its UTF-8 text)."""
    return hashlib.sha256(data).hexdigest()


def _read(project: Project, name: str) -> str | None:
    """The file's text through the sandbox; None when it is missing or leads outside."""
    return project.read_if_file(name)


def _snapshot(project: Project, name: str) -> Path | None:
    """Where the snapshot of `name` lives; None when a link would take it outside the project."""
    path = project.state_dir / SNAPSHOTS / name
    return path if project.safe_name(name) is not None and project.contains(path) else None


def remember(project: Project, name: str) -> str:
    """Snapshot the file as the agent left it; returns its hash."""
    text = _read(project, name) or ""
    snapshot = _snapshot(project, name)
    if snapshot is not None:
        atomic_write_text(snapshot, text)
    return content_hash(text)


@dataclass(frozen=True)
class Edit:
    name: str
    kind: str  # "changed" or "deleted"
    text: str = ""  # the new text of a changed planning file
    diff: str = ""  # a unified diff of a changed chapter

    @property
    def is_outline(self) -> bool:
        return self.name == "outline.md"


def find_edits(project: Project, hashes: dict[str, str]) -> list[Edit]:
    """The files the agent wrote that someone else has changed or deleted since."""
    edits = []
    for name, expected in sorted(hashes.items()):
        if project.safe_name(name) is None:
            continue  # a name that leads outside is never read (recovery drops it with a warning)
        current = _read(project, name)
        if current is None:
            edits.append(Edit(name, "deleted"))
        elif content_hash(current) != expected:
            edits.append(_changed(project, name, current))
    return edits


def _changed(project: Project, name: str, current: str) -> Edit:
    if not is_chapter_file(name):
        return Edit(name, "changed", text=current)
    snapshot = _snapshot(project, name)
    before = snapshot.read_text(encoding="utf-8", errors="replace") if snapshot and snapshot.is_file() else ""
    diff = difflib.unified_diff(before.splitlines(keepends=True), current.splitlines(keepends=True),
                                fromfile=f"{name} (as you wrote it)", tofile=f"{name} (as the author left it)")
    return Edit(name, "changed", diff="".join(diff).rstrip("\n"))


def accept(project: Project, hashes: dict[str, str], edits: list[Edit]) -> None:
    """Take the author's versions as the new baseline, so they are reported once."""
    for edit in edits:
        if edit.kind == "deleted":
            hashes.pop(edit.name, None)
        else:
            hashes[edit.name] = remember(project, edit.name)


def settle(project: Project, hashes: dict[str, str], replacing: dict[str, str]) -> None:
    """After a run stopped while a revision replaced files (`replacing`: file -> its hash before): a
    file still as it was before is the agent's again (`hashes` named the new text), a replaced one
    gets its snapshot; neither is taken for the author's edit."""
    for name, before in replacing.items():
        current = _read(project, name)
        if current is not None and content_hash(current) in (before, hashes.get(name)):
            hashes[name] = remember(project, name)
    replacing.clear()
