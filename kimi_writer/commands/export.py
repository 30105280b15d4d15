"""`kimi-writer export`: the chapters, in outline order, as one HTML, EPUB or Markdown book."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..core.errors import UserError
from ..core.language import amount
from ..export.formats import DEFAULT_AUTHOR, Format, default_output, export
from ..book.manuscript import Manuscript, load_manuscript
from ..options import fail
from ..book.project import Project
from .arguments import ProjectArgument, ProjectsDirOption, open_project


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def _report(book: Manuscript, path: Path) -> None:
    typer.echo(f'Exported "{book.title}" to {_shown(path)}')
    for number, chapter in enumerate(book.chapters, start=1):
        typer.echo(f"  {number}. {chapter.title} ({chapter.name}): {amount(chapter.words, book.language)}")
    count = len(book.chapters)
    typer.echo(f"{count} {book.noun(count)}, {amount(book.words, book.language)}.")
    if book.unwritten:
        missing = ", ".join(f"{e.number}. {e.title}" if e.title else str(e.number) for e in book.unwritten)
        typer.echo(f"In the outline but not written yet: {missing}")
    if book.skipped:
        typer.echo(f"Left out (another file has the same chapter number): {', '.join(book.skipped)}")


def export_command(
    project: ProjectArgument,
    fmt: Annotated[Format, typer.Option("--format", help="html: one page; epub: an EPUB 3 book; "
                                        "md: one Markdown manuscript; docx: a Word file in standard "
                                        "manuscript format.", case_sensitive=False)],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="The file to write (or a folder "
                      "to write it in). Default: <project>/<project_name>.<ext>, inside the project folder.",
                      show_default=False)] = None,
    author: Annotated[str, typer.Option("--author", help="The author in the book's metadata.")] = DEFAULT_AUTHOR,
    projects_dir: ProjectsDirOption = None,
) -> None:
    """Export PROJECT's chapters, in outline order with a table of contents, as one book file."""
    try:
        book_project = open_project(project, projects_dir)
        book = load_manuscript(book_project)
    except UserError as error:
        raise fail(str(error)) from None
    path = _output_path(book_project, fmt, output)
    try:
        export(book, fmt, path, author)
    except OSError as error:
        raise fail(f"cannot write {path}: {error.strerror or error}.") from None
    _report(book, path)


def _output_path(project: Project, fmt: Format, output: Path | None) -> Path:
    default = default_output(project.root, fmt)
    if output is None:
        return default
    return output / default.name if output.is_dir() else output
