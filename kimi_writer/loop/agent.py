"""The agent loop: query the model, run its tools, save the state, until a stop exception."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model.api_errors import Scrubber
from ..model.caller import Caller, Limits
from ..model.client import AssistantTurn, ModelClient, ToolCallRequest
from .display import PlainDisplay
from ..core.errors import (AgentStop, ContextFull, ContextOverflow, ExitCode, FatalModelError, Interrupted,
                           IterationLimitReached, mute_stdout)
from ..core.messages import Message, tool_result
from ..model.retry import Backoff
from .run_end import RunEnd, interrupted
from ..book.session import SessionState
from ..settings import Settings
from .tools import ToolResult, Workspace, tool_schemas
from .turns import batches, not_executed, run_calls, without_tools
from .window import Window


@dataclass
class Connection:
    """What the loop needs to explain a server failure."""

    key_source: str
    scrubber: Scrubber  # takes every key and URL password out of a server's text


class Agent:
    def __init__(self, settings: Settings, client: ModelClient, display: PlainDisplay,
                 workspace: Workspace, state: SessionState, connection: Connection):
        self.settings, self.display, self.workspace, self.state = settings, display, workspace, state
        self.scrub = connection.scrubber
        self.tools = tool_schemas(workspace=workspace)
        self.window = Window(settings, state, workspace, display, self.tools,
                             lambda request, max_tokens: self.caller.call(request, None, display, max_tokens))
        self.caller = Caller(client, Backoff(settings.max_retries, settings.retry_base_delay), connection.scrubber,
                             notices=display, usage=state.usage, limits=Limits.from_settings(settings),
                             measure=self.window.meter.used, key_source=connection.key_source)
        self.end = RunEnd(settings, state, workspace, display, connection.scrubber)
        self.iterations = self.format_errors_in_a_row = self.empty_replies_in_a_row = 0

    def run(self) -> ExitCode:
        """Step until a stop, a signal or Ctrl+C; the state is saved after every step and at the end."""
        try:
            while True:
                self.step()
        except AgentStop as stop:
            code, outcome = stop.exit_code, self.scrub(self.end.outcome(stop))
        except (KeyboardInterrupt, Interrupted) as interrupt:
            code, outcome = interrupted(interrupt)
        except BrokenPipeError:
            mute_stdout()
            code, outcome = ExitCode.PIPE_CLOSED, "Stopped: the output's reader went away (a closed pipe); the unfinished turn was dropped."
        return self.end.close(code, outcome, self.iterations)

    def step(self) -> None:
        """One iteration: one model turn and its tool calls."""
        if self.iterations >= self.settings.max_iterations:
            raise IterationLimitReached()
        self.iterations += 1
        self.state.iteration += 1
        try:
            request, max_tokens = self.window.make_room()
            used = self.window.meter.used(request)
            self.caller.check_budget(used)
            self.display.iteration(self.iterations, self.settings.max_iterations, used, self.settings.token_limit)
            turn = self.query(request, max_tokens)
            self.window.add_reply(request, turn)
            self.handle(turn)
        finally:
            self.end.save()
        if self.state.iteration % self.settings.checkpoint_every == 0:
            self.end.checkpoint()

    def query(self, request: list[Message], max_tokens: int) -> AssistantTurn:
        """One model turn; a request over the model's token limit is compressed and sent once more."""
        try:
            return self.caller.call(request, self.tools, self.display, max_tokens)
        except ContextOverflow:
            request, max_tokens = self.window.after_overflow()
            try:
                return self.caller.call(request, self.tools, self.display, max_tokens)
            except ContextOverflow as again:
                raise ContextFull("the server still reports the context over its limit after compression") from again

    def handle(self, turn: AssistantTurn) -> None:
        """Answer every tool call of the turn, or the reply without one."""
        empty = not turn.tool_calls and not turn.content.strip() and turn.finish_reason != "length"
        self.empty_replies_in_a_row = self.empty_replies_in_a_row + 1 if empty else 0
        if not turn.tool_calls:
            self.state.messages.append(without_tools(turn, self.empty_replies_in_a_row,
                                                     self.workspace.project is not None, self.settings, self.display))
            return
        compress, answered = False, set()
        try:
            for group in batches(turn.tool_calls, self.settings.parallel):
                for call, result in zip(group, run_calls(turn, group, self.workspace, self.settings)):
                    answered.add(call.id)
                    self.record(call, result)
                    compress = compress or result.compress
        finally:  # a stop in the middle still leaves every tool call answered
            self.state.messages.extend(not_executed(turn, answered))
        if compress:
            self.window.compress()

    def record(self, call: ToolCallRequest, result: ToolResult) -> None:
        """Answer one tool call in the history, show it, and count format errors in a row."""
        if not result.ok:  # a failure may quote a server (the writer model's): take its secrets out
            result = replace(result, text=self.scrub(result.text), summary=self.scrub(result.summary))
        if result.written and self.workspace.project is not None:
            result = self.window.landed(call, result)
        self.state.messages.append(tool_result(call.id, result.text))
        self.display.tool_result(result.summary, result.ok, call.name, result.written)
        if result.reviewed is not None:
            self.display.review(*result.reviewed)
        self.format_errors_in_a_row = self.format_errors_in_a_row + 1 if result.format_error else 0
        if self.format_errors_in_a_row >= self.settings.max_format_errors:
            raise FatalModelError(f"the model sent {self.format_errors_in_a_row} malformed tool calls in a row; "
                                  "try again, or try another model with --model.")
