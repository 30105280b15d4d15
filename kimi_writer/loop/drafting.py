"""`kimi-writer draft`: the writer model drafts chapters of the outline, several at once."""

from __future__ import annotations

from dataclasses import dataclass

from ..book.authored import author_files
from ..core.errors import UserError
from ..book.manuscript import chapter_files, parse_chapters
from ..book.outline import OutlineEntry, chapter_target, load_outline, part_filename
from ..core.pool import run_all
from ..book.project import Project
from ..core.prompts import render
from .writer import Draft, DraftFailed, Writer


@dataclass(frozen=True)
class Outcome:
    entry: OutlineEntry
    filename: str
    draft: Draft | None = None
    error: str = ""


def plan_drafts(project: Project, spec: str | None, overwrite: bool) -> tuple[list[tuple[OutlineEntry, str]], list[str]]:
    """(entry, file) to draft, and the files skipped because they exist (the author's own, even with `overwrite`)."""
    entries = load_outline(project)
    if not entries:
        raise UserError(f"{project.name} has no outline.md with numbered chapters; plan it first with --plan-only.")
    existing = {number: info.name for number, info in chapter_files(project) if number is not None}
    todo, skipped = [], []
    authors = author_files(project)
    for entry in parse_chapters(spec, entries):
        name = existing.get(entry.number, part_filename(entry))
        if entry.number in existing and (not overwrite or name in authors):
            skipped.append(name)
        else:
            todo.append((entry, name))
    return todo, skipped


def draft_all(project: Project, writer: Writer, todo: list[tuple[OutlineEntry, str]], parallel: int,
              chapter_words: int | None, report) -> list[Outcome]:
    """Draft every chapter, `parallel` at a time; a failure is reported and its siblings kept."""
    def one(job: tuple[OutlineEntry, str]) -> Outcome:
        entry, name = job
        brief = render("outline_brief.md.j2", number=entry.number, title=entry.title, synopsis=entry.synopsis)
        report(name, 0)
        try:
            draft = writer.draft(project, name, brief, chapter_target(project, name, chapter_words), report)
            return Outcome(entry, name, draft=draft)
        except DraftFailed as error:
            return Outcome(entry, name, error=str(error))
        finally:
            report(name, None)

    return run_all(todo, one, parallel)
