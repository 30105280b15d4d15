"""Where a book is: the project folder a PROJECT argument names, and the command that resumes it."""

from __future__ import annotations

import shlex
from pathlib import Path

from ..core.errors import UserError


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
