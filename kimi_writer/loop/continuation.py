"""The session an imported book starts with: the task of continuing the author's manuscript, the chapter
summaries the planner wrote, and the hashes of the files as imported, so that `write --recover` continues
it like any other book (and reports the author's later edits)."""

from __future__ import annotations

from ..book import edits
from ..book.outline import OUTLINE_FILE, chapter_number
from ..book.ledger import LEDGER_FILE
from ..book.project import Project
from ..book.session import SessionState
from ..core.messages import Kind, system, user
from ..core.prompts import render
from .instructions import system_prompt


def continuation_task(project: Project, title: str, names: list[str], collection: bool) -> str:
    """The task of the book's runs: continue the author's chapters, in their voice, never touching them."""
    numbered = [name for name in names if chapter_number(name) is not None]
    last = max((chapter_number(name) or 0 for name in numbered), default=0)
    noun = "story" if collection else "chapter"
    return render("import_task.md.j2", title=title, project_name=project.name, count=len(numbered),
                  nouns="stories" if collection else "chapters", last=last, next_file=f"{noun}_{last + 1:02d}.md")


def imported_state(project: Project, task: str, model: str, base_url: str, max_iterations: int,
                   summaries: dict[str, str], names: list[str]) -> SessionState:
    """A saved session holding only the task, ready for `write --recover`."""
    messages = [system(system_prompt(max_iterations, project, prompt=task)), user(Kind.TASK, task)]
    state = SessionState(prompt=task, messages=messages, model=model, base_url=base_url,
                         project_dir=str(project.root), chapter_summaries=summaries)
    tracked = names + [name for name in (OUTLINE_FILE, LEDGER_FILE) if project.read_if_file(name) is not None]
    state.file_hashes = {name: edits.remember(project, name) for name in tracked}
    state.save(project.root)
    return state
