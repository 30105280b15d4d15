"""The PROJECT argument and --projects-dir of the commands that work on one book."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console

from ..core.errors import ExitCode, UserError
from ..book import lock
from ..book.locate import find_project_dir
from ..options import load_settings, setting
from ..book.project import Project

ProjectArgument = Annotated[str, typer.Argument(
    help="A project folder, or the name of a project under the projects folder.", metavar="PROJECT",
    show_default=False)]
ProjectsDirOption = Annotated[Optional[Path], setting("projects_dir", "Folder of projects, for PROJECT given as a name.")]


def open_project(argument: str, projects_dir: Path | None) -> Project:
    """The project PROJECT names; UserError if there is none."""
    folder = load_settings(projects_dir=projects_dir).projects_dir
    try:
        path = find_project_dir(argument, folder)
    except UserError:
        raise UserError(f"there is no project {argument}; give a project folder, "
                        f"or the name of a project under {folder}.") from None
    if not path.is_dir():
        raise UserError(f"{argument} is a file; give the project folder, or the project's name.")
    return Project(path)


ChaptersOption = Annotated[Optional[str], typer.Option(
    "--chapters", help="Which chapters, e.g. 3-8 or 2,5 (default: all written).")]


def console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=120, no_color=True, highlight=False)


def hold(book: Project) -> None:
    """Lock the book for this command (book.lock.hold), and print the lock's notice if any."""
    notice = lock.hold(book)
    if notice:
        typer.echo(notice)


def abandon(interrupt: BaseException) -> NoReturn:
    """End the process at once after a signal, with the signal's exit code and the lock released: a
    normal exit would wait for the threads still waiting on a model."""
    sys.stdout.flush()
    sys.stderr.write("Interrupted.\n")
    sys.stderr.flush()
    lock.release_all()
    os._exit(int(getattr(interrupt, "exit_code", ExitCode.INTERRUPTED)))
