"""The model client: one streamed chat completion, parsed once into an AssistantTurn.

Accepts the dialects of the servers we meet: reasoning as `reasoning_content` (Moonshot,
llama.cpp), `reasoning` (OpenRouter, vLLM, Ollama) or `reasoning_details` (OpenRouter);
tool calls piecewise by index or whole in one chunk; usage in `chunk.usage` or in
`choices[0].usage` (Moonshot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import openai

REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details")


class StreamCut(Exception):
    """The stream ended before a finish_reason: the turn is incomplete and must be discarded."""


class StreamListener(Protocol):
    def on_reasoning(self, text: str) -> None: ...
    def on_content(self, text: str) -> None: ...
    def on_tool_call(self, index: int, name: str, chars: int) -> None: ...


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @classmethod
    def parse(cls, raw: Any) -> "Usage | None":
        """From an SDK usage object or Moonshot's plain dict; None when absent."""
        if raw is None:
            return None
        data = raw.model_dump() if hasattr(raw, "model_dump") else dict(raw)
        details = data.get("prompt_tokens_details") or {}
        cached = details.get("cached_tokens") or data.get("cached_tokens") or 0
        return cls(int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0), int(cached))


@dataclass
class ToolCallRequest:
    id: str
    name: str
    arguments: str


@dataclass
class AssistantTurn:
    """One parsed model reply."""

    content: str = ""
    reasoning: str = ""
    reasoning_field: str | None = None
    reasoning_details: list[dict] = field(default_factory=list)
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None

    def to_message(self) -> dict:
        """The assistant message to send back, with reasoning under the name it arrived in."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.reasoning_field in ("reasoning_content", "reasoning"):
            message[self.reasoning_field] = self.reasoning
        if self.reasoning_details:
            message["reasoning_details"] = self.reasoning_details
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


class _TurnBuilder:
    """Accumulates stream chunks into an AssistantTurn, reporting progress to a listener."""

    def __init__(self, listener: StreamListener):
        self.turn = AssistantTurn()
        self.listener = listener
        self._calls: list[ToolCallRequest] = []
        self._slot_of_index: dict[int, int] = {}

    def add(self, chunk: Any) -> None:
        if getattr(chunk, "usage", None) is not None:
            self.turn.usage = Usage.parse(chunk.usage)
        for choice in chunk.choices or []:
            extra = choice.model_extra or {}
            if extra.get("usage") is not None:
                self.turn.usage = Usage.parse(extra["usage"])
            if choice.delta is not None:
                self._add_delta(choice.delta)
            if choice.finish_reason:
                self.turn.finish_reason = choice.finish_reason

    def _add_delta(self, delta: Any) -> None:
        extra = delta.model_extra or {}
        for name in REASONING_FIELDS:
            value = extra.get(name)
            if value:
                self._add_reasoning(name, value)
        if delta.content:
            self.turn.content += delta.content
            self.listener.on_content(delta.content)
        for piece in delta.tool_calls or []:
            self._add_tool_call_piece(piece)

    def _add_reasoning(self, name: str, value: Any) -> None:
        """Reasoning text comes from the first field seen; reasoning_details are always kept."""
        self.turn.reasoning_field = self.turn.reasoning_field or name
        if name == "reasoning_details":
            items = value if isinstance(value, list) else [value]
            self._merge_details(items)
            text = "".join(str(i.get("text") or i.get("summary") or "") for i in items if isinstance(i, dict))
        else:
            text = str(value)
        if name == self.turn.reasoning_field:
            self.turn.reasoning += text
            self.listener.on_reasoning(text)

    def _merge_details(self, items: list) -> None:
        details = self.turn.reasoning_details
        for item in items:
            if not isinstance(item, dict):
                continue
            last = details[-1] if details else None
            if last and last.get("type") == item.get("type") == "reasoning.text" and "text" in item:
                last["text"] = last.get("text", "") + item["text"]
            else:
                details.append(dict(item))

    def _add_tool_call_piece(self, piece: Any) -> None:
        index = piece.index if piece.index is not None else len(self._calls)
        function = piece.function
        slot = self._slot_of_index.get(index)
        starts_new = slot is None or (piece.id and self._calls[slot].id and piece.id != self._calls[slot].id)
        if starts_new:
            self._calls.append(ToolCallRequest(piece.id or "", "", ""))
            slot = self._slot_of_index[index] = len(self._calls) - 1
        call = self._calls[slot]
        call.id = call.id or piece.id or ""
        if function is not None:
            call.name += function.name or ""
            call.arguments += function.arguments or ""
        self.listener.on_tool_call(slot, call.name, len(call.arguments))

    def finish(self) -> AssistantTurn:
        for number, call in enumerate(self._calls):
            call.id = call.id or f"call_{number}"
        self.turn.tool_calls = self._calls
        return self.turn


class ModelClient:
    """Streams chat completions from any OpenAI-compatible server."""

    def __init__(self, *, api_key: str, base_url: str, model: str, temperature: float,
                 max_tokens: int, timeout: float):
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)  # the agent retries, visibly

    def complete(self, messages: list[dict], tools: list[dict] | None, listener: StreamListener,
                 *, max_tokens: int | None = None) -> AssistantTurn:
        """One streamed completion; raises StreamCut when the stream ends without a finish_reason."""
        request: dict[str, Any] = dict(
            model=self.model,
            # The history goes in extra_body, which the SDK sends as it is: its type-directed
            # transform of `messages` cost ~15 ms per call at 100k tokens of history (bench/).
            messages=[],
            extra_body={"messages": messages},
            temperature=self.temperature,
            max_tokens=max_tokens or self.max_tokens,
            stream=True,
            stream_options={"include_usage": True},
        )
        if tools:
            request["tools"] = tools
        builder = _TurnBuilder(listener)
        stream = self._client.chat.completions.create(**request)
        try:
            for chunk in stream:
                builder.add(chunk)
        except (openai.APIConnectionError, openai.APITimeoutError) as error:
            raise StreamCut(f"the connection dropped mid-stream ({type(error).__name__})") from error
        finally:
            stream.close()
        turn = builder.finish()
        if turn.finish_reason is None:
            raise StreamCut("the stream ended without a finish_reason")
        return turn

    def list_models(self) -> list[str]:
        return [m.id for m in self._client.models.list()]
