"""Commands that work on a finished or unfinished manuscript (export, lint); no API key needed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from .errors import ExitCode, UserError
from .export import DEFAULT_AUTHOR, Format, default_output, export
from .manuscript import Manuscript, load_manuscript
from .options import Command, setting
from .project import Project
from .recovery import find_project_dir
from .status import print_status
from .style import banned_phrases, lint_project

ProjectArgument = Annotated[str, typer.Argument(
    help="A project folder, or the name of a project under the projects folder.", metavar="PROJECT",
    show_default=False)]
ProjectsDirOption = Annotated[Optional[Path], setting("projects_dir", "Folder of projects, for PROJECT given as a name.")]


def open_project(argument: str, projects_dir: Path | None) -> Project:
    """The project PROJECT names; UserError if there is none."""
    from .cli import load_settings  # cli imports this module

    folder = load_settings(projects_dir=projects_dir).projects_dir
    try:
        path = find_project_dir(argument, folder)
    except UserError:
        raise UserError(f"there is no project {argument}; give a project folder, "
                        f"or the name of a project under {folder}.") from None
    if not path.is_dir():
        raise UserError(f"{argument} is a file; give the project folder, or the project's name.")
    return Project(path)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def _report(book: Manuscript, path: Path) -> None:
    typer.echo(f'Exported "{book.title}" to {_shown(path)}')
    for number, chapter in enumerate(book.chapters, start=1):
        typer.echo(f"  {number}. {chapter.title} ({chapter.name}): {chapter.words:,} words")
    count = len(book.chapters)
    typer.echo(f"{count} {book.noun(count)}, {book.words:,} words.")
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
        raise _fail(str(error)) from None
    path = _output_path(book_project, fmt, output)
    try:
        export(book, fmt, path, author)
    except OSError as error:
        raise _fail(f"cannot write {path}: {error.strerror or error}.") from None
    _report(book, path)


def _output_path(project: Project, fmt: Format, output: Path | None) -> Path:
    default = default_output(project.root, fmt)
    if output is None:
        return default
    return output / default.name if output.is_dir() else output


def lint_command(project: ProjectArgument, projects_dir: ProjectsDirOption = None) -> None:
    """List the banned stock phrases in PROJECT's chapters, by file and line; exit 1 if any are found."""
    try:
        book_project = open_project(project, projects_dir)
        checked = lint_project(book_project)
    except UserError as error:
        raise _fail(str(error)) from None
    hits = [(name, hit) for name, found in checked for hit in found]
    for name, hit in hits:
        typer.echo(f'{name}:{hit.line}: "{hit.phrase}"')
    chapters = f"{len(checked)} chapter{'s' if len(checked) != 1 else ''}"
    if hits:
        files = len({name for name, _ in hits})
        typer.echo(f"{len(hits)} banned phrase{'s' if len(hits) != 1 else ''} in {files} of {chapters}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"No banned phrases in {chapters} ({len(banned_phrases(book_project))} phrases checked).", err=True)


def status_command(
    project: ProjectArgument,
    chapter_words: Annotated[Optional[int], setting("chapter_words", "Target words per chapter.")] = None,
    projects_dir: ProjectsDirOption = None,
) -> None:
    """Show PROJECT's outline against its manuscript, the totals, the last run and the resume command."""
    from .cli import load_settings  # cli imports this module

    try:
        target = load_settings(chapter_words=chapter_words).chapter_words
        book_project = open_project(project, projects_dir)
    except UserError as error:
        raise _fail(str(error)) from None
    console = Console() if sys.stdout.isatty() else Console(width=120, no_color=True, highlight=False)
    print_status(book_project, console, target)


def outline_command(project: ProjectArgument, projects_dir: ProjectsDirOption = None) -> None:
    """Open PROJECT's outline.md in $EDITOR, or print its path when no editor is set."""
    try:
        book_project = open_project(project, projects_dir)
    except UserError as error:
        raise _fail(str(error)) from None
    path = book_project.root / "outline.md"
    if path.is_symlink() and not book_project.contains(path):
        raise _fail(f"{path} is a link that points outside the project; kimi-writer does not follow it: "
                    "replace it with a real file.")
    if not path.is_file():
        raise _fail(f"{book_project.name} has no outline.md yet; plan it first: "
                    f"kimi-writer write \"...\" --plan-only")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not sys.stdin.isatty():
        typer.echo(str(path))
        return
    raise typer.Exit(subprocess.call([*shlex.split(editor), str(path)]))


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(int(ExitCode.USAGE))


def register_book_commands(app: typer.Typer) -> None:
    """Add the manuscript commands to the `kimi-writer` app."""
    app.command("export", cls=Command)(export_command)
    app.command("lint", cls=Command)(lint_command)
    app.command("status", cls=Command)(status_command)
    app.command("outline", cls=Command)(outline_command)
