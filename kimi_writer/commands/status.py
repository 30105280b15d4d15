"""`kimi-writer status`: a book's outline against its manuscript, and its last run."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

from rich.console import Console

from ..core.errors import UserError
from ..options import fail, load_settings, setting
from ..report.status import print_status
from .arguments import ProjectArgument, ProjectsDirOption, open_project


def status_command(
    project: ProjectArgument,
    chapter_words: Annotated[Optional[int], setting("chapter_words", "Target words per chapter.")] = None,
    projects_dir: ProjectsDirOption = None,
) -> None:
    """Show PROJECT's outline against its manuscript, the totals, the last run and the resume command."""
    try:
        target = load_settings(chapter_words=chapter_words).chapter_words
        book_project = open_project(project, projects_dir)
    except UserError as error:
        raise fail(str(error)) from None
    console = Console() if sys.stdout.isatty() else Console(width=120, no_color=True, highlight=False)
    print_status(book_project, console, target)
