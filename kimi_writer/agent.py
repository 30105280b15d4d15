"""The agent loop: query the model, run its tools, save the state, until a stop exception."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from . import compression, context, edits
from .api_errors import Scrubber
from .caller import Caller, Limits
from .client import AssistantTurn, ModelClient, ToolCallRequest
from .display import PlainDisplay, RunFigures, RunSummary
from .errors import (
    AgentStop,
    ContextFull,
    ContextOverflow,
    ExitCode,
    FatalModelError,
    Finished,
    Interrupted,
    IterationLimitReached,
    SaveFailed,
)
from .messages import HistoryRequest, Kind, Message, tool_result, user
from .outline import chapter_number
from .pool import run_all
from .prompts import render
from .locate import resume_command
from .manuscript import unwritten_chapters
from .retry import Backoff
from .session import STATE_FILE, RunRecord, SessionState, UsageTotals
from .settings import Settings
from .tokens import ContextMeter
from .tools import TOOLS, ToolResult, Workspace, execute, is_parallel_safe, tool_schemas

KEEP_RECENT_TURNS = 2
MIN_OUTPUT_TOKENS = 256  # below this much room for the reply, a request is not worth sending
PLAN_READY = "The plan is ready:"


@dataclass
class Connection:
    """What the loop needs to explain a server failure."""

    key_source: str
    scrubber: Scrubber  # takes every key and URL password out of a server's text


class Agent:
    def __init__(self, settings: Settings, client: ModelClient, display: PlainDisplay,
                 workspace: Workspace, state: SessionState, connection: Connection):
        self.settings = settings
        self.display = display
        self.workspace = workspace
        self.state = state
        self.connection = connection
        self.tools = tool_schemas(workspace=workspace)
        self.meter = ContextMeter(self.tools)
        self.format_errors_in_a_row = 0
        self.empty_replies_in_a_row = 0
        self.iterations_this_run = 0
        self.usage_at_start = state.usage.model_copy()
        self.history_version = 0  # goes up whenever a message already in the history is rewritten
        self.caller = Caller(client, Backoff(settings.max_retries, settings.retry_base_delay), connection.scrubber,
                             notices=display, usage=state.usage, limits=Limits.from_settings(settings),
                             measure=self.meter.used, key_source=connection.key_source)

    @property
    def messages(self) -> list[Message]:
        return self.state.messages

    def run(self) -> ExitCode:
        """Step until a stop; the state is saved after every step and at the end."""
        code, outcome = self._loop()
        self.display.end_turn()
        failure = self._save_outcome(outcome)
        if failure is not None:
            code, outcome = failure.exit_code, self._outcome(failure)
        if code != ExitCode.FINISHED:
            self.checkpoint()
        plan_ready = outcome.startswith(PLAN_READY)
        self.display.summary(self._summary(None if plan_ready else outcome))
        if plan_ready:
            self.display.notice(f"{outcome}\nRead and edit it, then draft the chapters with: "
                                f"{resume_command(self.workspace.project.root)}")
        return code

    def _loop(self) -> tuple[ExitCode, str]:
        """(exit code, outcome) of stepping until a stop, a signal or Ctrl+C."""
        try:
            while True:
                self.step()
        except AgentStop as stop:
            return stop.exit_code, self.connection.scrubber(self._outcome(stop))
        except (KeyboardInterrupt, Interrupted) as interrupt:
            how = getattr(interrupt, "how", "Ctrl+C")
            code = getattr(interrupt, "exit_code", ExitCode.INTERRUPTED)
            return code, f"Interrupted ({how}); the unfinished turn was dropped."

    def _save_outcome(self, outcome: str) -> SaveFailed | None:
        """Record how the run ended and save; the failure, if the state could not be saved."""
        self.state.outcome = outcome
        self.state.runs.append(self._run_record(outcome))
        try:
            self.save()
        except SaveFailed as failure:
            return failure
        return None

    def _run_record(self, outcome: str) -> RunRecord:
        spent = self._spent_this_run()
        return RunRecord(iterations=self.iterations_this_run, prompt_tokens=spent.prompt_tokens,
                         completion_tokens=spent.completion_tokens, cost=spent.cost(self.settings.price()),
                         outcome=outcome, ended_at=datetime.now().isoformat(timespec="seconds"),
                         plan_only=self.settings.plan_only, estimated=spent.estimated_requests > 0)

    def _spent_this_run(self) -> UsageTotals:
        usage, start = self.state.usage, self.usage_at_start
        return UsageTotals(**{name: getattr(usage, name) - getattr(start, name) for name in UsageTotals.model_fields})

    def _outcome(self, stop: AgentStop) -> str:
        if isinstance(stop, Finished):
            return self._finished()
        if isinstance(stop, IterationLimitReached):
            return f"Stopped: the iteration limit ({self.settings.max_iterations}) was reached."
        return f"Stopped: {stop}"

    def _finished(self) -> str:
        """The model says it is done: a plan is ready, the book is done, or planned chapters are missing."""
        project = self.workspace.project
        if project is None:
            return "Finished: the model says the book is done."
        if self.settings.plan_only:
            return f"{PLAN_READY} {project.root / 'outline.md'}"
        missing, planned = unwritten_chapters(project)
        if not missing:
            return "Finished: the model says the book is done."
        listed = _listing(missing)
        verb = "is" if len(missing) == 1 else "are"
        return (f"Finished, but {len(missing)} of {planned} planned chapters {verb} not written ({listed}): "
                f"continue with {resume_command(project.root)}")

    def step(self) -> None:
        """One iteration: one model turn and its tool calls."""
        if self.iterations_this_run >= self.settings.max_iterations:
            raise IterationLimitReached()
        self.iterations_this_run += 1
        self.state.iteration += 1
        try:
            request, max_tokens = self.make_room()
            used = self.meter.used(request)
            self.caller.check_budget(used)
            self.display.iteration(self.iterations_this_run, self.settings.max_iterations,
                                   used, self.settings.token_limit)
            turn = self.query_with_overflow_retry(request, max_tokens)
            self.messages.append(_history_message(turn))
            if turn.usage and turn.usage.prompt_tokens and _is_history(request, self.history_version):
                self.meter.record(turn.usage.prompt_tokens, turn.usage.completion_tokens, self.history_version,
                                  len(self.messages))
            self.handle(turn)
        finally:
            self.save()
        if self.state.iteration % self.settings.checkpoint_every == 0:
            self.checkpoint()

    def handle(self, turn: AssistantTurn) -> None:
        empty = not turn.tool_calls and not turn.content.strip() and turn.finish_reason != "length"
        self.empty_replies_in_a_row = self.empty_replies_in_a_row + 1 if empty else 0
        if not turn.tool_calls:
            self.answered_without_tools(turn)
            return
        compress = False
        answered: set[str] = set()
        try:
            for group in _batches(turn.tool_calls, self.settings.parallel):
                for call, result in zip(group, self._run_calls(turn, group)):
                    answered.add(call.id)
                    self.record(call, result)
                    compress = compress or result.compress
        finally:  # a stop in the middle still leaves every tool call answered
            for call in turn.tool_calls:
                if call.id not in answered:
                    self.messages.append(tool_result(call.id, render("not_executed.md.j2", tool_name=call.name)))
        if compress:
            self.compress()

    def answered_without_tools(self, turn: AssistantTurn) -> None:
        """A reply with no tool call: cut off (go on), empty (one nudge), or the end of the book."""
        if turn.finish_reason == "length":
            self.messages.append(user(Kind.NUDGE, render(
                "continue_after_length.md.j2", max_tokens=self.settings.max_output_tokens)))
            return
        if self.empty_replies_in_a_row >= 2:
            raise FatalModelError("the model sent empty replies twice in a row (no text and no tool call); "
                                  "resume to try again, or try another model with --model.")
        if self.empty_replies_in_a_row:
            self.display.notice("The model sent an empty reply; asking it to go on.")
            self.messages.append(user(Kind.NUDGE, render("empty_reply.md.j2")))
            return
        if self.workspace.project is None:
            raise FatalModelError("the model answered in plain text and never used the tools, so the server or "
                                  "model may not support tool calls; see \"Other local servers\" in the README.")
        raise Finished()

    def _run_calls(self, turn: AssistantTurn, group: list[ToolCallRequest]) -> list[ToolResult]:
        """One call, or several parallel-safe calls (draft_chapter) at once (--parallel)."""
        if len(group) == 1:
            return [self._run_call(turn, group[0])]
        return run_all(group, lambda call: self._run_call(turn, call), self.settings.parallel)

    def _run_call(self, turn: AssistantTurn, call: ToolCallRequest) -> ToolResult:
        if turn.finish_reason == "length":
            text = render("truncated.md.j2", max_tokens=self.settings.max_output_tokens, tool_name=call.name)
            return ToolResult(text, f"{call.name} was cut off at the output limit; not run", ok=False)
        return execute(call, self.workspace)

    def record(self, call: ToolCallRequest, result: ToolResult) -> None:
        """Answer one tool call in the history, show it, and count format errors in a row."""
        text, summary = result.text, result.summary
        if not result.ok:  # a failure may quote a server (the writer model's): take its secrets out
            text, summary = self.connection.scrubber(text), self.connection.scrubber(summary)
        self.messages.append(tool_result(call.id, text))
        self.display.tool_result(summary, result.ok)
        if result.written and self.workspace.project is not None:
            self.landed(call, *result.written)
        self.format_errors_in_a_row = self.format_errors_in_a_row + 1 if result.format_error else 0
        if self.format_errors_in_a_row >= self.settings.max_format_errors:
            raise FatalModelError(
                f"the model sent {self.format_errors_in_a_row} malformed tool calls in a row; "
                "try again, or try another model with --model."
            )

    def landed(self, call: ToolCallRequest, name: str, words: int) -> None:
        """A write is on disk: remember it for edit detection; in compact mode, stub its text."""
        project = self.workspace.project
        self.state.written[name] = words
        self.state.file_hashes[name] = edits.remember(project, name)
        if self.settings.context == "compact" and TOOLS[call.name].stubs_content:
            arguments = json.loads(call.arguments)
            text = project.read(name)[1]
            if chapter_number(name) is not None:
                given = arguments.get("summary")
                self.state.chapter_summaries[name] = given.strip() if isinstance(given, str) and given.strip() \
                    else context.extractive_summary(text)
            index = next(i for i in reversed(range(len(self.messages))) if self.messages[i].kind == Kind.REPLY)
            self.messages[index] = context.stub_write(self.messages[index], call.id, name, words, text)
            self.history_version += 1

    # -- context budget

    def build_request(self) -> list[Message]:
        """The messages to send: the history itself (`full`) or a compact assembly."""
        if self.settings.context == "full":
            return HistoryRequest(self.messages, self.history_version)
        return context.compact_request(self.messages, self.workspace.project, self.state.chapter_summaries)

    def make_room(self) -> tuple[list[Message], int]:
        """The next request, compressed first if it reaches --compress-at, and its max_tokens,
        so that prompt plus max_tokens stays within --token-limit."""
        request = self.build_request()
        if self.meter.used(request) >= self.settings.compress_at:
            self.compress()
            request = self.build_request()
        used = self.meter.used(request)
        if self.settings.token_limit - used < MIN_OUTPUT_TOKENS:
            raise ContextFull(f"the context ({used:,} tokens) no longer fits in the --token-limit of "
                              f"{self.settings.token_limit:,}, even after compression")
        return request, min(self.settings.max_output_tokens, self.settings.token_limit - used)

    def compress(self) -> None:
        """Replace older history with a model-written summary, saved as a checkpoint file.
        Keeps the two latest turns whole if that fits under --compress-at, otherwise none."""
        for keep in (KEEP_RECENT_TURNS, 0):
            split = compression.split_point(self.messages, keep)
            if split is None:
                continue
            if not self._compress_before(split):
                return
            if self.meter.used(self.build_request()) < self.settings.compress_at:
                return
        if self.meter.used(self.build_request()) >= self.settings.compress_at:
            self.display.notice("Nothing more can be compressed.")

    def _compress_before(self, split: int) -> bool:
        self.display.notice(f"Compressing {split} older messages into a summary…")
        budget = self.settings.token_limit // 2
        summary_tokens = min(self.settings.max_output_tokens, max(MIN_OUTPUT_TOKENS, self.settings.token_limit // 4))
        try:
            summary = compression.summarize(
                lambda request: self.caller.call(request, None, self.display, summary_tokens),
                self.messages[:split], budget)
        except (FatalModelError, ValueError) as error:
            self.display.notice(f"Compression failed ({error}); keeping the full history.")
            return False
        finally:
            self.display.end_turn()
        self.state.messages = compression.compressed_history(self.messages, split, summary)
        self.history_version += 1
        if self.workspace.project is not None:
            path = compression.write_summary_file(self.workspace.project.root, summary)
            self.display.notice(f"Context summary saved: {path}\nResume at any time with: "
                                f"{resume_command(self.workspace.project.root)}")
        return True

    # -- model calls

    def query_with_overflow_retry(self, request: list[dict], max_tokens: int) -> AssistantTurn:
        """A 400 'exceeded model token limit' triggers one compression and one retry."""
        try:
            return self.caller.call(request, self.tools, self.display, max_tokens)
        except ContextOverflow:
            self.display.notice("The server says the request is over the model's token limit; compressing.")
            self.compress()
            request, max_tokens = self.make_room()
            try:
                return self.caller.call(request, self.tools, self.display, max_tokens)
            except ContextOverflow as again:
                raise ContextFull("the server still reports the context over its limit after compression") from again

    # -- saving

    def save(self) -> None:
        """Save the state; if that fails (a full disk, a read-only folder), stop the run: the
        last good session.json stays as it was."""
        project = self.workspace.project
        if project is None:
            return
        self.state.project_dir = str(project.root)
        self.state.base_url = self.connection.scrubber(self.state.base_url)
        try:
            self.state.save(project.root)
        except OSError as error:
            raise SaveFailed(f"{error.strerror or error} while saving {project.state_dir / STATE_FILE}") from error

    def checkpoint(self) -> None:
        """A human-readable context summary (no model call), and the command that resumes."""
        project = self.workspace.project
        if project is None:
            self.display.notice("No project was created yet, so there is nothing to resume.")
            return
        text = compression.local_summary(self.state, project)
        try:
            saved = f"Checkpoint saved: {compression.write_summary_file(project.root, text)}"
        except OSError as error:
            saved = f"No checkpoint summary could be written ({error.strerror or error})."
        self.display.notice(f"{saved}\nResume with: {resume_command(project.root)}")

    def _summary(self, outcome: str | None) -> RunSummary:
        """This run's figures, and the book's totals when earlier runs count too."""
        usage, price, project = self.state.usage, self.settings.price(), self.workspace.project
        spent = self._spent_this_run()
        this_run = RunFigures(self.iterations_this_run, spent.prompt_tokens, spent.completion_tokens,
                              spent.cost(price), spent.estimated_requests > 0)
        book = None
        if len(self.state.runs) > 1:
            book = RunFigures(sum(run.iterations for run in self.state.runs), usage.prompt_tokens,
                              usage.completion_tokens, usage.cost(price), usage.estimated_requests > 0,
                              runs=len(self.state.runs))
        return RunSummary(outcome, str(project.root) if project else None, sorted(self.state.written.items()),
                          this_run, book)


def _batches(calls: list[ToolCallRequest], parallel: int) -> list[list[ToolCallRequest]]:
    """Calls in order; with --parallel above 1, consecutive parallel-safe calls (draft_chapter) form one batch."""
    batches: list[list[ToolCallRequest]] = []
    for call in calls:
        joins = parallel > 1 and is_parallel_safe(call.name) and batches and is_parallel_safe(batches[-1][-1].name)
        if joins:
            batches[-1].append(call)
        else:
            batches.append([call])
    return batches


def _listing(numbers: list[int]) -> str:
    """chapter 1; chapters 1 and 3; chapters 1, 2 and 3."""
    if len(numbers) == 1:
        return f"chapter {numbers[0]}"
    return "chapters " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _is_history(request: list[Message], version: int) -> bool:
    """Whether `request` is the whole history as it stands (so the server's usage measures it)."""
    return isinstance(request, HistoryRequest) and request.version == version


def _history_message(turn: AssistantTurn) -> Message:
    """The assistant message for the history; arguments that are not a JSON object become `{}`,
    so that no server rejects the history later (the tool result explains what was wrong)."""
    message = turn.to_message()
    for call in message.tool_calls:
        try:
            valid = isinstance(json.loads(call.arguments or "{}"), dict)
        except json.JSONDecodeError:
            valid = False
        if not valid or turn.finish_reason == "length":
            call.arguments = "{}"
    return message
