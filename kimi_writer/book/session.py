"""The saved state of a run: versioned JSON, written atomically after every iteration."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, ValidationError, computed_field, field_serializer,
                      field_validator, model_validator)

from ..core.messages import KIND_OF_ROLE, Kind, Message, from_wire, to_wire
from .project import STATE_DIR, atomic_write_text
from ..core.prompts import MARKERS
from ..settings import Price

STATE_FILE = "session.json"


class UsageTotals(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    requests: int = 0
    estimated_requests: int = 0  # requests whose usage the server did not report (counted offline)

    def cost(self, price: "Price | None") -> float | None:
        """Estimated dollars so far; None when the model's price is unknown."""
        if price is None:
            return None
        uncached = self.prompt_tokens - self.cached_tokens
        return (uncached * price.input + self.cached_tokens * price.cached_input
                + self.completion_tokens * price.output) / 1_000_000

    def add(self, prompt: int, completion: int, cached: int, estimated: bool = False) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.cached_tokens += cached
        self.requests += 1
        self.estimated_requests += int(estimated)


class RunRecord(BaseModel):
    """One run of `kimi-writer write` on this book, for `status`."""

    iterations: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    outcome: str
    ended_at: str
    plan_only: bool = False
    estimated: bool = False  # some of the tokens were counted offline: the server reported no usage


class _Function(BaseModel):
    name: str
    arguments: str


class _ToolCall(BaseModel):
    id: str
    function: _Function


class _Message(BaseModel):
    """The shape of one chat message in a saved history (checked on load, before it becomes a Message)."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[_ToolCall] | None = None
    tool_call_id: str | None = None
    kind: Kind  # saved next to the message in format 2, guessed for format 1

    @model_validator(mode="after")
    def _tool_results_name_their_call(self) -> "_Message":
        if self.role == "tool" and self.tool_call_id is None:
            raise ValueError("a tool result without a tool_call_id")
        return self


class SessionState(BaseModel):
    """Everything needed to continue a run exactly where it stopped. Never holds the API key.
    Saved as format 2: the messages as a server receives them, and their kinds alongside."""

    version: Literal[2] = 2
    prompt: str
    messages: list[Message]
    iteration: int = 0
    project_dir: str | None = None
    usage: UsageTotals = Field(default_factory=UsageTotals)
    written: dict[str, int] = Field(default_factory=dict)  # files written, words now in each
    file_hashes: dict[str, str] = Field(default_factory=dict)  # sha256 of each file as the agent left it
    replacing: dict[str, str] = Field(default_factory=dict)  # file -> its hash before a revision replaces it
    chapter_summaries: dict[str, str] = Field(default_factory=dict)  # chapter file -> short summary
    model: str
    base_url: str
    outcome: str | None = None
    plan_only: bool = False  # the latest run was a --plan-only run
    runs: list[RunRecord] = Field(default_factory=list)
    updated_at: str = ""

    @model_validator(mode="before")
    @classmethod
    def _migrated(cls, data: Any) -> Any:
        """Format 1 (no kinds saved) becomes format 2; each saved message is given its kind."""
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            return data
        messages, version = data["messages"], data.get("version", 1)
        if version not in (1, 2):
            return data  # refused: a version this release does not know
        kinds = data.get("kinds") if version == 2 else guessed_kinds(messages)
        if not isinstance(kinds, list) or len(kinds) != len(messages):
            raise ValueError("the saved kinds do not match the saved messages")
        messages = [{**m, "kind": kind} if isinstance(m, dict) else m for m, kind in zip(messages, kinds)]
        return {**data, "version": 2, "messages": messages}

    @field_validator("messages", mode="before")
    @classmethod
    def _well_formed(cls, messages: Any) -> Any:
        if not isinstance(messages, list):
            return messages
        return [_checked(index, message) if isinstance(message, dict) else message
                for index, message in enumerate(messages)]

    @field_serializer("messages")
    def _as_sent(self, messages: list[Message]) -> list[dict[str, Any]]:
        return to_wire(messages)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kinds(self) -> list[Kind]:
        return [message.kind for message in self.messages]

    def save(self, project_root: Path) -> Path:
        self.updated_at = datetime.now().isoformat(timespec="seconds")
        path = project_root / STATE_DIR / STATE_FILE
        atomic_write_text(path, self.model_dump_json(indent=1))
        return path


def _checked(index: int, raw: dict[str, Any]) -> Message:
    """A saved message in its JSON form, checked, as a Message; one sentence if it is malformed."""
    try:
        _Message.model_validate(raw)
        return from_wire(raw, raw["kind"])
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the message"
        raise ValueError(f"message {index}, {where}: {first['msg']}") from None


def guessed_kinds(messages: list[Any]) -> list[Kind | None]:
    """The kinds of a format-1 history, from the text that opened each kind of note then: the only
    place where a message's kind is read from its text."""
    kinds: list[Kind | None] = []
    seen_request = False
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role == "user":
            kinds.append(_guessed_user_kind(message.get("content"), first=not seen_request))
            seen_request = True
        else:
            kinds.append(KIND_OF_ROLE.get(role) if isinstance(role, str) else None)
    return kinds


def _guessed_user_kind(content: Any, first: bool) -> Kind:
    """The first user message is the request (or the resume note of a run started from a summary)."""
    text = content if isinstance(content, str) else ""
    if text.startswith(MARKERS.resumed):
        return Kind.RESUME_NOTE
    if first:
        return Kind.TASK
    if text.startswith(MARKERS.context_summary):
        return Kind.SUMMARY
    if text.startswith(MARKERS.book_context):
        return Kind.BOOK_CONTEXT
    return Kind.NUDGE
