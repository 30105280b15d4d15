"""`kimi-writer lint`: the banned stock phrases in a book's chapters."""

from __future__ import annotations

from typing import Annotated

import typer

from ..guard.checks import check_project, warning_lines, warnings_summary
from ..core.errors import UserError
from ..options import fail
from ..guard.style import banned_phrases, lint_project
from ..core.text import printable
from .arguments import ProjectArgument, ProjectsDirOption, open_project


def lint_command(project: ProjectArgument, projects_dir: ProjectsDirOption = None,
                 strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on any warning too.")] = False) -> None:
    """List the banned stock phrases in PROJECT's chapters, by file and line, then the warnings of the
    mechanical checks; exit 1 if any banned phrase is found (with --strict: any warning too)."""
    try:
        book_project = open_project(project, projects_dir)
        checked = lint_project(book_project)
    except UserError as error:
        raise fail(str(error)) from None
    hits = [(name, hit) for name, found in checked for hit in found]
    for name, hit in hits:
        typer.echo(printable(f'{name}:{hit.line}: "{hit.phrase}"'))
    warnings = check_project(book_project)
    for line in warning_lines(warnings):
        typer.echo(printable(line))  # quotes of the chapters, which may hold escapes
    chapters = f"{len(checked)} chapter{'s' if len(checked) != 1 else ''}"
    if hits:
        files = len({name for name, _ in hits})
        typer.echo(f"{len(hits)} banned phrase{'s' if len(hits) != 1 else ''} in {files} of {chapters}.", err=True)
    else:
        typer.echo(f"No banned phrases in {chapters} ({len(banned_phrases(book_project))} phrases checked).", err=True)
    if warnings_summary(warnings):
        typer.echo(warnings_summary(warnings), err=True)
    if hits or (strict and warnings_summary(warnings)):
        raise typer.Exit(1)
