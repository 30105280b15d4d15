"""The agent loop: query the model, run its tools, save the state, until a stop exception."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass

import openai

from . import compression
from .api_errors import fatal_from
from .client import AssistantTurn, ModelClient, StreamCut, ToolCallRequest
from .display import PlainDisplay, RunSummary
from .errors import AgentStop, ExitCode, FatalModelError, Finished, IterationLimitReached
from .prompts import render
from .session import SessionState
from .settings import Settings
from .tokens import ContextMeter
from .tools import ToolResult, Workspace, execute, tool_schemas

KEEP_RECENT_TURNS = 2


@dataclass
class Connection:
    """What the loop needs to explain a server failure, without holding the settings object."""

    key_source: str
    secret: str | None


class Agent:
    def __init__(self, settings: Settings, client: ModelClient, display: PlainDisplay,
                 workspace: Workspace, state: SessionState, connection: Connection):
        self.settings = settings
        self.client = client
        self.display = display
        self.workspace = workspace
        self.state = state
        self.connection = connection
        self.tools = tool_schemas()
        self.meter = ContextMeter(self.tools)
        self.format_errors_in_a_row = 0

    @property
    def messages(self) -> list[dict]:
        return self.state.messages

    def run(self) -> ExitCode:
        """Step until a stop; the state is saved after every step and at the end."""
        try:
            while True:
                self.step()
        except AgentStop as stop:
            code, outcome = stop.exit_code, self._outcome(stop)
        except KeyboardInterrupt:
            code, outcome = ExitCode.INTERRUPTED, "Interrupted (Ctrl+C); the unfinished turn was dropped."
        self.display.end_turn()
        self.state.outcome = outcome
        self.save()
        self.display.summary(self._summary(outcome))
        return code

    def _outcome(self, stop: AgentStop) -> str:
        if isinstance(stop, Finished):
            return "Finished: the model says the book is done."
        if isinstance(stop, IterationLimitReached):
            return f"Stopped: the iteration limit ({self.settings.max_iterations}) was reached."
        return f"Stopped: {stop}"

    def step(self) -> None:
        """One iteration: one model turn and its tool calls."""
        if self.state.iteration >= self.settings.max_iterations:
            raise IterationLimitReached()
        self.state.iteration += 1
        try:
            self.display.iteration(self.state.iteration, self.settings.max_iterations,
                                   self.meter.used(self.messages), self.settings.token_limit)
            turn = self.query(self.messages, self.tools)
            self.display.end_turn()
            self.messages.append(_history_message(turn))
            if turn.usage and turn.usage.prompt_tokens:
                self.meter.record(turn.usage.prompt_tokens, turn.usage.completion_tokens, len(self.messages))
            self.handle(turn)
        finally:
            self.save()

    def handle(self, turn: AssistantTurn) -> None:
        if not turn.tool_calls:
            if turn.finish_reason == "length":
                self.messages.append({"role": "user", "content": render(
                    "continue_after_length.md.j2", max_tokens=self.settings.max_tokens)})
                return
            raise Finished()
        compress = False
        answered: set[str] = set()
        try:
            for call in turn.tool_calls:
                result = self._run_call(turn, call)
                answered.add(call.id)
                self.record(call.id, result)
                compress = compress or result.compress
        finally:  # a stop in the middle still leaves every tool call answered
            for call in turn.tool_calls:
                if call.id not in answered:
                    self.messages.append({"role": "tool", "tool_call_id": call.id,
                                          "content": render("not_executed.md.j2", tool_name=call.name)})
        if compress:
            self.compress()

    def _run_call(self, turn: AssistantTurn, call: ToolCallRequest) -> ToolResult:
        if turn.finish_reason == "length":
            text = render("truncated.md.j2", max_tokens=self.settings.max_tokens, tool_name=call.name)
            return ToolResult(text, f"{call.name} was cut off at the output limit; not run", ok=False)
        return execute(call, self.workspace)

    def record(self, call_id: str, result: ToolResult) -> None:
        """Answer one tool call in the history, show it, and count format errors in a row."""
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": result.text})
        self.display.tool_result(result.summary, result.ok)
        if result.written:
            name, words = result.written
            self.state.written[name] = words
        if self.workspace.project is not None:
            self.state.project_dir = str(self.workspace.project.root)
        self.format_errors_in_a_row = self.format_errors_in_a_row + 1 if result.format_error else 0
        if self.format_errors_in_a_row >= self.settings.max_format_errors:
            raise FatalModelError(
                f"the model sent {self.format_errors_in_a_row} malformed tool calls in a row; "
                "try again, or try another model with --model."
            )

    def query(self, messages: list[dict], tools: list[dict] | None) -> AssistantTurn:
        """One model turn. A cut stream is discarded and retried; a server failure is fatal."""
        attempt = 0
        while True:
            try:
                turn = self.client.complete(messages, tools, self.display)
                if turn.usage:
                    self.state.usage.add(turn.usage.prompt_tokens, turn.usage.completion_tokens,
                                         turn.usage.cached_tokens)
                return turn
            except StreamCut as cut:
                attempt += 1
                if attempt > self.settings.max_retries:
                    raise FatalModelError(f"the stream was cut {attempt} times in a row ({cut})") from cut
                delay = min(30.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
                self.display.notice(f"retrying in {delay:.1f}s ({cut}; the partial reply was discarded)")
                time.sleep(delay)
            except openai.NotFoundError as error:
                raise self._fatal(error, models=self._offered_models()) from error
            except openai.OpenAIError as error:
                raise self._fatal(error) from error

    def _fatal(self, error: openai.OpenAIError, models: list[str] | None = None) -> FatalModelError:
        return fatal_from(error, base_url=self.settings.base_url, model=self.settings.model,
                          key_source=self.connection.key_source, secret=self.connection.secret, models=models)

    def _offered_models(self) -> list[str] | None:
        try:
            return self.client.list_models()
        except openai.OpenAIError:
            return None

    def compress(self) -> None:
        """Replace older history with a model-written summary, and save it as a checkpoint file."""
        split = compression.split_point(self.messages, KEEP_RECENT_TURNS)
        if split is None:
            self.display.notice("Nothing old enough to compress yet.")
            return
        self.display.notice(f"Compressing {split} older messages into a summary…")
        try:
            summary = compression.summarize(lambda request: self.query(request, None), self.messages[:split])
        except (FatalModelError, ValueError) as error:
            self.display.notice(f"Compression failed ({error}); continuing with the full history.")
            return
        finally:
            self.display.end_turn()
        self.state.messages = compression.compressed_history(self.messages, split, summary)
        self.meter.reset()
        if self.workspace.project is not None:
            path = compression.write_summary_file(self.workspace.project.root, summary)
            self.display.notice(f"Context summary saved: {path}")

    def save(self) -> None:
        if self.workspace.project is not None:
            self.state.project_dir = str(self.workspace.project.root)
            self.state.save(self.workspace.project.root)

    def _summary(self, outcome: str) -> RunSummary:
        usage = self.state.usage
        price = self.settings.price()
        cost = None
        if price is not None:
            uncached = usage.prompt_tokens - usage.cached_tokens
            cost = (uncached * price.input + usage.cached_tokens * price.cached_input
                    + usage.completion_tokens * price.output) / 1_000_000
        project = self.workspace.project
        return RunSummary(outcome, str(project.root) if project else None, sorted(self.state.written.items()),
                          self.state.iteration, usage.prompt_tokens, usage.completion_tokens, cost)


def _history_message(turn: AssistantTurn) -> dict:
    """The assistant message for the history; arguments that are not a JSON object become `{}`,
    so that no server rejects the history later (the tool result explains what was wrong)."""
    message = turn.to_message()
    for call in message.get("tool_calls", []):
        try:
            valid = isinstance(json.loads(call["function"]["arguments"] or "{}"), dict)
        except json.JSONDecodeError:
            valid = False
        if not valid or turn.finish_reason == "length":
            call["function"]["arguments"] = "{}"
    return message
