"""`kimi-writer import`: bring in the author's own manuscript (DOCX, EPUB, Markdown, text or a folder of
them) as a new project, its chapters marked as the author's; with --plan the planner reads them and writes
the outline, the chapter summaries and continuity.md, so that `write --recover` can continue the book."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..book.language import store_language
from ..book.locate import resume_command
from ..book.project import Project, sanitize_project_name, writable_problem, PathRefused
from ..core.errors import BudgetExceeded, ExitCode, UserError
from ..core.language import amount, detect_language
from ..intake.parts import Source
from ..intake.source import is_collection, read_source
from ..intake.store import FRONT_MATTER, store
from ..judge.critic import NotReviewed
from ..judge.reading import Readers, ReadingFailed, read_book
from ..loop.continuation import continuation_task, imported_state
from ..loop.tools import candidate_names
from ..model.api_errors import Scrubber
from ..model.caller import Caller, FailsAs, Limits
from ..model.retry import Backoff
from ..book.session import UsageTotals
from ..options import OWN, fail, load_settings, setting_flags
from ..settings import Settings
from .run import check_price, client_for, critic_key, critic_model, make_critic, require_key, reviews, usage_line

IMPORT_FLAGS = {
    "name": OWN,
    "split": OWN,
    "plan": OWN,
    "projects_dir": "Folder for projects.",
    "language": ("The book's language, a BCP 47 tag: zh, zh-Hant, ja, en, ...", "detected from the text"),
    "model": "The planner's model, which reads the chapters.",
    "base_url": "OpenAI-compatible API URL.",
    "critic_model": ("A critic model: when set, it finds the facts for continuity.md.", "none: the planner"),
    "critic_base_url": ("The critic model's API URL.", "the --base-url"),
    "token_limit": "Context window in tokens: the chapters are read in batches that fit it.",
    "max_tokens": "Stop before the reading's total tokens (in + out) would exceed this.",
    "max_cost": "Stop before the reading's estimated cost would exceed this many dollars.",
}
MODEL_FAILURES = (ReadingFailed, NotReviewed)
READING_SHARE = 0.5  # of the context window, for the chapters of one batch


@dataclass
class Reading:
    """What the reading gave: the chapter summaries, and the lines that report it."""

    summaries: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def make_readers(settings: Settings, usage: UsageTotals) -> Readers:
    """The planner's caller, and the critic's when a critic model is set; their usage counted into `usage`."""
    key = require_key(settings)
    client = client_for(settings, key, settings.model, settings.base_url)
    planner = Caller(client, Backoff(settings.max_retries, settings.retry_base_delay), Scrubber.from_settings(settings),
                     usage=usage, limits=Limits(settings.max_tokens, settings.max_cost, settings.price()),
                     fails_as=FailsAs(ReadingFailed, "the planner model failed: "), retry_cuts=False)
    critic = make_critic(settings, critic_key(settings), usage).caller if reviews(settings) != "off" else None
    return Readers(planner, critic, int(settings.token_limit * READING_SHARE))


def read_chapters(project: Project, source: Source, names: list[str], settings: Settings, origin: str) -> Reading:
    """The planner reads the author's chapters: outline.md, continuity.md, and the summaries it returns."""
    usage = UsageTotals()
    batches: list[int] = []
    chapters = [name for name in names if name != FRONT_MATTER]
    summaries = read_book(project, source.title, chapters, make_readers(settings, usage), is_collection(source),
                          origin, lambda done, total: batches.append(total))
    who = settings.model + (f" (continuity by {settings.critic_model})" if settings.critic_model else "")
    count = batches[-1] if batches else 0
    return Reading(summaries, [f"Read by {who} in {count} {'batch' if count == 1 else 'batches'}: outline.md, "
                               "continuity.md and the chapter summaries are written.",
                               usage_line(usage, settings, settings.model)])


def save_session(project: Project, settings: Settings, source: Source, names: list[str],
                 summaries: dict[str, str]) -> None:
    task = continuation_task(project, source.title, names, is_collection(source))
    imported_state(project, task, settings.model, settings.base_url, settings.max_iterations, summaries, names)


def _project_name(name: str | None, source: Source) -> str:
    try:
        return sanitize_project_name(name or source.title)
    except PathRefused:
        if name:
            raise UserError(f"--name {name!r} has no letters or digits; give a name like 'My_Novel'.") from None
        return "Imported_book"


def new_project(projects_dir: Path, wanted: str) -> Project:
    """A new, empty project folder: `wanted`, or `wanted_2`, `wanted_3`... when that name is taken."""
    for name in candidate_names(wanted):
        root = Path(projects_dir) / name
        if not root.exists() and not root.is_symlink():
            root.mkdir(parents=True)
            return Project(root)
    raise UserError(f"no free folder name for {wanted!r} under {projects_dir}; give another with --name.")


def _require_key(settings: Settings) -> None:
    try:
        require_key(settings)
    except UserError as error:
        raise UserError(f"{str(error).rstrip('.')}; or import the text alone with --no-plan.") from None


def _checked(path: Path, split: str | None, plan: bool, settings: Settings) -> Source:
    """The source read and split, and the settings checked, before anything is made."""
    source = read_source(path, split)
    if plan:
        _require_key(settings)
        check_price(settings, settings.model, *([critic_model(settings)] if settings.critic_model else []))
    problem = writable_problem(settings.projects_dir)
    if problem:
        raise UserError(f"{problem}, so no project can be made under {settings.projects_dir}; choose another "
                        "folder with --projects-dir.")
    return source


def book_language_of(source: Source, settings: Settings) -> str:
    """--language, else the language of the imported text (its first parts)."""
    return settings.language or detect_language("\n".join(part.text[:2000] for part in source.parts[:3]))


def _fill(project: Project, source: Source, origin: str, plan: bool, settings: Settings) -> Reading:
    names = store(project, source, origin)
    store_language(project, book_language_of(source, settings))
    reading = read_chapters(project, source, names, settings, origin) if plan else Reading()
    save_session(project, settings, source, names, reading.summaries)
    return reading


def _import(path: Path, source: Source, project: Project, plan: bool, settings: Settings) -> Reading:
    """Fill the new project; on any failure it is removed whole, so no half-made project is left."""
    try:
        return _fill(project, source, path.name, plan, settings)
    except BaseException as error:
        shutil.rmtree(project.root, ignore_errors=True)
        if isinstance(error, MODEL_FAILURES):
            raise fail(f"{error}; nothing was imported (run the command again, or import with --no-plan).",
                       ExitCode.MODEL_ERROR) from None
        if isinstance(error, BudgetExceeded):
            raise fail(f"{error}; nothing was imported.", ExitCode.BUDGET) from None
        raise


def _report(project: Project, source: Source, path: Path, reading: Reading, settings: Settings) -> None:
    noun = ("story" if len(source.parts) == 1 else "stories") if is_collection(source) else (
        "chapter" if len(source.parts) == 1 else "chapters")
    found = {"headings": "by their headings", "--split": "by --split", "spine": "in the EPUB's spine order",
             "files": "one per file", "none": "as one part"}[source.found_by]
    typer.echo(f"Imported {len(source.parts)} {noun} ({amount(source.words, book_language_of(source, settings))}) "
               f"from {path.name} into "
               f"{project.root}, found {found}; they are marked as the author's text.")
    for line in reading.lines:
        typer.echo(line)
    typer.echo(f"Continue with: {resume_command(project.root)}")


@setting_flags(IMPORT_FLAGS)
def import_command(
    path: Annotated[Path, typer.Argument(help="A .docx, .epub, .md or .txt file, or a folder of them (one chapter each).",
                                         metavar="PATH", show_default=False)],
    name: Annotated[Optional[str], typer.Option("--name", help="The project's name (default: the book's title).")] = None,
    split: Annotated[Optional[str], typer.Option("--split", metavar="PATTERN", help=(
        "A regular expression that matches each chapter's first line (default: chapter headings)."))] = None,
    plan: Annotated[bool, typer.Option("--plan/--no-plan", help=(
        "Have the planner read the chapters and write the outline, the summaries and continuity.md "
        "(--no-plan: the text only, no key needed)."))] = True,
    **flags: Any,
) -> None:
    """Import the author's manuscript at PATH as a new project, to be continued in their voice."""
    try:
        settings = load_settings(**flags)
        source = _checked(path, split, plan, settings)
        for warning in source.warnings:
            typer.echo(warning, err=True)
        project = new_project(settings.projects_dir, _project_name(name, source))
    except UserError as error:
        raise fail(str(error)) from None
    reading = _import(path, source, project, plan, settings)
    _report(project, source, path, reading, settings)
