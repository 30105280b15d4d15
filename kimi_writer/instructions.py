"""The system prompt of a run: its rules, the banned phrases, and the planning or drafting rules."""

from __future__ import annotations

from .ledger import LEDGER_FILE, SECTIONS
from .project import Project
from .prompts import render
from .style import banned_phrases


def system_prompt(max_iterations: int, project: Project | None = None, plan_only: bool = False,
                  drafting: bool = False) -> str:
    """The system prompt, with the banned phrases (the project's own too, when one is known),
    the ledger's rules when the book has a continuity.md, and the planning-run rules under --plan-only."""
    parts = [render("system.md.j2", max_iterations=max_iterations),
             render("style_rules.md.j2", banned_phrases=banned_phrases(project))]
    if project is not None and project.read_if_file(LEDGER_FILE) is not None:
        parts.append(render("ledger_rules.md.j2", headings=list(SECTIONS.values())))
    if drafting and not plan_only:
        parts.append(render("drafting.md.j2"))
    if plan_only:
        parts.append(render("plan_only.md.j2"))
    return "\n\n".join(parts)
