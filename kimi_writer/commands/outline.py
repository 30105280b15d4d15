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
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not sys.stdin.isatty():
        typer.echo(str(path))
        return
    raise typer.Exit(subprocess.call([*shlex.split(editor), str(path)]))
