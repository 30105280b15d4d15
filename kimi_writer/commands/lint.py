"""`kimi-writer lint`: the banned stock phrases in a book's chapters."""

from __future__ import annotations

import typer

from ..errors import UserError
from ..options import fail
from ..style import banned_phrases, lint_project
from .arguments import ProjectArgument, ProjectsDirOption, open_project


def lint_command(project: ProjectArgument, projects_dir: ProjectsDirOption = None) -> None:
    """List the banned stock phrases in PROJECT's chapters, by file and line; exit 1 if any are found."""
    try:
        book_project = open_project(project, projects_dir)
        checked = lint_project(book_project)
    except UserError as error:
        raise fail(str(error)) from None
    hits = [(name, hit) for name, found in checked for hit in found]
    for name, hit in hits:
        typer.echo(f'{name}:{hit.line}: "{hit.phrase}"')
    chapters = f"{len(checked)} chapter{'s' if len(checked) != 1 else ''}"
    if hits:
        files = len({name for name, _ in hits})
        typer.echo(f"{len(hits)} banned phrase{'s' if len(hits) != 1 else ''} in {files} of {chapters}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"No banned phrases in {chapters} ({len(banned_phrases(book_project))} phrases checked).", err=True)
