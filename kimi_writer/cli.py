"""The `kimi-writer` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError

from . import __version__
from .agent import Agent, Connection
from .client import ModelClient
from .display import make_display
from .errors import ExitCode, UserError
from .prompts import render
from .session import SessionState
from .settings import Settings
from .tools import Workspace

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
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "settings"
        raise UserError(f"invalid setting {where}: {first['msg']}") from error


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
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """kimi-writer: one prompt in, a book on disk."""
    if version:
        typer.echo(f"kimi-writer {__version__}")
        raise typer.Exit()


@app.command()
def write(
    prompt: Annotated[Optional[str], typer.Argument(help="What to write, e.g. 'A 5-chapter mystery set in Victorian London'.")] = None,
    projects_dir: Annotated[Optional[Path], typer.Option("--projects-dir", help="Folder for projects (env KIMI_WRITER_PROJECTS_DIR; default ./projects).")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help="Model name (env KIMI_WRITER_MODEL; default kimi-k2.6).")] = None,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible API URL (env MOONSHOT_BASE_URL or KIMI_WRITER_BASE_URL).")] = None,
    max_iterations: Annotated[Optional[int], typer.Option("--max-iterations", help="Stop after this many model turns (default 300).")] = None,
    token_limit: Annotated[Optional[int], typer.Option("--token-limit", help="Context window in tokens (default 200,000).")] = None,
    compress_at: Annotated[Optional[int], typer.Option("--compress-at", help="Compress history at this many tokens (default 90% of the limit).")] = None,
) -> None:
    """Write a book from PROMPT into a new project folder."""
    try:
        settings = load_settings(projects_dir=projects_dir, model=model, base_url=base_url,
                                 max_iterations=max_iterations, token_limit=token_limit, compress_at=compress_at)
        key = require_key(settings)
        text = (prompt if prompt is not None else _ask_prompt()).strip()
        if not text:
            raise UserError('the prompt is empty; say what to write, e.g. kimi-writer write "A 5-chapter mystery"')
    except UserError as error:
        raise _fail(str(error)) from None
    raise typer.Exit(int(_run_new_book(settings, key, text)))


def _run_new_book(settings: Settings, key: str, prompt: str) -> ExitCode:
    client = ModelClient(api_key=key, base_url=settings.base_url, model=settings.model,
                         temperature=settings.temperature, max_tokens=settings.max_tokens,
                         max_retries=settings.max_retries, timeout=settings.request_timeout)
    messages = [
        {"role": "system", "content": render("system.md.j2", max_iterations=settings.max_iterations)},
        {"role": "user", "content": prompt},
    ]
    state = SessionState(prompt=prompt, messages=messages, model=settings.model, base_url=settings.base_url)
    agent = Agent(settings, client, make_display(), Workspace(settings.projects_dir), state,
                  Connection(key_source(), key))
    return agent.run()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        raise SystemExit(int(ExitCode.INTERRUPTED))
