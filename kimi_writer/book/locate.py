"""Where a book is: the project folder a PROJECT argument names, and the command that resumes it."""

from __future__ import annotations

import difflib
import shlex
from pathlib import Path

from ..core.errors import UserError
from .outline import chapter_number
from .project import STATE_DIR, Project


def resume_command(project_root: Path) -> str:
    """The exact command that continues the book in `project_root`."""
    return f"kimi-writer write --recover {shlex.quote(str(project_root))}"


def find_project_dir(argument: str, projects_dir: Path) -> Path:
    """A PROJECT argument: a path to a project folder (or a file in it), or a name under projects_dir."""
    for candidate in (Path(argument).expanduser(), Path(projects_dir) / argument):
        if candidate.exists():
            return candidate
    raise UserError(f"{argument} does not exist; give a project folder, a name under {projects_dir}, "
                    "a .context_summary_*.md file or a session.json file.")


def is_project(folder: Path) -> bool:
    """Whether a folder is a kimi-writer project: it has a state folder, an outline.md or a chapter file."""
    if (folder / STATE_DIR).is_dir() or (folder / "outline.md").is_file():
        return True
    return any(chapter_number(info.name) is not None for info in Project(folder).files())


def project_folders(projects_dir: Path) -> list[Path]:
    """The projects under the projects folder, by name."""
    try:
        folders = sorted(path for path in Path(projects_dir).iterdir() if path.is_dir() and not path.name.startswith("."))
    except OSError:
        return []
    return [folder for folder in folders if is_project(folder)]


def closest_names(name: str, projects_dir: Path, count: int = 3) -> list[str]:
    """The names of the projects under `projects_dir` closest to `name`."""
    names = [folder.name for folder in project_folders(projects_dir)]
    lowered = {candidate.lower(): candidate for candidate in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=count, cutoff=0.5)
    return [lowered[match] for match in close]
