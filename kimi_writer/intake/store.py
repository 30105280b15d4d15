"""The parts written into a project: `chapter_NN.md` (or `story_NN.md` for a collection), each the
author's text exactly, then marked as the author's (book.authored)."""

from __future__ import annotations

import re

from ..book import authored
from ..book.project import Project
from .parts import Part, Source
from .source import is_collection

FRONT_MATTER = "front_matter.md"
PROLOGUE_WORDS = 150  # text before the first chapter longer than this is an untitled prologue
_SPECIAL = re.compile(r"^(prologue|epilogue)\b", re.I)


def _special(part: Part) -> str:
    """'prologue' or 'epilogue' for a part headed so, else ''."""
    match = _SPECIAL.match(part.heading)
    return match.group(1).lower() if match else ""


def file_names(source: Source) -> list[str]:
    """The file for each part, in order: numbered chapters or stories, with a prologue, an epilogue or
    front matter where the author has them."""
    noun = "story" if is_collection(source) else "chapter"
    names: list[str] = []
    number = 0
    for part in source.parts:
        special = "prologue" if part.front and len(part.text.split()) > PROLOGUE_WORDS else _special(part)
        named = f"{special}.md" if special else FRONT_MATTER if part.front else ""
        if named and named not in names:
            names.append(named)
        else:  # a chapter, or a second prologue or front matter (a folder split with --split)
            number += 1
            names.append(f"{noun}_{number:02d}.md")
    return names


def store(project: Project, source: Source, origin: str) -> list[str]:
    """Write every part into `project` (none may exist yet) and mark them as the author's; their names."""
    names = file_names(source)
    for name, part in zip(names, source.parts):
        project.write(name, part.text.rstrip("\n") + "\n", "create")
    authored.mark(project, origin, names)
    return names
