"""`kimi-writer review`: the critic model scores chapters; reviews saved, review.md written, facts to the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ..guard.checks import ChapterChecks, warning_lines
from ..guard.ngram_index import check_chosen
from ..judge.rubric import Review
from ..core.errors import BudgetExceeded, ExitCode, UserError
from ..book.manuscript import chosen_chapters
from ..options import OWN, fail, load_settings, setting_flags
from ..core.pool import run_all_or_stop
from ..core.text import printable
from ..core.language import unit
from ..book.language import book_language
from ..book.project import Project
from ..judge.reviews import REVIEW_FILE, hold_writes, is_stale, load_review, record_review, refuse_links, summary_file
from ..book.session import UsageTotals
from ..settings import Settings
from ..report.shapes import ChapterCheck, CheckWarning, MechanicalReview
from ..report.status import load_state
from .arguments import ChaptersOption, ProjectArgument, abandon, console, hold, open_project

if TYPE_CHECKING:
    from ..judge.critic import Critic
    from ..model.api_errors import Scrubber

# The model side (the critic, the openai client, the run's display) is imported where it is used:
# `review --mechanical-only` of one chapter must start in well under a second.

REVIEW_FLAGS = {
    "chapters": OWN,
    "critic_model": ("The model that reviews chapters.", "the --model"),
    "critic_base_url": ("The critic model's API URL.", "the --base-url"),
    "mechanical_only": OWN,
    "force": OWN,
    "parallel": "Chapters reviewed at once.",
    "model": "The planner's model name (the critic's default).",
    "base_url": "The planner's API URL (the critic's default).",
    "max_tokens": "Stop before the run's total tokens (in + out) would exceed this.",
    "max_cost": "Stop before the run's estimated cost would exceed this many dollars.",
    "chapter_words": "Target words per chapter.",
    "token_limit": "The critic model's context window in tokens: a longer request is not sent.",
    "projects_dir": "Folder of projects.",
    "json_output": ("With a critic, the run's events as JSON lines (docs/schema/event.json); with --mechanical-only, "
                    "one JSON document (docs/schema/review-mechanical.json).", "off"),
}



@setting_flags(REVIEW_FLAGS)
def review_command(
    project: ProjectArgument,
    chapters: ChaptersOption = None,
    mechanical_only: Annotated[bool, typer.Option(
        "--mechanical-only", help="Only the mechanical checks (no model call, no key needed).")] = False,
    force: Annotated[bool, typer.Option("--force", help=(
        "Review every chapter again, even one whose saved review judged the same text."))] = False,
    **flags: Any,
) -> None:
    """Score PROJECT's chapters with the critic model; save the reviews and write review.md."""
    try:
        settings = load_settings(**flags)
        book = open_project(project, settings.projects_dir)
        names = chosen_chapters(book, chapters)
        if mechanical_only:
            raise typer.Exit(_mechanical(book, names, settings))
    except UserError as error:
        raise fail(str(error)) from None
    from .run import check_price, critic_key, critic_model, reporting, run_display

    display = run_display(settings, "review", {"project": project, "chapters": chapters, **flags}, console_view=False)
    with reporting(display):
        key = critic_key(settings)
        check_price(settings, critic_model(settings))
        refuse_links(book)
        hold(book, display)
        raise typer.Exit(_review(settings, key, book, names, display, force))


def _mechanical(book: Project, names: list[str], settings: Settings) -> int:
    """The mechanical checks of the chapters, with no model: a table and every flag (or one JSON document)."""
    checked = check_chosen(book, names, settings.chapter_words)  # the others only through the n-gram index
    if settings.json_output:
        print(mechanical_document(book, checked).model_dump_json(indent=2))
        return int(ExitCode.FINISHED)
    table = Table(title=f"{book.name}: mechanical checks")
    for column in ("chapter", "words", "flags", "slop index"):
        table.add_column(column, justify="left" if column == "chapter" else "right")
    for report in checked:
        table.add_row(Text(printable(report.name)), f"{report.words:,}", str(report.flag_count), f"{report.slop_index:.1f}")
    out = console()
    out.print(table)
    for line in warning_lines(checked):
        out.print(printable(line), soft_wrap=True, markup=False, highlight=False)
    return int(ExitCode.FINISHED)


@dataclass(frozen=True)
class Unreviewed:
    reason: str
    budget: bool = False  # stopped by --max-tokens or --max-cost


def review_one(critic: Critic, book: Project, name: str, flags: list[str], force: bool = True) -> Review | Unreviewed:
    """The chapter's review, saved with its new facts in the ledger; or why it was not reviewed. Without
    `force`, a saved review of the same text (its hash still matches) is reused, and nothing is sent."""
    from ..judge.critic import NotReviewed

    saved = None if force else load_review(book, name)
    if saved is not None and not is_stale(book, saved):
        return saved
    try:
        review = critic.review(book, name, flags)
    except NotReviewed as error:
        return Unreviewed(str(error))
    except BudgetExceeded as error:
        return Unreviewed(str(error), budget=True)
    try:
        record_review(book, review, load_state)
    except OSError as error:  # a full disk, a read-only folder
        return Unreviewed(f"its review could not be saved: {error.strerror or error}")
    return review


def _review(settings: Settings, key: str, book: Project, names: list[str], display: Any, force: bool) -> int:
    from ..judge.critic import mechanical_flags
    from ..judge.revise import ChapterUsage
    from .run import make_critic, usage_line, usage_summary

    usage = UsageTotals()
    critic = make_critic(settings, key, ChapterUsage(usage))  # counted under a lock: chapters may run at once
    flags = mechanical_flags(book, settings.chapter_words, names)
    done, interrupt = run_all_or_stop(names, lambda name: review_one(critic, book, name, flags.get(name, []), force),
                                      settings.parallel)
    if interrupt is not None:
        hold_writes()  # nothing is saved after the signal
    results = [result or Unreviewed("interrupted") for result in done]
    for name, result in zip(names, results):
        if isinstance(result, Review):
            display.review(name, result.overall, dict(result.scores))
        else:
            display.review(name, None, {}, result.reason)
    reviewed = sum(1 for result in results if isinstance(result, Review))
    written, problem = summary_file(book)
    if problem:
        results.append(Unreviewed(problem))  # exit 4, as a chapter not reviewed
        display.notice(problem)
    display.summary(usage_summary(f"{reviewed} of {len(names)} chapters reviewed.", book, usage, settings, critic.model))
    if not settings.json_output:
        _print_reviews(book, names, results, written, usage_line(usage, settings, critic.model), settings, problem)
    if interrupt is not None:
        abandon(interrupt, display)
    return review_exit(results)


def _print_reviews(book: Project, names: list[str], results: list[Review | Unreviewed], wrote_file: bool, usage: str,
                   settings: Settings, problem: str) -> None:
    from ..model.api_errors import Scrubber

    out = console()
    out.print(review_table(book, names, results, Scrubber.from_settings(settings)))
    if wrote_file:
        reviewed = sum(1 for result in results if isinstance(result, Review))
        out.print(f"{reviewed} of {len(names)} chapters reviewed; see {REVIEW_FILE} in {book.root}.",
                  soft_wrap=True, markup=False, highlight=False)
    for line in filter(None, [problem, usage]):
        out.print(line, soft_wrap=True, markup=False, highlight=False)


def mechanical_document(book: Project, checked: list[ChapterChecks]) -> MechanicalReview:
    """`review --mechanical-only --json`: each chapter's figures and warnings."""
    return MechanicalReview(project=book.name, unit=unit(book_language(book)), chapters=[ChapterCheck(
        file=report.name, words=report.words, target=report.target, flags=report.flag_count,
        stock_per_1000=round(report.stock_per_1000, 2),
        warnings=[CheckWarning(line=f.line, kind=str(f.kind), quote=f.quote, message=f.message) for f in report.findings],
    ) for report in checked])


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
            table.add_row(Text(printable(name)), f"{result.overall:.1f}", weakest)
        else:
            table.add_row(Text(printable(name)), "not reviewed", Text(printable(scrub(result.reason))))
    return table
