"""The PROJECT argument and --projects-dir of the commands that work on one book."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..core.errors import UserError
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
