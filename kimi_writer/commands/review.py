"""`kimi-writer review`: the critic model scores chapters; reviews saved, review.md written, facts to the ledger."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..model.api_errors import Scrubber
from ..guard.checks import check_project, warning_lines
from ..judge.critic import (
    Critic,
    NotReviewed,
    Review,
    mechanical_flags,
)
from ..loop.drafting import parse_chapters
from ..core.errors import BudgetExceeded, ExitCode, UserError
from ..book.manuscript import chapter_files
from ..options import OWN, fail, load_settings, setting_flags
from ..book.outline import load_outline
from ..core.pool import run_all
from ..book.project import Project
from ..judge.reviews import REVIEW_FILE, record_review, write_review_file
from ..judge.revise import ChapterUsage
from ..book.session import UsageTotals
from ..settings import Settings
from ..report.status import load_state
from .arguments import ProjectArgument, open_project
from .run import critic_key, critic_model, hold, make_critic

REVIEW_FLAGS = {
    "chapters": OWN,
    "critic_model": ("The model that reviews chapters.", "the --model"),
    "critic_base_url": ("The critic model's API URL.", "the --base-url"),
    "mechanical_only": OWN,
    "parallel": "Chapters reviewed at once.",
    "model": "The planner's model name (the critic's default).",
    "base_url": "The planner's API URL (the critic's default).",
    "max_tokens": "Stop before the run's total tokens (in + out) would exceed this.",
    "max_cost": "Stop before the run's estimated cost would exceed this many dollars.",
    "chapter_words": "Target words per chapter.",
    "projects_dir": "Folder of projects.",
}
ChaptersOption = Annotated[Optional[str], typer.Option(
    "--chapters", help="Which chapters, e.g. 3-8 or 2,5 (default: all written).")]


def console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=120, no_color=True, highlight=False)


def chosen_chapters(project: Project, spec: str | None) -> list[str]:
    """The chapter files `--chapters` names (all of them without it), in book order."""
    files = chapter_files(project)
    if spec is not None:
        numbers = {entry.number for entry in parse_chapters(spec, load_outline(project))}
        files = [(number, info) for number, info in files if number in numbers]
    if not files:
        raise UserError(f"{project.name} has no chapter files to review" + (f" among --chapters {spec}" if spec else "")
                        + "; see kimi-writer status.")
    return [info.name for _, info in files]


def check_price(settings: Settings, *models: str) -> None:
    """--max-cost needs the price of every model the run calls."""
    unknown = [model for model in models if settings.prices.get(model) is None]
    if settings.max_cost is not None and unknown:
        raise UserError(f"no price is known for the model '{unknown[0]}', so --max-cost cannot be applied; "
                        "use --max-tokens, or set its price in KIMI_WRITER_PRICES.")


def usage_line(usage: UsageTotals, settings: Settings, model: str) -> str:
    """Tokens in and out of the run, and its estimated cost at `model`'s price."""
    cost = usage.cost(settings.prices.get(model))
    estimated = " (estimated: the server reported no usage)" if usage.estimated_requests else ""
    dollars = f", estimated cost ${cost:.4f}" if cost is not None else ""
    return f"Tokens in {usage.prompt_tokens:,}, out {usage.completion_tokens:,}{estimated}{dollars}."


@setting_flags(REVIEW_FLAGS)
def review_command(
    project: ProjectArgument,
    chapters: ChaptersOption = None,
    mechanical_only: Annotated[bool, typer.Option(
        "--mechanical-only", help="Only the mechanical checks (no model call, no key needed).")] = False,
    **flags: Any,
) -> None:
    """Score PROJECT's chapters with the critic model; save the reviews and write review.md."""
    try:
        settings = load_settings(**flags)
        book = open_project(project, settings.projects_dir)
        names = chosen_chapters(book, chapters)
        if mechanical_only:
            raise typer.Exit(_mechanical(book, names, settings))
        key = critic_key(settings)
        check_price(settings, critic_model(settings))
        hold(book)
    except UserError as error:
        raise fail(str(error)) from None
    raise typer.Exit(_review(settings, key, book, names))


def _mechanical(book: Project, names: list[str], settings: Settings) -> int:
    """The mechanical checks of the chapters, with no model: a table and every flag."""
    checked = [report for report in check_project(book, settings.chapter_words) if report.name in names]
    table = Table(title=f"{book.name}: mechanical checks")
    for column in ("chapter", "words", "flags"):
        table.add_column(column, justify="left" if column == "chapter" else "right")
    for report in checked:
        table.add_row(report.name, f"{report.words:,}", str(report.flag_count))
    out = console()
    out.print(table)
    for line in warning_lines(checked):
        out.print(line, soft_wrap=True, markup=False, highlight=False)
    return int(ExitCode.FINISHED)


@dataclass(frozen=True)
class Unreviewed:
    reason: str
    budget: bool = False  # stopped by --max-tokens or --max-cost


def review_one(critic: Critic, book: Project, name: str, flags: list[str]) -> Review | Unreviewed:
    """The chapter's review, saved with its new facts in the ledger; or why it was not reviewed."""
    try:
        review = critic.review(book, name, flags)
    except NotReviewed as error:
        return Unreviewed(str(error))
    except BudgetExceeded as error:
        return Unreviewed(str(error), budget=True)
    record_review(book, review, load_state)
    return review


def _review(settings: Settings, key: str, book: Project, names: list[str]) -> int:
    usage = UsageTotals()
    critic = make_critic(settings, key, ChapterUsage(usage))  # counted under a lock: chapters may run at once
    flags = mechanical_flags(book, settings.chapter_words)
    results = run_all(names, lambda name: review_one(critic, book, name, flags.get(name, [])), settings.parallel)
    out = console()
    out.print(review_table(book, names, results, Scrubber.from_settings(settings)))
    reviewed = sum(1 for result in results if isinstance(result, Review))
    if write_review_file(book, [info.name for _, info in chapter_files(book)]) is not None:
        out.print(f"{reviewed} of {len(names)} chapters reviewed; see {REVIEW_FILE} in {book.root}.",
                  soft_wrap=True, markup=False, highlight=False)
    out.print(usage_line(usage, settings, critic.model), soft_wrap=True, markup=False, highlight=False)
    return review_exit(results)


def review_exit(results: list[Review | Unreviewed]) -> int:
    failed = [result for result in results if isinstance(result, Unreviewed)]
    if any(result.budget for result in failed):
        return int(ExitCode.BUDGET)
    return int(ExitCode.MODEL_ERROR if failed else ExitCode.FINISHED)


def review_table(book: Project, names: list[str], results: list[Review | Unreviewed], scrub: Scrubber) -> Table:
    table = Table(title=f"{book.name}: reviews")
    table.add_column("chapter")
    table.add_column("overall", justify="right")
    table.add_column("weakest scores")
    for name, result in zip(names, results):
        if isinstance(result, Review):
            weakest = ", ".join(f"{key} {score}" for key, score, _ in result.weakest())
            table.add_row(name, f"{result.overall:.1f}", weakest)
        else:
            table.add_row(name, "not reviewed", scrub(result.reason))
    return table
