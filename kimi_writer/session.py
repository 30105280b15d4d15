"""The saved state of a run: versioned JSON, written atomically after every iteration."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .project import STATE_DIR, atomic_write_text
from .settings import Price

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
    """The shape of one chat message in a saved history (checked on load; kept as a dict)."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[_ToolCall] | None = None
    tool_call_id: str | None = None

    @model_validator(mode="after")
    def _tool_results_name_their_call(self) -> "_Message":
        if self.role == "tool" and self.tool_call_id is None:
            raise ValueError("a tool result without a tool_call_id")
        return self


class SessionState(BaseModel):
    """Everything needed to continue a run exactly where it stopped. Never holds the API key."""

    version: Literal[1] = 1
    prompt: str
    messages: list[dict[str, Any]]
    iteration: int = 0
    project_dir: str | None = None
    usage: UsageTotals = Field(default_factory=UsageTotals)
    written: dict[str, int] = Field(default_factory=dict)  # files written, words now in each
    file_hashes: dict[str, str] = Field(default_factory=dict)  # sha256 of each file as the agent left it
    chapter_summaries: dict[str, str] = Field(default_factory=dict)  # chapter file -> short summary
    model: str
    base_url: str
    outcome: str | None = None
    plan_only: bool = False  # the latest run was a --plan-only run
    runs: list[RunRecord] = Field(default_factory=list)
    updated_at: str = ""

    @field_validator("messages")
    @classmethod
    def _well_formed(cls, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for index, message in enumerate(messages):
            try:
                _Message.model_validate(message)
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(map(str, first["loc"])) or "the message"
                raise ValueError(f"message {index}, {where}: {first['msg']}") from None
        return messages

    def save(self, project_root: Path) -> Path:
        self.updated_at = datetime.now().isoformat(timespec="seconds")
        path = project_root / STATE_DIR / STATE_FILE
        atomic_write_text(path, self.model_dump_json(indent=1))
        return path
