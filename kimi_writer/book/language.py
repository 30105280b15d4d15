"""The language a book is written in: stored in the project's state (`.kimi_writer/book.json`) by
`write --language` or by detection from the prompt; for a folder with none stored (an older project,
a plain folder of chapters), detected from its text."""

from __future__ import annotations

import json

from ..core.language import DEFAULT_LANGUAGE, LanguageTagError, detect_language, normalize_tag
from .project import PathRefused, Project, atomic_write_text

BOOK_FILE = "book.json"
_SAMPLE_FILES = 3  # the outline and the first chapters are enough to tell


def stored_language(project: Project) -> str | None:
    """The language saved in the project's state, or None (none saved, or the file is unreadable)."""
    path = project.state_dir / BOOK_FILE
    try:
        project.check_state_dir()
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return normalize_tag(data["language"]) if isinstance(data, dict) and "language" in data else None
    except (OSError, ValueError, TypeError, AttributeError, PathRefused, LanguageTagError):
        return None


def store_language(project: Project, language: str) -> None:
    """Save the book's language in the project's state (other keys of the file are kept)."""
    path = project.state_dir / BOOK_FILE
    project.check_state_dir()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        data = {}
    data = {**(data if isinstance(data, dict) else {}), "language": language}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def text_sample(project: Project) -> str:
    """The start of the outline and of the first few manuscript files."""
    names = sorted((info.name for info in project.files()), key=lambda name: (name != "outline.md", name))
    return "\n".join((project.read_if_file(name) or "")[:2000] for name in names[:_SAMPLE_FILES])


def book_language(project: Project) -> str:
    """The book's language: the stored one, else detected from its text, else English."""
    return stored_language(project) or detect_language(text_sample(project), DEFAULT_LANGUAGE)
