"""The PROJECT argument and --projects-dir of the commands that work on one book."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console

from ..core.errors import ExitCode, UserError
from ..book import lock
from ..book.locate import closest_names, find_project_dir, is_project
from ..options import load_settings, setting
from ..book.project import STATE_DIR, Project

ProjectArgument = Annotated[str, typer.Argument(
    help="A project folder, or the name of a project under the projects folder.", metavar="PROJECT",
    show_default=False)]
ProjectsDirOption = Annotated[Optional[Path], setting("projects_dir", "Folder of projects, for PROJECT given as a name.")]


def open_project(argument: str, projects_dir: Path | None) -> Project:
    """The project PROJECT names; UserError if there is none (naming the closest projects)."""
    folder = load_settings(projects_dir=projects_dir).projects_dir
    try:
        path = find_project_dir(argument, folder)
    except UserError:
        close = closest_names(argument, folder)
        hint = f" The closest: {', '.join(close)}." if close else ""
        raise UserError(f"there is no project {argument}; give a project folder, "
                        f"or the name of a project under {folder}.{hint}") from None
    if not path.is_dir():
        raise UserError(f"{argument} is a file; give the project folder, or the project's name.")
    return Project(path)


def open_book(argument: str, projects_dir: Path | None) -> Project:
    """The project PROJECT names, which must be a kimi-writer project (not just any folder)."""
    book = open_project(argument, projects_dir)
    if not is_project(book.root):
        raise UserError(f"{book.root} is not a kimi-writer project (it has no {STATE_DIR} folder, no outline.md "
                        "and no chapter files); give a project folder, or start a book with kimi-writer write.")
    return book


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document (see docs/schema/).")]

ChaptersOption = Annotated[Optional[str], typer.Option(
    "--chapters", help="Which chapters, e.g. 3-8 or 2,5 (default: all written).")]


def console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=120, no_color=True, highlight=False)


def hold(book: Project, display: Any) -> None:
    """Lock the book for this run (book.lock.hold) and show the lock's notice if any; the run's
    events go to the book's log from now on."""
    notice = lock.hold(book)
    display.opened(book.state_dir)
    if notice:
        display.notice(notice)


def abandon(interrupt: BaseException, display: Any) -> NoReturn:
    """End the process at once after a signal, with the signal's exit code, the run's events closed
    and the lock released: a normal exit would wait for the threads still waiting on a model."""
    code = int(getattr(interrupt, "exit_code", ExitCode.INTERRUPTED))
    display.close(code, f"Interrupted ({getattr(interrupt, 'how', 'Ctrl+C')}).")
    sys.stdout.flush()
    sys.stderr.write("Interrupted.\n")
    sys.stderr.flush()
    lock.release_all()
    os._exit(code)
