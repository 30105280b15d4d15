"""`kimi-writer write`: write a book from a prompt, or resume one with --recover."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from ..core.errors import UserError
from ..flags import WRITE_FLAGS
from ..options import fail, load_settings, setting_flags
from .run import build_run, reporting, run_display


def continued(note: str | None, recover: str | None, prompt: str | None) -> tuple[str | None, str | None]:
    """`write PROJECT --continue NOTE` is `write --recover PROJECT NOTE`: (the book to recover, the note)."""
    if note is None:
        return recover, prompt
    if recover is not None:
        raise UserError('give the book once: kimi-writer write PROJECT --continue "what happens next" (without --recover).')
    if not prompt:
        raise UserError('--continue needs the book first: kimi-writer write PROJECT --continue "what happens next".')
    if not note.strip():
        raise UserError('--continue needs what happens next, e.g. --continue "Mara opens the letter".')
    return prompt, note


@setting_flags(WRITE_FLAGS)
def write(
    prompt: Annotated[Optional[str], typer.Argument(help="What to write, e.g. 'A 5-chapter mystery set in Victorian London'. With --recover: an optional note to the model.", metavar="PROMPT", show_default=False)] = None,
    recover: Annotated[Optional[str], typer.Option("--recover", help="Resume a book: a project folder or name, a .context_summary_*.md file, or a session.json file.")] = None,
    **flags: Any,
) -> None:
    """Write a book from PROMPT into a new project folder, or resume one with --recover."""
    try:
        settings = load_settings(**flags)
        recover, prompt = continued(settings.continue_, recover, prompt)
    except UserError as error:
        raise fail(str(error)) from None
    display = run_display(settings, "write", {"prompt": prompt, "recover": recover, **flags})
    with reporting(display):
        with build_run(settings, recover, prompt, display) as agent:
            code = agent.run()
        raise typer.Exit(int(code))
