"""`kimi-writer revise`: rewrite the weak chapters, keeping a version only when the critic scores it higher."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ..model.api_errors import Scrubber
from ..model.caller import Caller, FailsAs, Limits
from ..core.errors import ExitCode, UserError
from ..options import OWN, fail, load_settings, setting_flags
from ..core.pool import run_all_or_stop
from ..core.text import printable
from ..book.project import Project
from ..model.retry import Backoff
from ..judge.reviews import REVIEW_FILE, refuse_links, summary_file
from ..judge.revise import ChapterUsage, Models, Reviser, Revision, RevisionFailed, Rules, hold_writes
from ..book.session import UsageTotals
from ..settings import Settings
from ..report.status import load_state
from ..book.manuscript import chosen_chapters
from .arguments import ChaptersOption, ProjectArgument, abandon, console, hold, open_project
from .run import check_price, client_for, critic_key, critic_model, make_critic, require_key, usage_line

REVISE_FLAGS = {
    "chapters": OWN,
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
    "projects_dir": "Folder of projects.",
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
        "Also replace chapters the author edited since their last review."))] = False,
    **flags: Any,
) -> None:
    """Rewrite PROJECT's weak chapters with the writer model; keep a version only if the critic scores it higher."""
    try:
        settings = load_settings(**flags)
        book = open_project(project, settings.projects_dir)
        names = chosen_chapters(book, chapters)
        check_price(settings, critic_model(settings), settings.writer_model or settings.model)
        models = make_models(settings)
        refuse_links(book)
        hold(book)
    except UserError as error:
        raise fail(str(error)) from None
    reviser = Reviser(book, models, Rules(below, rounds, force, settings.chapter_words), load_state)
    done, interrupt = run_all_or_stop(names, reviser.revise, settings.parallel)
    if interrupt is not None:
        hold_writes()  # nothing is replaced after the signal
    revisions = [revision or Revision(name, outcome="interrupted") for name, revision in zip(names, done)]
    _, problem = summary_file(book)
    if problem:
        revisions.append(Revision(REVIEW_FILE, outcome="failed", detail=problem))
    _report(book, revisions, settings, Scrubber.from_settings(settings), models.run_usage)
    if interrupt is not None:
        abandon(interrupt)
    raise typer.Exit(revise_exit(revisions))


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
