"""`kimi-writer list`: every book under the projects folder, and whether a run is writing it."""

from __future__ import annotations

from ..core.errors import UserError
from ..options import fail, load_settings
from ..report.shapes import BookList
from ..report.status import books_table, list_books
from .arguments import JsonOption, ProjectsDirOption, console


def list_command(projects_dir: ProjectsDirOption = None, json_output: JsonOption = False) -> None:
    """List every book under the projects folder: title, parts written and planned, words, the last run."""
    try:
        settings = load_settings(projects_dir=projects_dir)
    except UserError as error:
        raise fail(str(error)) from None
    books = list_books(settings.projects_dir, settings.chapter_words)
    if json_output:
        print(BookList(books).model_dump_json(indent=2))
        return
    out = console()
    if not books:
        out.print(f"No books in {settings.projects_dir} yet; start one with: kimi-writer write \"A 5-chapter mystery\"",
                  soft_wrap=True, markup=False, highlight=False)
        return
    out.print(books_table(books, settings.projects_dir))
