"""The system prompt of a run: its rules, the banned phrases, and the planning or drafting rules."""

from __future__ import annotations

import re

from ..book.ledger import LEDGER_FILE, SECTIONS
from ..book.manuscript import project_is_collection
from ..book.project import Project
from ..core.language import with_language
from ..core.prompts import render
from ..guard.zh import phrases_to_avoid
from ..guard.style import banned_phrases

_ASKS_FOR_STORIES = re.compile(r"\b(stories|collection|anthology)\b", re.IGNORECASE)


def is_for_a_collection(prompt: str, project: Project | None) -> bool:
    """Whether the collection rules belong in the prompt: the author asks for stories, or the book's
    outline or files are stories. Other books keep the shorter prompt (they pay for it on every request)."""
    return bool(_ASKS_FOR_STORIES.search(prompt)) or (project is not None and project_is_collection(project))


def system_prompt(max_iterations: int, project: Project | None = None, plan_only: bool = False,
                  drafting: bool = False, prompt: str = "", reviews: str = "off", language: str = "en") -> str:
    """The system prompt, with the banned phrases (the project's own too, when one is known),
    the collection rules for a book of stories, the ledger's rules when the book has a continuity.md, the rules of
    reviews when a critic is on (`reviews` 'auto' or 'tool'), the planning-run rules under --plan-only, and the
    book's language rules when it is not English."""
    parts = [render("system.md.j2", max_iterations=max_iterations, collection=is_for_a_collection(prompt, project)),
             render("style_rules.md.j2", banned_phrases=banned_phrases(project))]
    if project is not None and project.read_if_file(LEDGER_FILE) is not None:
        parts.append(render("ledger_rules.md.j2", headings=list(SECTIONS.values())))
    if drafting and not plan_only:
        parts.append(render("drafting.md.j2"))
    if reviews != "off" and not plan_only:
        parts.append(render("review_rules.md.j2", auto=reviews == "auto"))
    if plan_only:
        parts.append(render("plan_only.md.j2"))
    return with_language("\n\n".join(parts), language, phrases_to_avoid(language))
