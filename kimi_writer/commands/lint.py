"""`kimi-writer lint`: the mechanical checks of a book's chapters, calibrated on real fiction."""

from __future__ import annotations

from typing import Annotated

import typer

from ..book.language import book_language
from ..core.errors import UserError
from ..core.language import unit
from ..guard.checks import check_project, warning_lines, warnings_summary
from ..guard.lint_json import lint_report
from ..guard.style import banned_phrases
from ..options import fail
from ..book.manuscript import project_is_collection
from ..book.outline import part_noun
from ..core.text import printable
from .arguments import ProjectArgument, ProjectsDirOption, open_project


def lint_command(project: ProjectArgument, projects_dir: ProjectsDirOption = None,
                 strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on any warning too.")] = False,
                 as_json: Annotated[bool, typer.Option("--json", help="Print the findings and each chapter's "
                                                                      "slop index as JSON.")] = False) -> None:
    """Check PROJECT's chapters: the project's own banned phrases (errors), then warnings (built-in stock
    phrases above a calibrated rate, repeated openers and phrases, flat rhythm, a high slop index);
    exit 1 on an error (with --strict: on any warning too)."""
    try:
        book_project = open_project(project, projects_dir)
        checked = check_project(book_project)
    except UserError as error:
        raise fail(str(error)) from None
    report = lint_report(book_project.name, checked, strict, unit(book_language(book_project)))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        raise typer.Exit(report.exit_code)
    for line in warning_lines(checked):
        typer.echo(printable(line))  # quotes of the chapters, which may hold escapes
    typer.echo(_summary(checked, len(banned_phrases(book_project)), project_is_collection(book_project)), err=True)
    raise typer.Exit(report.exit_code)


def _summary(checked: list, phrases: int, collection: bool) -> str:
    """One line: the findings, or that there are none, and the slop index range."""
    chapters = f"{len(checked)} {part_noun(collection, len(checked))}"
    top = max((report.slop_index for report in checked), default=0.0)
    index = f"slop index up to {top:.1f}"
    return (warnings_summary(checked)[:-1] + f"; {index}." if warnings_summary(checked)
            else f"No findings in {chapters} ({phrases} phrases checked; {index}).")
