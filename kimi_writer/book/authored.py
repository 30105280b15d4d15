"""The author's own text: the chapters `kimi-writer import` brought in, marked in `.kimi_writer/author_text.json`.

The loop and `revise` never replace or extend them (revise only with --force); `status` shows them as the
author's; and the writer's requests carry a short sample of them as the voice to match."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, Field, ValidationError

from ..core.prompts import render
from ..core.tokens import count_text
from .edits import content_hash
from .outline import chapter_number
from .project import Project, ProjectError, atomic_write_text

AUTHOR_FILE = "author_text.json"
VOICE_TOKENS = 400


class AuthorText(BaseModel):
    """Where the author's text came from, and each imported file's hash as imported."""

    source: str
    imported_at: str = ""
    files: dict[str, str] = Field(default_factory=dict)


class AuthorTextRefused(ProjectError):
    """A write that would replace or extend the author's own text."""


def mark(project: Project, source: str, names: list[str]) -> None:
    """Record `names` as the author's text, imported from `source`."""
    record = AuthorText(source=source, imported_at=datetime.now().isoformat(timespec="seconds"),
                        files={name: content_hash(project.read_if_file(name) or "") for name in names})
    atomic_write_text(project.state_dir / AUTHOR_FILE, record.model_dump_json(indent=1))


def load(project: Project) -> AuthorText | None:
    """The record, or None when the book has no imported text (or the record is unreadable)."""
    path = project.state_dir / AUTHOR_FILE
    if not path.is_file() or not project.contains(path):
        return None
    try:
        return AuthorText.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def author_files(project: Project) -> set[str]:
    """The names of the author's imported files that are still in the project."""
    record = load(project)
    names = record.files if record else {}
    return {name for name in names if project.safe_name(name) == name and project.read_if_file(name) is not None}


def refuse_replacing(project: Project, name: str) -> None:
    """AuthorTextRefused when `name` is the author's imported text."""
    if name in author_files(project):
        raise AuthorTextRefused(render("author_text_refused.md.j2", name=name))


def _latest_first(names: set[str]) -> list[str]:
    return sorted(names, key=lambda name: (chapter_number(name) or 0, name), reverse=True)


def _paragraphs(text: str) -> list[str]:
    """The prose paragraphs of a chapter: no headings, no scene breaks."""
    blocks = [block.strip() for block in text.split("\n\n")]
    return [block for block in blocks if block and not block.startswith("#") and len(block.split()) > 3]


def voice_sample(project: Project, budget: int = VOICE_TOKENS) -> str:
    """Whole paragraphs of the latest imported chapters (each from its start), within about `budget`
    tokens, in reading order; "" when the book has no imported chapters."""
    picked: list[tuple[int, int, str]] = []
    used = 0
    for name in _latest_first({n for n in author_files(project) if chapter_number(n) is not None}):
        for index, paragraph in enumerate(_paragraphs(project.read_if_file(name) or "")):
            cost = count_text(paragraph)
            if used + cost > budget:
                return _joined(picked) or " ".join(paragraph.split()[:budget // 2])
            picked.append((chapter_number(name) or 0, index, paragraph))
            used += cost
    return _joined(picked)


def _joined(picked: list[tuple[int, int, str]]) -> str:
    return "\n\n".join(paragraph for _, _, paragraph in sorted(picked))
