"""A tool added in one place: defined here, registered with `tools.register`, then offered to
the model and run by the loop, with no change to the agent. The loop runs in-process (a tool
defined in a test cannot reach the CLI subprocess) against the scripted server over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from kimi_writer.loop import tools
from kimi_writer.loop.agent import Agent, Connection
from kimi_writer.model.api_errors import Scrubber
from kimi_writer.model.client import ModelClient
from kimi_writer.loop.display import PlainDisplay
from kimi_writer.core.errors import ExitCode
from kimi_writer.book.session import SessionState
from kimi_writer.settings import Settings
from kimi_writer.loop.tools import Tool, ToolFailure, ToolResult, Workspace
from tests.conftest import TEST_KEY, assert_clean_protocol, tool_results
from tests.scripted_server import ScriptedServer, ToolCall, Turn, tool_call


class WordCountArgs(BaseModel):
    """Count the words of a file in the active project."""

    filename: str = Field(description="The file to count, e.g. 'notes.md'.")


def word_count(workspace: Workspace, args: WordCountArgs) -> ToolResult:
    name, text = workspace.require_project().read(args.filename)
    return ToolResult(f"{name} holds {len(text.split())} words.", f"counted {name}")


@pytest.fixture
def registered() -> Iterator[list[Tool]]:
    """Register tools for one test; they are gone afterwards."""
    added: list[Tool] = []
    yield added
    for tool in added:
        del tools.TOOLS[tool.name]


def register(added: list[Tool], tool: Tool) -> None:
    added.append(tools.register(tool))


def run_agent(server: ScriptedServer, tmp_path: Path, parallel: int = 1) -> ExitCode:
    """The write loop, in-process, against the scripted server."""
    settings = Settings(_env_file=None, api_key=TEST_KEY, base_url=server.base_url, projects_dir=tmp_path,
                        retry_base_delay=0.05, parallel=parallel)
    client = ModelClient(api_key=TEST_KEY, base_url=server.base_url, model=settings.model,
                         temperature=settings.temperature, max_tokens=settings.max_output_tokens, timeout=30)
    messages = [{"role": "system", "content": "You write books."}, {"role": "user", "content": "Count my notes."}]
    state = SessionState(prompt="Count my notes.", messages=messages, model=settings.model,
                         base_url=settings.base_url)
    agent = Agent(settings, client, PlainDisplay(), Workspace(tmp_path), state, Connection("test", Scrubber()))
    return agent.run()


def start_with_notes(server: ScriptedServer) -> None:
    server.add(Turn(reasoning="Next step.", tool_calls=[tool_call("create_project", project_name="Notes"),
                                tool_call("write_file", filename="notes.md", content="one two three")]))


def count_notes(server: ScriptedServer, *ids: str) -> None:
    """A turn of word_count calls on notes.md (one per id), then the closing message."""
    calls = [ToolCall("word_count", '{"filename": "notes.md"}', id=call_id) for call_id in ids]
    server.add(Turn(reasoning="Count them.", tool_calls=calls), Turn(content="Done."))


def test_a_registered_tool_is_offered_and_run_by_the_loop(server, tmp_path, registered):
    register(registered, Tool("word_count", WordCountArgs, word_count))
    start_with_notes(server)
    count_notes(server, "count")

    assert run_agent(server, tmp_path) == ExitCode.FINISHED

    offered = {t["function"]["name"]: t["function"] for t in server.requests[0]["tools"]}
    assert list(offered) == ["create_project", "write_file", "read_file", "list_files", "compress_context",
                             "word_count"]
    assert offered["word_count"]["description"] == "Count the words of a file in the active project."
    assert offered["word_count"]["parameters"]["required"] == ["filename"]
    assert tool_results(server)["count"] == "notes.md holds 3 words."
    assert_clean_protocol(server)


def test_a_tool_not_enabled_is_neither_offered_nor_run(server, tmp_path, registered):
    register(registered, Tool("word_count", WordCountArgs, word_count, enabled=lambda workspace: False))
    start_with_notes(server)
    count_notes(server, "count")

    assert run_agent(server, tmp_path) == ExitCode.FINISHED

    assert "word_count" not in [t["function"]["name"] for t in server.requests[0]["tools"]]
    assert tool_results(server)["count"].startswith("There is no tool named `word_count`; nothing was executed.")


@pytest.mark.parametrize("parallel_safe", [True, False])
def test_parallel_safe_calls_run_at_once_under_parallel(server, tmp_path, registered, parallel_safe):
    """Two calls meet at a barrier: only calls run at once get past it."""
    barrier = threading.Barrier(2, timeout=3)

    def meet(workspace: Workspace, args: WordCountArgs) -> ToolResult:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            raise ToolFailure("ran alone") from None
        return word_count(workspace, args)

    register(registered, Tool("word_count", WordCountArgs, meet, parallel_safe=parallel_safe))
    start_with_notes(server)
    count_notes(server, "first", "second")

    assert run_agent(server, tmp_path, parallel=2) == ExitCode.FINISHED

    results = tool_results(server)
    if parallel_safe:
        assert results["first"] == results["second"] == "notes.md holds 3 words."
    else:
        assert "ran alone" in results["first"] and "ran alone" in results["second"]


class JotArgs(BaseModel):
    """Write a line to a file of the active project."""

    filename: str
    line: str


def jot(workspace: Workspace, args: JotArgs) -> ToolResult:
    name, words = workspace.require_project().write(args.filename, args.line, "overwrite")
    return ToolResult(f"Wrote {name}.", f"jotted {name}", written=(name, words))


def test_a_tools_on_landed_hook_adds_to_the_result_of_a_landed_write(server, tmp_path, registered):
    def review(workspace: Workspace, result: ToolResult) -> ToolResult:
        name, words = result.written
        text = workspace.require_project().read(name)[1]
        return replace(result, text=f"{result.text}\nReview of {name} ({words} words): {text!r} reads well.")

    register(registered, Tool("jot", JotArgs, jot, on_landed=review))
    server.add(Turn(reasoning="Jot it.", tool_calls=[tool_call("create_project", project_name="Notes"),
                                ToolCall("jot", '{"filename": "notes.md", "line": "one two three"}', id="jot")]),
               Turn(content="Done."))

    assert run_agent(server, tmp_path) == ExitCode.FINISHED

    assert tool_results(server)["jot"] == "Wrote notes.md.\nReview of notes.md (3 words): 'one two three' reads well."
    state = json.loads((tmp_path / "Notes" / ".kimi_writer" / "session.json").read_text())
    assert state["written"] == {"notes.md": 3} and "notes.md" in state["file_hashes"]
