"""Noticing the author's edits between runs: a hash and a snapshot of every file the agent wrote."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

from .outline import is_chapter_file
from .project import Project, atomic_write_text

SNAPSHOTS = "snapshots"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(project: Project, name: str) -> str | None:
    path = project.root / name
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def remember(project: Project, name: str) -> str:
    """Snapshot the file as the agent left it; returns its hash."""
    text = _read(project, name) or ""
    atomic_write_text(project.state_dir / SNAPSHOTS / name, text)
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
        current = _read(project, name)
        if current is None:
            edits.append(Edit(name, "deleted"))
        elif content_hash(current) != expected:
            edits.append(_changed(project, name, current))
    return edits


def _changed(project: Project, name: str, current: str) -> Edit:
    if not is_chapter_file(name):
        return Edit(name, "changed", text=current)
    snapshot = project.state_dir / SNAPSHOTS / name
    before = snapshot.read_text(encoding="utf-8") if snapshot.is_file() else ""
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
