"""What each request carries: build it, measure it, make room (compress), and stub landed writes.

The window never calls a model itself: it is handed `summarize`, a model caller bound to no
tools, and asks it for a summary when the history must shrink.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol

from . import book_context, compression
from .arcs import Memory
from ..book import edits
from ..model.client import AssistantTurn, ToolCallRequest
from ..core.errors import ContextFull, FatalModelError
from ..book.language import book_language
from ..core.language import suffix
from ..book.locate import resume_command
from ..core.messages import HistoryRequest, Kind, Message
from ..book.outline import chapter_number
from ..book.session import SessionState
from ..settings import Settings
from ..core.tokens import ContextMeter
from .tools import TOOLS, ToolResult, Workspace
from ..core.text import parse_json

KEEP_RECENT_TURNS = 2
MIN_OUTPUT_TOKENS = 256  # below this much room for the reply, a request is not worth sending

Summarize = Callable[[list[Message], int], AssistantTurn]  # (request, max_tokens) -> the summary's turn


class Notices(Protocol):
    """Where the window tells the user what it does (the display)."""

    def notice(self, text: str) -> None: ...
    def end_turn(self) -> None: ...


class Window:
    """The history of `state` as the model sees it, kept within --compress-at and --token-limit."""

    def __init__(self, settings: Settings, state: SessionState, workspace: Workspace, notices: Notices,
                 tools: list[dict], summarize: Summarize):
        self.settings, self.state, self.workspace = settings, state, workspace
        self.notices, self.summarize = notices, summarize
        self.meter = ContextMeter(tools)
        self.version = 0  # goes up whenever a message already in the history is rewritten
        self.memory = Memory(self._summary_text, notices.notice)  # older chapters folded into arc summaries

    def build(self) -> list[Message]:
        """The messages to send: the history itself (`full`) or a compact assembly."""
        if self.settings.context == "full":
            return HistoryRequest(self.state.messages, self.version)
        return book_context.compact_request(self.state.messages, self.workspace.project, self.state.chapter_summaries,
                                            self.memory)

    def _summary_text(self, request: list[Message]) -> str:
        """A plain request's reply (an arc summary), shown as it streams."""
        try:
            return self.summarize(request, self._summary_tokens()).content
        finally:
            self.notices.end_turn()

    def make_room(self) -> tuple[list[Message], int]:
        """The next request, compressed first if it reaches --compress-at, and its max_tokens,
        so that prompt plus max_tokens stays within --token-limit."""
        request = self.build()
        if self.meter.used(request) >= self.settings.compress_at:
            self.compress()
            request = self.build()
        used = self.meter.used(request)
        if self.settings.token_limit - used < MIN_OUTPUT_TOKENS:
            raise ContextFull(f"the context ({used:,} tokens) no longer fits in the --token-limit of "
                              f"{self.settings.token_limit:,}, even after compression")
        return request, min(self.settings.max_output_tokens, self.settings.token_limit - used)

    def after_overflow(self) -> tuple[list[Message], int]:
        """The server found the request over the model's limit: compress, and the request to retry."""
        self.notices.notice("The server says the request is over the model's token limit; compressing.")
        self.compress()
        return self.make_room()

    def add_reply(self, request: list[Message], turn: AssistantTurn) -> None:
        """Append the model's turn; when `request` was the whole history, the server's usage measures it."""
        self.state.messages.append(history_message(turn))
        if turn.usage and turn.usage.prompt_tokens and _is_history(request, self.version):
            self.meter.record(turn.usage.prompt_tokens, turn.usage.completion_tokens, self.version,
                              len(self.state.messages))

    def compress(self) -> None:
        """Replace older history with a model-written summary, saved as a checkpoint file.
        Keeps the two latest turns whole if that fits under --compress-at, otherwise none."""
        for keep in (KEEP_RECENT_TURNS, 0):
            split = compression.split_point(self.state.messages, keep)
            if split is None:
                continue
            if not self._compress_before(split):
                return
            if self.meter.used(self.build()) < self.settings.compress_at:
                return
        if self.meter.used(self.build()) >= self.settings.compress_at:
            self.notices.notice("Nothing more can be compressed.")

    def _compress_before(self, split: int) -> bool:
        self.notices.notice(f"Compressing {split} older messages into a summary…")
        try:
            project = self.workspace.project
            summary = compression.summarize(lambda request: self.summarize(request, self._summary_tokens()),
                                            self.state.messages[:split], self.settings.token_limit // 2,
                                            book_language(project) if project is not None else "en")
        except (FatalModelError, ValueError) as error:
            self.notices.notice(f"Compression failed ({error}); keeping the full history.")
            return False
        finally:
            self.notices.end_turn()
        self.state.messages = compression.compressed_history(self.state.messages, split, summary)
        self.version += 1
        if self.workspace.project is not None:
            path = compression.write_summary_file(self.workspace.project.root, summary)
            self.notices.notice(f"Context summary saved: {path}\nResume at any time with: "
                                f"{resume_command(self.workspace.project.root)}")
        return True

    def _summary_tokens(self) -> int:
        return min(self.settings.max_output_tokens, max(MIN_OUTPUT_TOKENS, self.settings.token_limit // 4))

    def landed(self, call: ToolCallRequest, result: ToolResult) -> ToolResult:
        """A write is on disk: remember it for edit detection; in compact mode, stub its text; then
        the tool's own `on_landed` may add to the result (None: the result as it is)."""
        name, words = result.written
        tool = TOOLS[call.name]
        self.state.written[name] = words
        self.state.file_hashes[name] = edits.remember(self.workspace.project, name)
        if self.settings.context == "compact" and tool.stubs_content:
            self._stub(call, name, words)
        return tool.on_landed(self.workspace, result) if tool.on_landed else result

    def _stub(self, call: ToolCallRequest, name: str, words: int) -> None:
        """Keep the chapter's summary, and replace the write's content in the history by a stub."""
        messages, text = self.state.messages, self.workspace.project.read(name)[1]
        if chapter_number(name) is not None:
            given = parse_json(call.arguments).get("summary")
            self.state.chapter_summaries[name] = given.strip() if isinstance(given, str) and given.strip() \
                else book_context.extractive_summary(text)
        index = next(i for i in reversed(range(len(messages))) if messages[i].kind == Kind.REPLY)
        messages[index] = book_context.stub_write(messages[index], call.id, name, words, text,
                                                  suffix(book_language(self.workspace.project)))
        self.version += 1


def _is_history(request: list[Message], version: int) -> bool:
    """Whether `request` is the whole history as it stands (so the server's usage measures it)."""
    return isinstance(request, HistoryRequest) and request.version == version


def history_message(turn: AssistantTurn) -> Message:
    """The assistant message for the history; arguments that are not a JSON object become `{}`,
    so that no server rejects the history later (the tool result explains what was wrong)."""
    message = turn.to_message()
    for call in message.tool_calls:
        try:
            valid = isinstance(parse_json(call.arguments or "{}"), dict)
        except json.JSONDecodeError:
            valid = False
        if not valid or turn.finish_reason == "length":
            call.arguments = "{}"
    return message
