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

from ..book.locate import resume_command
from ..book.manuscript import chapter_files, project_is_collection
from ..book.outline import chapter_target, load_outline, part_noun
from ..book.project import STATE_DIR, FileInfo, PathRefused, Project
from ..judge.reviews import has_reviews, score_cell
from ..book.session import STATE_FILE, RunRecord, SessionState
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


def _modified(project: Project, info: FileInfo) -> str:
    return datetime.fromtimestamp((project.root / info.name).stat().st_mtime).strftime("%Y-%m-%d %H:%M")


def chapter_table(project: Project, chapter_words: int | None = None) -> tuple[Table, int, int, int]:
    """The table, and (chapters planned, planned chapters written, words in all chapters)."""
    entries = load_outline(project)
    files = {number: info for number, info in chapter_files(project) if number is not None}
    table = Table(title=f"{project.name}: outline against manuscript")
    scored = has_reviews(project)  # a score column once the critic has reviewed a chapter
    for column, justify in (("#", "right"), ("title", "left"), ("file", "left"), ("words", "right"),
                            ("target", "right"), *((("score", "right"),) if scored else ()), ("modified", "left")):
        table.add_column(column, justify=justify)
    for entry in entries:
        info = files.get(entry.number)
        target = chapter_target(project, info.name, chapter_words) if info else (chapter_words or entry.target_words)
        name = Text(printable(info.name)) if info else "not written"
        table.add_row(str(entry.number), Text(printable(entry.title)), name,
                      f"{info.words:,}" if info else "—", f"{target:,}" if target else "—",
                      *([score_cell(project, info.name) if info else "—"] if scored else []),
                      _modified(project, info) if info else "—")
    planned = {entry.number for entry in entries}
    for number, info in sorted(files.items()):
        if number not in planned:
            table.add_row(str(number), "(not in the outline)", Text(printable(info.name)), f"{info.words:,}", "—",
                          *([score_cell(project, info.name)] if scored else []), _modified(project, info))
    written = len(planned & set(files))
    return table, len(planned), written, sum(info.words for info in files.values())


ESTIMATED = " (estimated: the server reported no usage)"
FINISHED = "Finished:"


def _run_line(run: RunRecord) -> str:
    cost = f", estimated cost ${run.cost:.4f}" if run.cost is not None else ""
    kind = " (plan only)" if run.plan_only else ""
    estimated = ESTIMATED if run.estimated else ""
    return (f"Last run{kind}, ended {run.ended_at.replace('T', ' ')}: {run.iterations} iterations, "
            f"tokens in {run.prompt_tokens:,}, out {run.completion_tokens:,}{estimated}{cost}.")


def export_command(project_root: Path) -> str:
    return f"kimi-writer export {shlex.quote(str(project_root))} --format epub"


def print_status(project: Project, console: Console, chapter_words: int | None = None) -> None:
    table, planned, written, words = chapter_table(project, chapter_words)
    console.print(table)
    share = f" ({written / planned:.0%} of the outline)" if planned else " (no outline.md yet)"
    parts = part_noun(project_is_collection(project), 2)
    console.print(f"Written: {written} of {planned} planned {parts}{share}, {words:,} words in {parts}.",
                  soft_wrap=True)
    state, why = load_state(project)
    if state is None or not state.runs:
        console.print(f"Last run: {why or 'no run recorded yet'}.", soft_wrap=True)
    else:
        console.print(_run_line(state.runs[-1]), soft_wrap=True, markup=False)
        console.print(f"  {printable(state.runs[-1].outcome)}", soft_wrap=True, markup=False)
    if planned and written == planned and state is not None and state.runs \
            and state.runs[-1].outcome.startswith(FINISHED):
        console.print(f"The book is finished: all {planned} planned {parts} are written.", soft_wrap=True)
        console.print(f"Export it with: {export_command(project.root)}", soft_wrap=True, markup=False)
        return
    console.print(f"Continue with: {resume_command(project.root)}", soft_wrap=True, markup=False)
