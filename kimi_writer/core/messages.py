"""The conversation, typed: every message knows its role and its kind.

A message's kind is set where the message is made (a summary, a resume note, the book context...)
and never read back from its text. `to_wire` turns messages into the chat-completions JSON: it is
the one place where message dicts are built for a server.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]
REASONING_NAMES = ("reasoning_content", "reasoning")  # the names reasoning text is sent back under


class Kind(str, Enum):
    SYSTEM = "system"  # the rules: a system prompt
    TASK = "task"  # the author's request, or what a one-off request asks (a chapter, a summary)
    RESUME_NOTE = "resume_note"  # where a resumed book stands: files, outline, the author's edits and note
    SUMMARY = "summary"  # older turns, compressed by the model
    BOOK_CONTEXT = "book_context"  # the book as it stands on disk, rebuilt for each compact request
    NUDGE = "nudge"  # go on: after a reply cut at the output limit, an empty reply, a turn cut short
    REPLY = "reply"  # the model's turn
    TOOL_RESULT = "tool_result"  # the answer to one tool call


KIND_OF_ROLE: dict[str, Kind] = {"system": Kind.SYSTEM, "user": Kind.NUDGE, "assistant": Kind.REPLY,
                                 "tool": Kind.TOOL_RESULT}


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it (or `{}` when that was no JSON object)


class Message(BaseModel):
    role: Role
    kind: Kind
    content: str | None = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None  # a tool result: the call it answers
    reasoning: str | None = None  # the reasoning text sent back (Kimi needs it with tool calls)
    reasoning_field: str = "reasoning_content"  # the name the reasoning came in, and goes back under
    reasoning_details: list[dict[str, Any]] = Field(default_factory=list)  # OpenRouter's structured reasoning

    def wire(self) -> dict[str, Any]:
        """The message as a chat-completions request carries it."""
        message: dict[str, Any] = {"role": self.role}
        if self.role == "tool":
            message["tool_call_id"] = self.tool_call_id
        message["content"] = self.content
        if self.reasoning is not None:
            message[self.reasoning_field] = self.reasoning
        if self.reasoning_details:
            message["reasoning_details"] = self.reasoning_details
        if self.tool_calls:
            message["tool_calls"] = [{"id": c.id, "type": "function",
                                      "function": {"name": c.name, "arguments": c.arguments}}
                                     for c in self.tool_calls]
        return message


def to_wire(messages: list[Message] | list[dict]) -> list[dict[str, Any]]:
    """The messages of a request as JSON objects; one already in that form (a test's) passes as it is."""
    return [m.wire() if isinstance(m, Message) else m for m in messages]


def from_wire(raw: dict[str, Any], kind: Kind | str | None = None) -> Message:
    """A message from its JSON form (a saved session, a request read back); without a kind, the
    usual kind of its role."""
    field = next((name for name in REASONING_NAMES if name in raw), REASONING_NAMES[0])
    calls = [ToolCall(id=c["id"], name=c["function"]["name"], arguments=c["function"]["arguments"])
             for c in raw.get("tool_calls") or []]
    return Message(role=raw["role"], kind=kind or KIND_OF_ROLE[raw["role"]], content=raw.get("content"),
                   tool_calls=calls, tool_call_id=raw.get("tool_call_id"), reasoning=raw.get(field),
                   reasoning_field=field, reasoning_details=raw.get("reasoning_details") or [])


def system(text: str) -> Message:
    return Message(role="system", kind=Kind.SYSTEM, content=text)


def user(kind: Kind, text: str) -> Message:
    return Message(role="user", kind=kind, content=text)


def tool_result(call_id: str, text: str) -> Message:
    return Message(role="tool", kind=Kind.TOOL_RESULT, tool_call_id=call_id, content=text)


class HistoryRequest(list):
    """A request that is the whole history as it stands at `version` (the `full` context): the
    meter may count on the server's figure for it. Requests assembled otherwise are plain lists."""

    def __init__(self, messages: list[Message], version: int):
        super().__init__(messages)
        self.version = version
