"""`kimi-writer export`: the chapters, in outline order, as one HTML, EPUB or Markdown book."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..core.errors import UserError
from ..core.language import amount
from ..core.text import parse_json, printable
from ..export.formats import DEFAULT_AUTHOR, Format, default_output, export
from ..book.manuscript import Manuscript, load_manuscript
from ..options import fail
from ..book.edits import bytes_hash
from ..book.project import ALLOWED_SUFFIXES, Project, atomic_write_text
from .arguments import ProjectArgument, ProjectsDirOption, open_project


EXPORTS = "exports.json"  # in .kimi_writer/: what export wrote, so that it replaces nothing else


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def _echo(line: str) -> None:
    """Print a line made of the book's titles and names, which must not reach the terminal as escapes."""
    typer.echo(printable(line))


def _report(book: Manuscript, path: Path) -> None:
    _echo(f'Exported "{book.title}" to {_shown(path)}')
    for number, chapter in enumerate(book.chapters, start=1):
        _echo(f"  {number}. {chapter.title} ({chapter.name}): {amount(chapter.words, book.language)}")
    count = len(book.chapters)
    _echo(f"{count} {book.noun(count)}, {amount(book.words, book.language)}.")
    if book.unwritten:
        missing = ", ".join(f"{e.number}. {e.title}" if e.title else str(e.number) for e in book.unwritten)
        _echo(f"In the outline but not written yet: {missing}")
    if book.skipped:
        _echo(f"Left out (another file has the same chapter number): {', '.join(book.skipped)}")


def export_command(
    project: ProjectArgument,
    fmt: Annotated[Format, typer.Option("--format", help="epub, html, md or docx (Word).", metavar="FORMAT",
                                        case_sensitive=False, show_choices=False)],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="The file to write, or a folder to "
                      "write it in (an existing one, or a new one given with a trailing /). Default: "
                      "<project>/<project_name>.<ext>, inside the project folder.", show_default=False)] = None,
    author: Annotated[str, typer.Option("--author", help="The author's name for the byline and the metadata "
                      "(default: no byline).", show_default=False)] = DEFAULT_AUTHOR,
    projects_dir: ProjectsDirOption = None,
    force: Annotated[bool, typer.Option("--force", help=(
        "Replace an existing .md or .txt output that export did not write (the model's or yours)."))] = False,
) -> None:
    """Export PROJECT's chapters, in outline order with a table of contents, as one book file."""
    try:
        book_project = open_project(project, projects_dir)
        book = load_manuscript(book_project)
        path = _output_path(book_project, fmt, output)
    except UserError as error:
        raise fail(str(error)) from None
    if not force and not _ours_to_replace(book_project, path):
        raise fail(f"{path} exists and export did not write it (the model or you did); use --force to replace "
                   "it, or --output to write the book elsewhere.")
    try:
        export(book, fmt, path, author)
        _remember_export(book_project, path)
    except OSError as error:
        raise fail(f"cannot write {path}: {error.strerror or error}.") from None
    _report(book, path)


def _exported(project: Project) -> dict[str, str]:
    """The files export wrote, by absolute path, with the hash of what it wrote."""
    try:
        record = parse_json((project.state_dir / EXPORTS).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in record.items()} if isinstance(record, dict) else {}


def _ours_to_replace(project: Project, path: Path) -> bool:
    """Whether `path` may be written: no such file, not a manuscript file (.md, .txt), or the file
    export wrote last time, unchanged."""
    if not path.is_file() or path.suffix.lower() not in ALLOWED_SUFFIXES:
        return True
    return _exported(project).get(str(path.resolve())) == bytes_hash(path.read_bytes())


def _remember_export(project: Project, path: Path) -> None:
    record = _exported(project)
    record[str(path.resolve())] = bytes_hash(path.read_bytes())
    if project.contains(project.state_dir):
        atomic_write_text(project.state_dir / EXPORTS, json.dumps(record, indent=1) + "\n")


def _output_path(project: Project, fmt: Format, output: str | None) -> Path:
    """The file to write: the default, a file named by --output, or the default name inside a folder
    (an existing one, or a new one given with a trailing / whose own parent exists)."""
    default = default_output(project.root, fmt)
    if output is None:
        return default
    path = Path(output)
    if path.is_dir():
        return path / default.name
    _require_folder(path.parent, output)
    if output.endswith(("/", os.sep)):
        try:
            path.mkdir()
        except OSError as error:
            raise UserError(f"cannot make the folder {output}: {error.strerror or error}.") from None
        return path / default.name
    return path


def _require_folder(folder: Path, output: str) -> None:
    if not folder.is_dir():
        raise UserError(f"the folder {folder} (of --output {output}) does not exist; make it first "
                        f"(mkdir -p {folder}), or give a folder that exists.")
