"""`kimi-writer status`: the outline against the manuscript, the totals and the last run."""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..book import lock
from ..book.language import book_language
from ..book.locate import project_folders, resume_command
from ..book.authored import author_files
from ..book.manuscript import chapter_files, project_is_collection
from ..book.outline import OutlineEntry, chapter_target, load_outline, outline_title, part_noun, read_outline
from ..book.project import STATE_DIR, FileInfo, PathRefused, Project
from ..judge.reviews import has_reviews, is_stale, load_review
from ..book.session import STATE_FILE, RunRecord, SessionState
from ..core.language import amount, language_name, unit, unit_name
from .shapes import BookStatus, PartStatus, RunStatus, Running
from ..core.text import printable


def load_state(project: Project) -> tuple[SessionState | None, str]:
    """The saved session, or None with a reason to show."""
    path = project.state_dir / STATE_FILE
    try:
        project.check_state_dir()
    except PathRefused:
        return None, f"the session state ({STATE_DIR}) is a link that points outside the project, so it was ignored"
    if not path.is_file():
        return None, "no run recorded yet"
    try:
        return SessionState.model_validate(json.loads(path.read_text(encoding="utf-8"))), ""
    except UnicodeDecodeError:
        return None, f"the session state ({STATE_DIR}/{STATE_FILE}) is not UTF-8 text"
    except (OSError, json.JSONDecodeError, ValidationError):
        return None, f"the session state ({STATE_DIR}/{STATE_FILE}) is unreadable"


def _modified(project: Project, name: str) -> str:
    try:
        return datetime.fromtimestamp((project.root / name).stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    except OSError:
        return "—"


def _score(project: Project, name: str) -> tuple[float | None, bool]:
    """The critic's overall score of the part, and whether the part changed since."""
    review = load_review(project, name)
    if review is None:
        return None, False
    stale = is_stale(project, review)
    return (None if stale else review.overall), stale


def _part(project: Project, number: int | None, entry: OutlineEntry | None, info: FileInfo | None,
          chapter_words: int | None, authors: set[str]) -> PartStatus:
    target = None if entry is None else chapter_target(project, info.name, chapter_words) if info \
        else (chapter_words or entry.target_words)
    score, stale = _score(project, info.name) if info else (None, False)
    return PartStatus(number=number, file=info.name if info else None, title=entry.title if entry else None,
                      planned=entry is not None, words=info.words if info else None, target=target or None,
                      score=score, stale=stale, author=info is not None and info.name in authors)


def parts_of(project: Project, chapter_words: int | None = None) -> list[PartStatus]:
    """The outline's parts in order (written or not), then numbered files the outline does not plan."""
    entries = load_outline(project)
    files = {number: info for number, info in chapter_files(project) if number is not None}
    authors = author_files(project)
    parts = [_part(project, entry.number, entry, files.get(entry.number), chapter_words, authors) for entry in entries]
    planned = {entry.number for entry in entries}
    return parts + [_part(project, number, None, info, chapter_words, authors)
                    for number, info in sorted(files.items()) if number not in planned]


def _cells(project: Project, part: PartStatus, scored: bool) -> list[str | Text]:
    """A part's row; its title and file as printable text (a file name may hold escapes)."""
    score = ("stale" if part.stale else f"{part.score:.1f}" if part.score is not None else "—")
    file = (f"{part.file} (author's)" if part.author else part.file) if part.file else "not written"
    return [str(part.number), Text(printable(part.title or "")) if part.planned else "(not in the outline)",
            Text(printable(file)),
            f"{part.words:,}" if part.words is not None else "—", f"{part.target:,}" if part.target else "—",
            *([score] if scored else []), _modified(project, part.file) if part.file else "—"]


def chapter_table(project: Project, parts: list[PartStatus], language: str = "en") -> Table:
    """The outline against the manuscript, one row per part; its lengths in the book's unit (words, 字)."""
    table = Table(title=f"{project.name}: outline against manuscript")
    scored = has_reviews(project)  # a score column once the critic has reviewed a chapter
    for column, justify in (("#", "right"), ("title", "left"), ("file", "left"), (unit_name(language), "right"),
                            ("target", "right"), *((("score", "right"),) if scored else ()), ("modified", "left")):
        table.add_column(column, justify=justify)
    for part in parts:
        table.add_row(*_cells(project, part, scored))
    return table


ESTIMATED = " (estimated: the server reported no usage)"
FINISHED = "Finished:"


def _run_line(run: RunStatus) -> str:
    cost = f", estimated cost ${run.cost:.4f}" if run.cost is not None else ""
    kind = " (plan only)" if run.plan_only else ""
    estimated = ESTIMATED if run.estimated else ""
    return (f"Last run{kind}, ended {run.ended_at.replace('T', ' ')}: {run.iterations} iterations, "
            f"tokens in {run.prompt_tokens:,}, out {run.completion_tokens:,}{estimated}{cost}.")


def export_command(project_root: Path) -> str:
    return f"kimi-writer export {shlex.quote(str(project_root))} --format epub"


def _run_status(run: RunRecord) -> RunStatus:
    return RunStatus(**run.model_dump(include=set(RunStatus.model_fields)))


def book_status(project: Project, chapter_words: int | None = None, language: str | None = None) -> BookStatus:
    """The book as `status --json` prints it and the studio serves it (`language`: the book's, when known)."""
    parts = parts_of(project, chapter_words)
    planned = [part for part in parts if part.planned]
    written = sum(1 for part in planned if part.file)
    state, why = load_state(project)
    runs = [_run_status(run) for run in state.runs] if state is not None else []
    finished = bool(planned) and written == len(planned) and bool(runs) and runs[-1].outcome.startswith(FINISHED)
    holder = lock.running(project)
    return BookStatus(
        project=project.name, path=str(project.root), title=_title(project),
        unit=unit(language or book_language(project)),
        kind="story" if project_is_collection(project) else "chapter", planned=len(planned), written=written,
        words=sum(part.words or 0 for part in parts), parts=parts, runs=runs, last_run=runs[-1] if runs else None,
        state_problem=None if runs else (why or "no run recorded yet"), finished=finished,
        next=export_command(project.root) if finished else resume_command(project.root),
        running=Running(pid=holder.pid, command=holder.command, since=holder.since) if holder else None)


def _title(project: Project) -> str:
    return outline_title(read_outline(project)) or project.name.replace("_", " ")


def running_line(running: Running) -> str:
    since = f" since {running.since.replace('T', ' ')}" if running.since else ""
    return f"Running: process {running.pid} is writing this book{since}: {running.command}"


def print_status(project: Project, console: Console, chapter_words: int | None = None) -> None:
    language = book_language(project)
    status = book_status(project, chapter_words, language)
    console.print(chapter_table(project, status.parts, language))
    planned, written, words = status.planned, status.written, status.words
    share = f" ({written / planned:.0%} of the outline)" if planned else " (no outline.md yet)"
    parts = part_noun(status.kind == "story", 2)
    console.print(f"Written: {written} of {planned} planned {parts}{share}, {amount(words, language)} in {parts}.",
                  soft_wrap=True)
    console.print(f"Language: {language} ({language_name(language)}), counted in {unit(language)}.", soft_wrap=True)
    if status.running is not None:
        console.print(running_line(status.running), soft_wrap=True, markup=False, highlight=False)
    if status.last_run is None:
        console.print(f"Last run: {status.state_problem}.", soft_wrap=True)
    else:
        console.print(_run_line(status.last_run), soft_wrap=True, markup=False)
        console.print(f"  {printable(status.last_run.outcome)}", soft_wrap=True, markup=False)
    if status.finished:
        console.print(f"The book is finished: all {planned} planned {parts} are written.", soft_wrap=True)
        console.print(f"Export it with: {status.next}", soft_wrap=True, markup=False)
    elif status.running is None:
        console.print(f"Continue with: {status.next}", soft_wrap=True, markup=False)


def list_books(projects_dir: Path, chapter_words: int | None = None) -> list[BookStatus]:
    """Every book under the projects folder, by folder name."""
    return [book_status(Project(folder), chapter_words) for folder in project_folders(projects_dir)]


def _last_run_cell(book: BookStatus) -> str:
    if book.running is not None:
        return f"running now (process {book.running.pid})"
    if book.last_run is None:
        return "—"
    return f"{book.last_run.ended_at.replace('T', ' ')}: {book.last_run.outcome}"


def books_table(books: list[BookStatus], projects_dir: Path) -> Table:
    table = Table(title=f"Books in {projects_dir}")
    for column, justify in (("title", "left"), ("project", "left"), ("written/planned", "right"), ("words", "right"),
                            ("last run", "left")):
        table.add_column(column, justify=justify)
    for book in books:
        table.add_row(book.title, book.project, f"{book.written}/{book.planned}", _length_cell(book),
                      _last_run_cell(book))
    return table


def _length_cell(book: BookStatus) -> str:
    """A book's length in its words column: "12,345", or "12,345 chars" for a book counted in characters."""
    return f"{book.words:,}" if book.unit == "words" else f"{book.words:,} {book.unit}"
