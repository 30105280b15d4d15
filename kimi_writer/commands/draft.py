"""`kimi-writer draft`: draft chapters of a book's outline with the writer model, several at once."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from ..book.authored import author_files
from ..loop import drafting
from .. import local
from ..model.api_errors import Scrubber
from ..core.errors import ExitCode, UserError
from ..flags import JSON_EVENTS
from ..options import OWN, fail, load_settings, setting_flags
from ..book.outline import OutlineEntry
from ..book.project import Project
from ..settings import Settings
from .arguments import hold, open_project
from .run import make_writer, reporting, require_key, run_display, use_local_model

DRAFT_FLAGS = {
    "parallel": "Chapters drafted at once.",
    "overwrite": OWN,
    "writer_model": ("The model that drafts.", "the --model"),
    "writer_base_url": "Its API URL.",
    "model": "Model name.",
    "base_url": "OpenAI-compatible API URL.",
    "chapter_words": "Target words per chapter.",
    "projects_dir": "Folder of projects.",
    "json_output": JSON_EVENTS,
}


@setting_flags(DRAFT_FLAGS)
def draft(
    project: Annotated[str, typer.Argument(help="A project folder, or a project name under the projects folder.", metavar="PROJECT", show_default=False)],
    chapters: Annotated[Optional[str], typer.Option("--chapters", help="Which outline chapters, e.g. 3-8 or 2,5 (default: all).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Draft chapters that already have a file again.")] = False,
    **flags: Any,
) -> None:
    """Draft chapters of PROJECT's outline with the writer model, several at once."""
    try:
        settings = load_settings(**flags)
    except UserError as error:
        raise fail(str(error)) from None
    display = run_display(settings, "draft", {"project": project, "chapters": chapters, "overwrite": overwrite, **flags})
    with reporting(display):
        book = open_project(project, settings.projects_dir)
        local_model = use_local_model(settings)
        key = "local" if local_model else require_key(settings)
        hold(book, display)
        todo, skipped = drafting.plan_drafts(book, chapters, overwrite)
        for name in skipped:
            display.notice(f"skipped {name}: " + ("the author's own text, never replaced" if name in author_files(book)
                                                  else "it exists (use --overwrite to draft it again)"))
        if local_model:
            raise typer.Exit(_draft_locally(settings, book, todo, display))
        raise typer.Exit(_draft(settings, key, book, todo, display))


def _draft_locally(settings: Settings, book: Project, todo: list[tuple[OutlineEntry, str]], display: Any) -> int:
    """`draft` with the bundled model behind an in-process server, as `write` does with no key."""
    if settings.provider is None:
        display.notice("No API key is set, so kimi-writer drafts with the bundled local model (small and weak); "
                       "set MOONSHOT_API_KEY to draft with Kimi.")
    with local.serve(settings.model_path) as endpoint:
        settings = settings.model_copy(update={
            "base_url": endpoint.base_url, "model": endpoint.model, "writer_model": None, "writer_base_url": None,
            "writer_api_key": None, "max_output_tokens": endpoint.max_output_tokens})
        return _draft(settings, "local", book, todo, display)


def _draft(settings: Settings, key: str, book: Project, todo: list[tuple[OutlineEntry, str]], display: Any) -> int:
    """Draft `todo` and report each chapter; the exit code."""
    scrubber = Scrubber.from_settings(settings)
    writer = make_writer(settings, key, scrubber, model=settings.writer_model or settings.model)
    outcomes = drafting.draft_all(book, writer, todo, settings.parallel, settings.chapter_words, display.draft_progress)
    for outcome in outcomes:
        if outcome.draft:
            display.tool_result(f"drafted {outcome.draft.name}: {outcome.draft.words:,} words", True, "draft_chapter",
                                (outcome.draft.name, outcome.draft.words))
        else:
            display.tool_result(f"failed {outcome.filename}: {scrubber(outcome.error)}", False, "draft_chapter")
    failed = sum(1 for outcome in outcomes if outcome.draft is None)
    display.notice(f"{len(outcomes) - failed} of {len(outcomes)} chapters drafted" + (f", {failed} failed." if failed else "."))
    return int(ExitCode.MODEL_ERROR if failed else ExitCode.FINISHED)
