"""`kimi-writer status`: a book's outline against its manuscript, its last run, and the run writing it now."""

from __future__ import annotations

from typing import Annotated, Optional

from ..core.errors import UserError
from ..options import fail, load_settings, setting
from ..report.status import book_status, print_status
from .arguments import JsonOption, ProjectArgument, ProjectsDirOption, console, open_book


def status_command(
    project: ProjectArgument,
    chapter_words: Annotated[Optional[int], setting("chapter_words", "Target words per chapter.")] = None,
    projects_dir: ProjectsDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show PROJECT's outline against its manuscript, the totals, the last run and the resume command."""
    try:
        target = load_settings(chapter_words=chapter_words).chapter_words
        book_project = open_book(project, projects_dir)
    except UserError as error:
        raise fail(str(error)) from None
    if json_output:
        print(book_status(book_project, target).model_dump_json(indent=2))
        return
    print_status(book_project, console(), target)
