"""The books of the projects folder, through the sandbox: open a book, read and save its files
(atomically, refused on a conflict or while a run holds the lock), and its versions."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from ..book.edits import content_hash
from ..book.manuscript import chapter_files
from ..book.outline import OUTLINE_FILE
from ..book.ledger import LEDGER_FILE
from ..book.project import PathRefused, Project, atomic_write_text, sanitize_project_name
from ..judge.reviews import VERSIONS, chapter_key, load_review, save_version, stem
from .adapters import running


class NotFound(Exception):
    """A book or file that does not exist, or a name the sandbox refuses (the page shows 404)."""


class Conflict(Exception):
    """The file changed on disk since the page loaded it (409)."""


class Locked(Exception):
    """A run holds the book's lock (423)."""


def book_names(projects_dir: Path) -> list[str]:
    """The folders of the projects folder that look like books (a name the sandbox accepts)."""
    root = Path(projects_dir)
    if not root.is_dir():
        return []
    return sorted(path.name for path in root.iterdir() if _is_book_name(path.name) and _book_path(root, path.name))


def _is_book_name(name: str) -> bool:
    try:
        return sanitize_project_name(name) == name
    except PathRefused:
        return False


def _book_path(projects_dir: Path, name: str) -> Path | None:
    root = Path(projects_dir).resolve()
    path = (root / name).resolve()
    return path if path.parent == root and path.is_dir() else None


def open_book(projects_dir: Path, name: str) -> Project:
    """The book `name` of the projects folder; NotFound for any name that is not one (`..`, a link out)."""
    path = _book_path(projects_dir, name) if _is_book_name(name) else None
    if path is None:
        raise NotFound(f"there is no book {name!r}")
    return Project(path)


def editable(project: Project, name: str) -> str:
    """The project-relative name of a file the studio shows and saves: the outline, the ledger, a part."""
    safe = project.safe_name(name)
    parts = {info.name for _, info in chapter_files(project)}
    if safe is None or not (safe in (OUTLINE_FILE, LEDGER_FILE) or safe in parts):
        raise NotFound(f"there is no file {name!r} in {project.name}")
    return safe


def read_text(project: Project, name: str) -> dict:
    """{"text", "sha256"} of a file ('' for an outline or ledger not written yet)."""
    name = editable(project, name)
    text = project.read_if_file(name) or ""
    return {"file": name, "text": text, "sha256": content_hash(text)}


def save_text(project: Project, name: str, text: str, base_sha256: str) -> dict:
    """Save `text` over the file the page loaded (its hash `base_sha256`); the text it replaces
    becomes a version first. Locked while a run holds the book, Conflict when the file changed."""
    name = editable(project, name)
    if running(project) is not None:
        raise Locked(f"a run is working on {project.name}; save again when it has ended")
    current = project.read_if_file(name) or ""
    if content_hash(current) != base_sha256:
        raise Conflict(f"{name} changed on disk since this page loaded it; reload it, then make your change again")
    if text != current:
        if current:
            save_version(project, name, current, load_review(project, name))
        atomic_write_text(project.resolve(name), text)
    return {"file": name, "sha256": content_hash(text)}


def _version_files(project: Project, name: str) -> list[Path]:
    """The saved versions of `name`, newest first: under its path in the project, and under the
    base name that versions went by before."""
    folders = dict.fromkeys(project.state_dir / VERSIONS / key for key in (chapter_key(name), stem(name)))
    found = [path for folder in folders if project.contains(folder) and folder.is_dir()
             for path in folder.glob("*.md") if project.contains(path)]
    return sorted(found, key=lambda path: path.stem, reverse=True)


def versions(project: Project, name: str) -> list[dict]:
    """The file's versions, newest first, each with a unified diff against the current text."""
    name = editable(project, name)
    current = project.read_if_file(name) or ""
    found = []
    for path in _version_files(project, name):
        text = path.read_text(encoding="utf-8", errors="replace")
        review = version_score(path.with_suffix(".json"))
        diff = "".join(difflib.unified_diff(text.splitlines(True), current.splitlines(True),
                                            f"version {path.stem}", "current"))
        found.append({"version": path.stem, "words": len(text.split()), "score": review,
                      "sha256": content_hash(text), "diff": diff})
    return found


def version_score(path: Path) -> float | None:
    """The overall score saved beside a version, if any."""
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["overall"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def restore(project: Project, name: str, version: str) -> dict:
    """Put a version back; the current text becomes a version first, so nothing is lost."""
    name = editable(project, name)
    path = next((path for path in _version_files(project, name) if path.stem == version), None)
    if path is None:
        raise NotFound(f"there is no version {version!r} of {name}")
    current = project.read_if_file(name) or ""
    return save_text(project, name, path.read_text(encoding="utf-8"), content_hash(current))

