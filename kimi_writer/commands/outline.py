"""`kimi-writer outline`: open a book's outline.md in the author's editor."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import typer

from ..core.errors import UserError
from ..options import fail
from .arguments import ProjectArgument, ProjectsDirOption, open_project


def outline_command(project: ProjectArgument, projects_dir: ProjectsDirOption = None) -> None:
    """Open PROJECT's outline.md in $EDITOR, or print its path when no editor is set."""
    try:
        book_project = open_project(project, projects_dir)
    except UserError as error:
        raise fail(str(error)) from None
    path = book_project.root / "outline.md"
    if path.is_symlink() and not book_project.contains(path):
        raise fail(f"{path} is a link that points outside the project; kimi-writer does not follow it: "
                   "replace it with a real file.")
    if not path.is_file():
        raise fail(f"{book_project.name} has no outline.md yet; plan it first: "
                   f"kimi-writer write \"...\" --plan-only")
    variable = next((name for name in ("VISUAL", "EDITOR") if os.environ.get(name)), None)
    if variable is None or not sys.stdin.isatty():
        typer.echo(str(path))
        return
    raise typer.Exit(_edit(variable, os.environ[variable], path))


def _edit(variable: str, editor: str, path) -> int:
    """Run the author's editor on `path`; one sentence (exit 2) when it cannot be started."""
    try:
        return subprocess.call([*shlex.split(editor), str(path)])
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise fail(f"the editor in ${variable} ({editor}) could not be started ({reason}); set $VISUAL or "
                   f"$EDITOR to an editor that is installed, or unset both to print the outline's path.") from None
