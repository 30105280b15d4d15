"""Fixtures: a scripted server per test and a runner for the installed `kimi-writer` CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scripted_server import ScriptedServer

TEST_KEY = "sk-test-0123456789abcdef-secret"
CLI = Path(sys.executable).parent / "kimi-writer"


@pytest.fixture
def server():
    with ScriptedServer() as scripted:
        yield scripted


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The machine's environment without any kimi-writer or Moonshot settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIMI_WRITER_", "MOONSHOT_"))}
    env.update(HOME=str(home), NO_COLOR="1", COLUMNS="120")
    env.update(extra)
    return env


@pytest.fixture
def run_cli(tmp_path, server):
    """Run `kimi-writer ARGS` in tmp_path against the scripted server; returns CompletedProcess."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60, **popen) -> subprocess.CompletedProcess:
        base = clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url,
                         KIMI_WRITER_RETRY_BASE_DELAY="0.05")
        base.update(env or {})
        return subprocess.run([str(CLI), *args], cwd=tmp_path, env=base, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, **popen)

    return run


def assert_clean_protocol(server: ScriptedServer) -> None:
    """Every scripted turn used, and no request broke the chat protocol."""
    from tests.scripted_server import protocol_violations

    server.assert_complete()
    for number, request in enumerate(server.requests):
        assert protocol_violations(request["messages"]) == [], f"request {number}"


def tool_results(server: ScriptedServer) -> dict[str, str]:
    """tool_call_id -> result, gathered from every request the server received (in compact
    context mode a request carries only the latest turns)."""
    return {m["tool_call_id"]: m["content"] for r in server.requests for m in r["messages"] if m["role"] == "tool"}


def assistant_calls(server: ScriptedServer) -> dict[str, tuple[dict, dict]]:
    """tool_call_id -> (the assistant message, the call), from every request."""
    return {c["id"]: (m, c) for r in server.requests for m in r["messages"] for c in m.get("tool_calls") or []}


def user_message(request: dict, prefix: str) -> str:
    """The content of the last user message of `request` that starts with `prefix`."""
    found = [m["content"] for m in request["messages"] if m["role"] == "user" and m["content"].startswith(prefix)]
    assert found, f"no user message starts with {prefix!r}"
    return found[-1]
