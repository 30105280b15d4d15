"""`kimi-writer revise`: rewrite the weak chapters, keeping a version only when the critic scores it higher."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..book.authored import author_files
from ..model.api_errors import Scrubber
from ..model.caller import Caller, FailsAs, Limits
from ..core.errors import ExitCode, UserError
from ..options import OWN, fail, load_settings, setting_flags
from ..core.pool import run_all_or_stop
from ..core.text import printable
from ..book.project import Project, count_words
from ..flags import JSON_EVENTS
from ..model.retry import Backoff
from ..judge.reviews import REVIEW_FILE, load_review, refuse_links, summary_file
from ..judge.revise import ChapterUsage, Models, Reviser, Revision, RevisionFailed, Rules, hold_writes
from ..judge.author_note import AuthorNote, NoteReviser
from ..book.session import UsageTotals
from ..settings import Settings
from ..report.status import load_state
from ..book.manuscript import chosen_chapters
from .arguments import ChaptersOption, ProjectArgument, abandon, console, hold, open_project
from .run import (check_price, client_for, critic_key, critic_model, make_critic, reporting, require_key, run_display,
                  usage_line, usage_summary)

REVISE_FLAGS = {
    "chapters": OWN,
    "note": OWN,
    "below": OWN,
    "rounds": OWN,
    "parallel": "Chapters revised at once.",
    "force": OWN,
    "max_tokens": "Stop before the run's total tokens (in + out) would exceed this.",
    "max_cost": "Stop before the run's estimated cost would exceed this many dollars.",
    "writer_model": ("The model that rewrites chapters.", "the --model"),
    "writer_base_url": "The writer model's API URL.",
    "critic_model": ("The model that scores chapters.", "the --model"),
    "critic_base_url": "The critic model's API URL.",
    "model": "The planner's model name (the default of the others).",
    "base_url": "The planner's API URL.",
    "chapter_words": "Target words per chapter.",
    "token_limit": "The writer's and the critic's context window in tokens: a longer request is not sent.",
    "projects_dir": "Folder of projects.",
    "json_output": JSON_EVENTS,
}
OUTCOMES_TO_EXIT = {"not reviewed": ExitCode.MODEL_ERROR, "failed": ExitCode.MODEL_ERROR, "budget": ExitCode.BUDGET}


def writer_key(settings: Settings) -> str:
    if settings.writer_api_key is not None and settings.writer_api_key.get_secret_value().strip():
        return settings.writer_api_key.get_secret_value().strip()
    return require_key(settings)


def make_models(settings: Settings) -> Models:
    """The critic and the writer for each chapter (the planner's model, URL and key where unset)."""
    run_usage, model = UsageTotals(), settings.writer_model or settings.model
    client = client_for(settings, writer_key(settings), model, settings.writer_base_url or settings.base_url)
    backoff, scrubber = Backoff(settings.max_retries, settings.retry_base_delay), Scrubber.from_settings(settings)
    key = critic_key(settings)
    limits = Limits(settings.max_tokens, settings.max_cost, settings.prices.get(model))

    def writer(usage: ChapterUsage) -> Caller:
        return Caller(client, backoff, scrubber, usage=usage, limits=limits,  # type: ignore[arg-type]
                      fails_as=FailsAs(RevisionFailed, "the writer model failed: "), retry_cuts=False)

    return Models(critic=lambda usage: make_critic(settings, key, usage), writer=writer,
                  max_output_tokens=settings.max_output_tokens, run_usage=run_usage, token_limit=settings.token_limit)


@setting_flags(REVISE_FLAGS)
def revise_command(
    project: ProjectArgument,
    chapters: ChaptersOption = None,
    below: Annotated[float, typer.Option("--below", min=0.0, max=10.0, help=(
        "Revise chapters whose overall score is below this (or that have continuity issues)."))] = 7.0,
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=10, help=(
        "New versions per chapter at most; a version no better stops it."))] = 2,
    force: Annotated[bool, typer.Option("--force", help=(
        "Also replace chapters the author edited since their last review, and the author's imported chapters."))] = False,
    note: Annotated[Optional[str], typer.Option("--note", help=(
        "Your instruction for the chapters of --chapters (\"make the ending colder\"): the writer revises "
        "with it and the result is kept whatever its score; the old text becomes a version."))] = None,
    **flags: Any,
) -> None:
    """Rewrite PROJECT's weak chapters with the writer model; keep a version only if the critic scores it higher."""
    try:
        settings = load_settings(**flags)
    except UserError as error:
        raise fail(str(error)) from None
    given = {"project": project, "chapters": chapters, "below": below, "rounds": rounds, "force": force, **flags}
    display = run_display(settings, "revise", given, console_view=False)
    with reporting(display):
        book = open_project(project, settings.projects_dir)
        names = chosen_chapters(book, chapters)
        if note is not None and (not note.strip() or chapters is None):
            raise UserError("--note needs a note and --chapters: say which chapters, like --chapters 3.")
        check_price(settings, critic_model(settings), settings.writer_model or settings.model)
        models = make_models(settings)
        refuse_links(book, names)
        hold(book, display)
        raise typer.Exit(_revise_book(book, names, models, Rules(below, rounds, force, settings.chapter_words),
                                      note, settings, display))


def _revise_book(book: Project, names: list[str], models: Models, rules: Rules, note: str | None,
                 settings: Settings, display: Any) -> int:
    """Revise the chosen chapters (with the author's note, if any), tell how each went, and the exit code."""
    reviser = Reviser(book, models, rules, load_state)
    revise = NoteReviser(reviser, AuthorNote(note, settings.chapter_words)).revise if note else reviser.revise
    protected = set() if rules.force else author_files(book) & set(names)
    revisions, interrupt = _revise_all(revise, names, protected, settings.parallel)
    _, problem = summary_file(book)
    if problem:
        revisions.append(Revision(REVIEW_FILE, outcome="failed", detail=problem))
    _tell(display, book, revisions, settings, models.run_usage)
    if not settings.json_output:
        _report(book, revisions, settings, Scrubber.from_settings(settings), models.run_usage)
    if interrupt is not None:
        abandon(interrupt, display)
    return revise_exit(revisions)


def _revise_all(revise: Callable[[str], Revision], names: list[str], protected: set[str],
                parallel: int) -> tuple[list[Revision], BaseException | None]:
    """Each chapter revised (the author's imported ones left alone), stopping at a signal: then nothing
    is replaced after it."""
    todo = [name for name in names if name not in protected]
    done, interrupt = run_all_or_stop(todo, revise, parallel)
    if interrupt is not None:
        hold_writes()
    by_name = {name: revision or Revision(name, outcome="interrupted") for name, revision in zip(todo, done)}
    return [by_name.get(name) or authors_text(name) for name in names], interrupt


def _tell(display: Any, book: Project, revisions: list[Revision], settings: Settings, usage: UsageTotals) -> None:
    """Each chapter's revision as a tool call and its result (with the words of a new version kept) and
    its review as it stands now, then the figures."""
    for r in revisions:
        detail = f" ({r.detail})" if r.detail else ""
        kept = (r.chapter, count_words(book.read_if_file(r.chapter) or "")) if r.outcome == "kept" else None
        display.on_tool_call(0, "revise", 0)
        display.tool_result(f"{r.chapter}: {r.outcome}{detail}, {_score(r.before)} -> {_score(r.after)}",
                            r.outcome not in OUTCOMES_TO_EXIT, "revise", kept)
        review = load_review(book, r.chapter)
        if review is not None:
            display.review(r.chapter, review.overall, dict(review.scores))
    kept = sum(1 for r in revisions if r.outcome == "kept")
    display.summary(usage_summary(f"{kept} of {len(revisions)} chapters revised.", book, usage, settings,
                                  critic_model(settings)))


def authors_text(name: str) -> Revision:
    """An imported chapter: the author's own text, never replaced without --force (and not sent to a model)."""
    return Revision(name, outcome="author's text", detail="imported: not replaced; use --force to revise it")


def revise_exit(revisions: list[Revision]) -> int:
    codes = [OUTCOMES_TO_EXIT[r.outcome] for r in revisions if r.outcome in OUTCOMES_TO_EXIT]
    return int(max(codes, default=ExitCode.FINISHED))


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _report(book: Project, revisions: list[Revision], settings: Settings, scrub: Scrubber, usage: UsageTotals) -> None:
    price = settings.prices.get(critic_model(settings))
    table = Table(title=f"{book.name}: revisions")
    for column, justify in (("chapter", "left"), ("before", "right"), ("after", "right"), ("result", "left"),
                            ("rounds", "right"), ("tokens", "right"), ("cost", "right")):
        table.add_column(column, justify=justify)
    for r in revisions:
        cost = r.usage.cost(price)
        result = f"{r.outcome} ({scrub(r.detail)})" if r.detail else r.outcome
        table.add_row(Text(printable(r.chapter)), _score(r.before), _score(r.after), Text(printable(result)),
                      str(r.rounds),
                      f"{r.usage.prompt_tokens + r.usage.completion_tokens:,}", "—" if cost is None else f"${cost:.4f}")
    out = console()
    out.print(table)
    out.print(usage_line(usage, settings, critic_model(settings)), soft_wrap=True, markup=False, highlight=False)
