"""--recover: rebuild a run from a project folder, its session state, or a context summary."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from .book_context import latest_chapter_tail
from ..book.edits import Edit
from ..core.errors import UserError
from ..book.locate import find_project_dir
from ..core.messages import Kind, Message, ToolCall, tool_result, user
from ..book.outline import read_outline
from ..book.project import STATE_DIR, PathRefused, Project
from ..book.language import book_language
from ..core.language import suffix
from ..core.prompts import render
from ..book.session import STATE_FILE, SessionState
from ..core.text import parse_json

SUMMARY_GLOB = ".context_summary_*.md"


@dataclass
class Recovered:
    project: Project
    state: SessionState | None  # the exact conversation, when resuming from session state
    summary: str  # the summary text, when resuming from a context summary
    notices: list[str] = field(default_factory=list)  # lines for the console (a state moved aside, ...)
    rebuilt: bool = False  # no state and no summary: the conversation starts from the files on disk


class CorruptState(UserError):
    """A session file that is not JSON at all (a lost state, not one with a wrong shape)."""


def load(argument: str, projects_dir: Path) -> Recovered:
    """Whatever PATH names, the state or summary to continue from; UserError if unusable."""
    path = find_project_dir(argument, projects_dir)
    if path.is_dir():
        return _from_folder(_checked(Project(path)))
    if path.suffix == ".json":
        return _from_state(path)
    if path.suffix == ".md":
        return _from_summary(path)
    raise UserError(f"{path} is neither a project folder, a .context_summary_*.md file nor a session .json file.")


def _checked(project: Project) -> Project:
    """The project, unless its state folder is a link that points outside."""
    try:
        project.check_state_dir()
    except PathRefused as error:
        raise UserError(str(error)) from None
    return project


def _from_folder(project: Project) -> Recovered:
    """The saved state; else the newest summary; else the files on disk. A state that is not
    JSON is moved aside first (never overwritten), when there is something to rebuild from."""
    state_file = project.state_dir / STATE_FILE
    notices = []
    if state_file.is_file():
        try:
            return _from_state(state_file)
        except CorruptState as error:
            if not _summaries(project) and not project.files():
                raise UserError(f"{error.args[0]} The folder has no summary and no manuscript files to rebuild "
                                "from either, so there is nothing to resume.") from None
            moved = move_aside(state_file)
            notices.append(f"{state_file} is corrupt; it was moved aside as {moved.name}, and the session is "
                           "rebuilt from the files on disk.")
    summaries = _summaries(project)
    if summaries:
        found = _from_summary(summaries[-1])
        found.notices = notices
        return found
    if project.files():
        return Recovered(project, None, "", notices, rebuilt=True)
    raise UserError(f"{project.root} has no session state ({STATE_DIR}/{STATE_FILE}), no {SUMMARY_GLOB} file "
                    "and no manuscript files, so there is nothing to resume.")


def _summaries(project: Project) -> list[Path]:
    """The context summaries in the folder, oldest first; links that point outside left out."""
    return [p for p in sorted(project.root.glob(SUMMARY_GLOB)) if p.is_file() and project.contains(p)]


def move_aside(path: Path) -> Path:
    """Rename `path` to `<name>.corrupt-YYYYmmdd_HHMMSS` (with a counter if taken); returns the new path."""
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 2
    while target.exists() or target.is_symlink():
        target = path.with_name(f"{path.name}.corrupt-{stamp}_{counter}")
        counter += 1
    os.rename(path, target)
    return target


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text, so it is not a kimi-writer file to resume from.") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}.") from None


def _from_state(path: Path) -> Recovered:
    text = _read(path)
    try:
        raw = parse_json(text)
    except json.JSONDecodeError:
        raise CorruptState(f"{path} is not a valid kimi-writer session file (corrupt or from another version); "
                           f"resume from the project's newest {SUMMARY_GLOB} file instead.") from None
    try:
        state = SessionState.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the file"
        raise UserError(f"{path} is not a valid kimi-writer session file ({where}: {first['msg']}); "
                        "nothing was changed.") from None
    if path.parent.name == STATE_DIR:
        root = path.parent.parent
    elif state.project_dir and Path(state.project_dir).is_dir():
        root = Path(state.project_dir)
    else:
        raise UserError(f"the project folder of {path} ({state.project_dir}) no longer exists.")
    project = _checked(Project(root))
    return Recovered(project, state, "", _drop_outside_names(project, state))


def _drop_outside_names(project: Project, state: SessionState) -> list[str]:
    """Remove every file name of the state that the sandbox refuses; one warning line if any."""
    dropped: dict[str, None] = {}
    for mapping in (state.written, state.file_hashes, state.chapter_summaries):
        for name in list(mapping):
            if project.safe_name(name) is None:
                del mapping[name]
                dropped[name] = None
    if not dropped:
        return []
    names = ", ".join(repr(name) for name in list(dropped)[:5]) + (" and more" if len(dropped) > 5 else "")
    return [f"Warning: the session state names files outside the project, which were dropped: {names}."]


def _from_summary(path: Path) -> Recovered:
    """A summary in the original script's format: heading, **Generated:** line, ---, summary."""
    project = _checked(Project(path.parent))
    if not project.contains(path):
        raise UserError(f"{path} is a link that points outside the project; kimi-writer does not follow it.")
    text = _read(path)
    head, separator, body = text.partition("\n---\n")
    summary = (body if separator else text).strip()
    if not summary:
        raise UserError(f"{path} holds no summary text to resume from.")
    return Recovered(project, None, summary, _set_aside_unusable_state(project))


def _set_aside_unusable_state(project: Project) -> list[str]:
    """A run that starts afresh must not overwrite a state it could not use: move it aside."""
    state_file = project.state_dir / STATE_FILE
    if not state_file.is_file():
        return []
    try:
        _from_state(state_file)
        return []
    except UserError:
        moved = move_aside(state_file)
    return [f"{state_file} could not be used; it was moved aside as {moved.name}."]


def recovery_message(project: Project, summary: str, author_note: str | None,
                     author_edits: list[Edit] | None = None, after_plan: bool = False,
                     rebuilt: bool = False, imported: bool = False) -> Message:
    """The first new message of a resumed run: where things stand, and what the author changed.
    A rebuilt run (no state, no summary) also gets the end of the latest chapter; the first run on an
    imported book (`imported`) is told so, not that it was interrupted."""
    tail_name, tail = latest_chapter_tail(project) if rebuilt else ("", "")
    text = render("recovery.md.j2", project_name=project.name, summary=summary, files=project.files(),
                  outline=read_outline(project), author_note=author_note or "", edits=author_edits or [],
                  after_plan=after_plan, rebuilt=rebuilt, tail=tail, tail_name=tail_name, imported=imported,
                  unit=suffix(book_language(project)))
    return user(Kind.RESUME_NOTE, text)


def answer_dangling_tool_calls(messages: list[Message]) -> list[Message]:
    """A copy of `messages` in which every tool call has a result (a run stopped mid-turn)."""
    repaired: list[Message] = []
    pending: list[ToolCall] = []
    for message in messages:
        if message.kind != Kind.TOOL_RESULT and pending:
            repaired += [_not_executed(call) for call in pending]
            pending = []
        if message.kind == Kind.TOOL_RESULT:
            pending = [c for c in pending if c.id != message.tool_call_id]
        repaired.append(message)
        if message.kind == Kind.REPLY:
            pending = list(message.tool_calls)
    return repaired + [_not_executed(call) for call in pending]


def _not_executed(call: ToolCall) -> Message:
    return tool_result(call.id, render("not_executed.md.j2", tool_name=call.name))
