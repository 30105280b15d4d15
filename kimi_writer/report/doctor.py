"""`kimi-writer doctor`'s checks: each answers one part of "why doesn't it work?", with its fix."""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import openai
from dotenv import dotenv_values

from .. import local
from ..book.project import writable_problem
from ..local.bundled import INSTALL_HINT, bundled_model
from ..model.api_errors import Scrubber, connection_problem
from ..model.client import ModelClient
from ..settings import Settings

MIN_PYTHON = (3, 10)
KEY_VARIABLES = ("KIMI_WRITER_API_KEY", "MOONSHOT_API_KEY", "KIMI_WRITER_WRITER_API_KEY", "KIMI_WRITER_CRITIC_API_KEY")
SERVER_TIMEOUT = 10.0  # seconds for the server to list its models
OK, FAIL, NOTE = "ok", "fail", "note"


@dataclass
class Check:
    """One line of the report: what was checked, how it stands, and the fix when it fails."""

    name: str
    status: str  # ok, fail (the configured run needs it) or note (not needed, or optional)
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def checked(name: str, passed: bool, good: str, bad: str, fix: str, needed: bool = True) -> Check:
    """A check that passed, failed, or (not needed) is only a note."""
    if passed:
        return Check(name, OK, good)
    return Check(name, FAIL if needed else NOTE, bad, fix)


def python_check(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    shown = ".".join(map(str, version))
    return checked("python", version[:2] >= MIN_PYTHON, f"Python {shown} (3.10 or newer is needed)",
                   f"Python {shown} is too old: kimi-writer needs 3.10 or newer",
                   "install Python 3.10 or newer, then make the venv again with it")


def keys_set(dotenv: Path = Path(".env")) -> list[str]:
    """The key variables that are set (never their values): in the environment, or in .env."""
    in_file = {name.upper() for name, value in dotenv_values(dotenv).items() if value} if dotenv.is_file() else set()
    found = [name for name in KEY_VARIABLES if os.environ.get(name, "").strip()]
    return found + [f"{name} (in .env)" for name in KEY_VARIABLES if name in in_file and name not in found]


def keys_check(names: list[str], local_run: bool, problem: str | None) -> Check:
    """Which keys are set; none is fine only when the bundled local model runs."""
    if problem:
        return Check("api_key", FAIL, problem, "export KIMI_WRITER_API_KEY=<your key>")
    if names:
        return Check("api_key", OK, f"API key set: {', '.join(names)}")
    if local_run:
        return Check("api_key", NOTE, "no API key is set, so a run uses the bundled local model (small and weak)",
                     "export MOONSHOT_API_KEY=<your key> to write with Kimi")
    return Check("api_key", FAIL, "no API key is set",
                 "export MOONSHOT_API_KEY=<your key> (or KIMI_WRITER_API_KEY), or put it in a .env file here")


def server_checks(settings: Settings, key: str) -> list[Check]:
    """Whether the base URL answers, and whether the model is among those it lists."""
    url = Scrubber.from_settings(settings)(settings.base_url)
    client = ModelClient(api_key=key or "none", base_url=settings.base_url, model=settings.model,
                         temperature=1.0, max_tokens=1, timeout=SERVER_TIMEOUT)
    try:
        models = client.list_models()
    except openai.OpenAIError as error:
        return [_unreachable(url, error), Check("model", NOTE, f"model {settings.model}: not checked (no list)")]
    reached = Check("server", OK, f"base URL {url} is well-formed and answers")
    listed = checked("model", settings.model in models, f"model {settings.model} is listed by the server",
                     f"model {settings.model} is not listed by the server",
                     f"set --model or KIMI_WRITER_MODEL to one it offers: {', '.join(models[:8]) or '(none)'}")
    return [reached, listed]


def _unreachable(url: str, error: openai.OpenAIError) -> Check:
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return Check("server", FAIL, f"{url} rejected the API key (HTTP {error.status_code})",
                     "check the key in the variable named above")
    if isinstance(error, openai.NotFoundError):
        return Check("server", FAIL, f"{url} answered 404 (not found) for /models",
                     f"the base URL may need /v1 at its end (such as {url.rstrip('/')}/v1)")
    if isinstance(error, openai.APIStatusError):
        return Check("server", NOTE, f"{url} answers, but lists no models (HTTP {error.status_code})")
    if isinstance(error, openai.APITimeoutError):
        return Check("server", FAIL, f"{url} did not answer within {SERVER_TIMEOUT:.0f} s",
                     "check the address (--base-url or KIMI_WRITER_BASE_URL) and your network")
    return Check("server", FAIL, f"could not connect to {url} ({connection_problem(error)})",
                 "check that the server is running and that the address (--base-url) is right")


def projects_check(folder: Path) -> Check:
    problem = writable_problem(folder)
    return checked("projects_dir", problem is None, f"projects folder {Path(folder).absolute()} is writable",
                   f"projects folder {Path(folder).absolute()}: {problem}",
                   "choose another folder with --projects-dir or KIMI_WRITER_PROJECTS_DIR")


def local_model_check(needed: bool) -> Check:
    found = local.available() and bundled_model() is not None
    return checked("local_model", found, "bundled local model: SmolLM2-135M-Instruct is installed",
                   "bundled local model: not installed (optional)" if not needed else "bundled local model: not installed",
                   f"{INSTALL_HINT} (needs a C/C++ compiler and CMake, unless pip finds a wheel)", needed)


def extras_checks() -> list[Check]:
    """The optional extras: never a failure, a note when missing."""
    docx = importlib.util.find_spec("docx") is not None
    return [checked("docx", docx, "DOCX export: python-docx is installed", "DOCX export: python-docx is not installed",
                    "pip install python-docx", needed=False)]


def failed(checks: list[Check]) -> bool:
    return any(check.status == FAIL for check in checks)
