"""--recover: rebuild a run from a project folder, its session state, or a context summary."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .edits import Edit
from .errors import UserError
from .project import STATE_DIR, Project
from .prompts import render
from .session import STATE_FILE, SessionState

SUMMARY_GLOB = ".context_summary_*.md"


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


@dataclass
class Recovered:
    project: Project
    state: SessionState | None  # the exact conversation, when resuming from session state
    summary: str  # the summary text, when resuming from a context summary


def load(argument: str, projects_dir: Path) -> Recovered:
    """Whatever PATH names, the state or summary to continue from; UserError if unusable."""
    path = find_project_dir(argument, projects_dir)
    if path.is_dir():
        state_file = path / STATE_DIR / STATE_FILE
        if state_file.is_file():
            return _from_state(state_file)
        summaries = sorted(path.glob(SUMMARY_GLOB))
        if summaries:
            return _from_summary(summaries[-1])
        raise UserError(f"{path} has no session state ({STATE_DIR}/{STATE_FILE}) and no "
                        f"{SUMMARY_GLOB} file, so there is nothing to resume.")
    if path.suffix == ".json":
        return _from_state(path)
    if path.suffix == ".md":
        return _from_summary(path)
    raise UserError(f"{path} is neither a project folder, a .context_summary_*.md file nor a session .json file.")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}.") from None


def _from_state(path: Path) -> Recovered:
    try:
        state = SessionState.model_validate(json.loads(_read(path)))
    except (json.JSONDecodeError, ValidationError):
        raise UserError(f"{path} is not a valid kimi-writer session file (corrupt or from another version); "
                        f"resume from the project's newest {SUMMARY_GLOB} file instead.") from None
    if path.parent.name == STATE_DIR:
        root = path.parent.parent
    elif state.project_dir and Path(state.project_dir).is_dir():
        root = Path(state.project_dir)
    else:
        raise UserError(f"the project folder of {path} ({state.project_dir}) no longer exists.")
    return Recovered(Project(root), state, "")


def _from_summary(path: Path) -> Recovered:
    """A summary in the original script's format: heading, **Generated:** line, ---, summary."""
    text = _read(path)
    head, separator, body = text.partition("\n---\n")
    summary = (body if separator else text).strip()
    if not summary:
        raise UserError(f"{path} holds no summary text to resume from.")
    return Recovered(Project(path.parent), None, summary)


def recovery_message(project: Project, summary: str, author_note: str | None,
                     author_edits: list[Edit] | None = None, after_plan: bool = False) -> dict:
    """The first new message of a resumed run: where things stand, and what the author changed."""
    outline = project.root / "outline.md"
    text = render("recovery.md.j2", project_name=project.name, summary=summary, files=project.files(),
                  outline=outline.read_text(encoding="utf-8") if outline.is_file() else "",
                  author_note=author_note or "", edits=author_edits or [], after_plan=after_plan)
    return {"role": "user", "content": text}


def answer_dangling_tool_calls(messages: list[dict]) -> list[dict]:
    """A copy of `messages` in which every tool call has a result (a run stopped mid-turn)."""
    repaired: list[dict] = []
    pending: list[dict] = []
    for message in messages:
        if message.get("role") != "tool" and pending:
            repaired += [_not_executed(call) for call in pending]
            pending = []
        if message.get("role") == "tool":
            pending = [c for c in pending if c["id"] != message.get("tool_call_id")]
        repaired.append(message)
        if message.get("role") == "assistant":
            pending = list(message.get("tool_calls") or [])
    return repaired + [_not_executed(call) for call in pending]


def _not_executed(call: dict) -> dict:
    return {"role": "tool", "tool_call_id": call["id"],
            "content": render("not_executed.md.j2", tool_name=call["function"]["name"])}
