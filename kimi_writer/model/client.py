"""The model client: one streamed chat completion, parsed once into an AssistantTurn.

Accepts the dialects of the servers we meet: reasoning as `reasoning_content` (Moonshot,
llama.cpp), `reasoning` (OpenRouter, vLLM, Ollama) or `reasoning_details` (OpenRouter);
tool calls piecewise by index or whole in one chunk (a name repeated in every chunk, as
llama-cpp-python sends it, is one name); usage in `chunk.usage` or in `choices[0].usage` (Moonshot).

A turn is bounded: it is streamed on a worker thread, and cut when its output passes the
request's max_tokens by a margin, when it runs past its own wall-clock limit (however the server
paces its chunks), or when it alone would take the run over its budget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai

from ..core.messages import REASONING_NAMES, Kind, Message, ToolCall, to_wire

REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details")
CHARS_PER_TOKEN = 4  # the estimate of output tokens while a turn streams
CUT_MARGIN = 0.10  # a turn is cut past max_tokens plus 10%...
CUT_MARGIN_TOKENS = 1_000  # ...plus 1,000 tokens
DEFAULT_TURN_TIMEOUT = 900.0


def estimated_tokens(chars: int) -> int:
    """About 4 characters per token, rounded up."""
    return -(-chars // CHARS_PER_TOKEN)


def output_cap(max_tokens: int) -> int:
    """Estimated output tokens past which a turn is cut: max_tokens plus 10% plus 1,000."""
    return int(max_tokens * (1 + CUT_MARGIN)) + CUT_MARGIN_TOKENS


class StreamCut(Exception):
    """The stream ended before a finish_reason: the turn is incomplete and must be discarded."""


class NotAStream(StreamCut):
    """A 200 whose body is no chat-completions stream (a web page, nothing, plain JSON):
    the address is wrong, so retrying cannot help."""


class TurnCut(StreamCut):
    """The client stopped a turn on purpose: too long ("length"), too slow ("time") or over
    the run's budget ("budget"). `output_tokens` estimates what it had produced."""

    def __init__(self, message: str, kind: str, output_tokens: int):
        super().__init__(message)
        self.kind = kind
        self.output_tokens = output_tokens


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

    def to_message(self) -> Message:
        """The assistant message to send back, with reasoning under the name it arrived in."""
        sent_back = self.reasoning_field in REASONING_NAMES
        return Message(role="assistant", kind=Kind.REPLY, content=self.content,
                       reasoning=self.reasoning if sent_back else None,
                       reasoning_field=self.reasoning_field if sent_back else REASONING_NAMES[0],
                       reasoning_details=self.reasoning_details,
                       tool_calls=[ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in self.tool_calls])


@dataclass
class _CallParts:
    """A tool call being streamed: its argument pieces are joined once, at the end."""

    id: str
    name: str = ""
    pieces: list[str] = field(default_factory=list)
    chars: int = 0


def _dicts(value: Any) -> list[dict]:
    """The objects of a JSON list (a stream from a stranger may hold anything)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _merged_name(so_far: str, piece: str) -> str:
    """A piece that repeats the whole name so far is the same name (llama-cpp-python sends the
    name in every chunk); any other piece continues it."""
    return so_far if piece == so_far else so_far + piece


class _TurnBuilder:
    """Accumulates stream chunks into an AssistantTurn, reporting progress to a listener.
    Text is collected in lists and joined once; `chars` counts all output as it arrives."""

    def __init__(self, listener: StreamListener):
        self.turn = AssistantTurn()
        self.listener = listener
        self.chunks = 0
        self.chars = 0  # reasoning + content + tool arguments so far
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._calls: list[_CallParts] = []
        self._slot_of_index: dict[int, int] = {}

    def add(self, chunk: Any) -> None:
        """One chunk, as the plain JSON object it arrived as."""
        self.chunks += 1
        if not isinstance(chunk, dict):
            return
        if chunk.get("usage") is not None:
            self.turn.usage = Usage.parse(chunk["usage"])
        for choice in _dicts(chunk.get("choices")):
            if choice.get("usage") is not None:
                self.turn.usage = Usage.parse(choice["usage"])
            if isinstance(choice.get("delta"), dict):
                self._add_delta(choice["delta"])
            if choice.get("finish_reason"):
                self.turn.finish_reason = choice["finish_reason"]

    def _add_delta(self, delta: dict) -> None:
        for name in REASONING_FIELDS:
            value = delta.get(name)
            if value:
                self._add_reasoning(name, value)
        content = delta.get("content")
        if content and isinstance(content, str):
            self._content.append(content)
            self.chars += len(content)
            self.listener.on_content(content)
        for piece in _dicts(delta.get("tool_calls")):
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
            self._reasoning.append(text)
            self.chars += len(text)
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

    def _add_tool_call_piece(self, piece: dict) -> None:
        slot = self._slot_for(piece)
        call = self._calls[slot]
        function = piece.get("function") if isinstance(piece.get("function"), dict) else {}
        name, arguments = function.get("name"), function.get("arguments")
        call.id = call.id or _text(piece.get("id"))
        if name and isinstance(name, str):
            call.name = _merged_name(call.name, name)
        if arguments and isinstance(arguments, str):
            call.pieces.append(arguments)
            call.chars += len(arguments)
            self.chars += len(arguments)
        self.listener.on_tool_call(slot, call.name, call.chars)

    def _slot_for(self, piece: dict) -> int:
        """The call a piece belongs to: by index; a new id at a known index starts a new call."""
        index, new_id = piece.get("index"), _text(piece.get("id"))
        index = index if index is not None else len(self._calls)
        slot = self._slot_of_index.get(index)
        if slot is None or (new_id and self._calls[slot].id and new_id != self._calls[slot].id):
            self._calls.append(_CallParts(new_id))
            slot = self._slot_of_index[index] = len(self._calls) - 1
        return slot

    def finish(self) -> AssistantTurn:
        self.turn.content = "".join(self._content)
        self.turn.reasoning = "".join(self._reasoning)
        self.turn.tool_calls = [ToolCallRequest(call.id or f"call_{number}", call.name, "".join(call.pieces))
                                for number, call in enumerate(self._calls)]
        return self.turn


@dataclass
class _Caps:
    """Output (in characters) past which a turn is cut, and the sentences that say why."""

    length_chars: int
    length_reason: str
    budget_chars: int | None = None


def _caps(max_tokens: int, budget_tokens: int | None) -> _Caps:
    cap = output_cap(max_tokens)
    reason = f"the reply ran past {cap:,} tokens, over max_tokens {max_tokens:,} plus the margin"
    budget = None if budget_tokens is None else max(0, budget_tokens) * CHARS_PER_TOKEN
    return _Caps(cap * CHARS_PER_TOKEN, reason, budget)


def _what_came(response: Any) -> str | None:
    """What a 200 with no chunks at all held instead of a stream; None if it looks like a
    stream that was cut off (an event stream whose connection closed before any byte)."""
    headers = response.headers
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    deliberate = headers.get("content-length") == "0" or "chunked" in headers.get("transfer-encoding", "")
    if response.num_bytes_downloaded == 0 and (deliberate or "event-stream" not in kind):
        return "an empty body"
    if "event-stream" in kind:
        return None
    return kind or "a body of no declared type"


class _TurnRun:
    """One request streamed on a daemon thread, so that the caller stops waiting at the turn's
    deadline whatever the gaps between chunks. After a stop, the thread touches nothing more."""

    def __init__(self, builder: _TurnBuilder, caps: _Caps, base_url: str):
        self.builder, self.caps, self.base_url = builder, caps, base_url
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.stopped = False
        self.turn: AssistantTurn | None = None
        self.error: BaseException | None = None

    def work(self, open_stream: Callable[[], Any]) -> None:
        try:
            self.turn = self._consume(open_stream())
        except BaseException as error:  # noqa: BLE001 -- handed over and raised in the caller's thread
            self.error = error
        finally:
            self.done.set()

    def _consume(self, stream: Any) -> AssistantTurn | None:
        try:
            for chunk in stream:
                with self.lock:
                    if self.stopped:
                        return None
                    self.builder.add(chunk)
                    self._check_caps()
        except (openai.APIConnectionError, openai.APITimeoutError) as error:
            raise StreamCut(f"the connection dropped mid-stream ({type(error).__name__})") from error
        except ValueError as error:  # a data line that is not JSON
            raise self._not_a_stream("text that is not JSON") from error
        finally:
            stream.close()
        return self._finished(stream.response)

    def _check_caps(self) -> None:
        chars, caps = self.builder.chars, self.caps
        if caps.budget_chars is not None and chars > caps.budget_chars:
            raise TurnCut("the reply in progress would take the run over its budget", "budget",
                          estimated_tokens(chars))
        if chars > caps.length_chars:
            raise TurnCut(caps.length_reason, "length", estimated_tokens(chars))

    def _not_a_stream(self, what: str) -> StreamCut:
        if self.builder.chunks:
            return StreamCut("the stream carried a line that is not JSON")
        return NotAStream(f"the server at {self.base_url} answered with {what}, "
                          "not a chat-completions stream; check --base-url")

    def _finished(self, response: Any) -> AssistantTurn:
        if self.builder.chunks == 0:
            what = _what_came(response)
            if what is not None:
                raise self._not_a_stream(what)
        turn = self.builder.finish()
        if turn.finish_reason is None:
            raise StreamCut("the stream ended without a finish_reason")
        return turn

    def wait(self, seconds: float) -> AssistantTurn:
        """The turn, or the error the worker met; TurnCut when `seconds` pass first."""
        finished = False
        try:
            self.done.wait(seconds)
        finally:
            with self.lock:  # from here on the worker touches nothing
                self.stopped, finished = True, self.done.is_set()
        if not finished:
            raise TurnCut(f"the reply ran past KIMI_WRITER_TURN_TIMEOUT ({seconds:g} s)", "time",
                          estimated_tokens(self.builder.chars))
        if self.error is not None:
            raise self.error
        assert self.turn is not None
        return self.turn


class ModelClient:
    """Streams chat completions from any OpenAI-compatible server."""

    def __init__(self, *, api_key: str, base_url: str, model: str, temperature: float,
                 max_tokens: int, timeout: float, turn_timeout: float = DEFAULT_TURN_TIMEOUT):
        self.model = model
        self.base_url = base_url
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.turn_timeout = turn_timeout
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)  # the agent retries, visibly

    def complete(self, messages: list[Message], tools: list[dict] | None, listener: StreamListener,
                 *, max_tokens: int | None = None, budget_tokens: int | None = None,
                 tool_choice: str | dict | None = None) -> AssistantTurn:
        """One streamed completion. Raises StreamCut when the stream ends without a finish_reason,
        NotAStream when the reply is no stream at all, and TurnCut when the output passes
        max_tokens by the margin or `budget_tokens`, or the turn outlasts the turn timeout.
        `tool_choice` (with tools) is sent as given: "auto", or a function the reply must call."""
        limit = max_tokens or self.max_tokens
        request = self._request(messages, tools, limit, tool_choice)
        run = _TurnRun(_TurnBuilder(listener), _caps(limit, budget_tokens), self.base_url)
        worker = threading.Thread(target=run.work, name="model-stream", daemon=True,
                                  args=(lambda: self._open_stream(request),))
        worker.start()
        return run.wait(self.turn_timeout)

    def _open_stream(self, request: dict[str, Any]) -> openai.Stream[object]:
        """POST the request through the SDK (its errors, retries off, timeouts) and stream the
        chunks as plain JSON objects: building the SDK's typed chunk objects cost ~0.1 ms per
        chunk, most of the time spent on a long reply (bench/stream_arguments.py). The body is
        sent as it is, without the SDK's type-directed transform of `messages` (~15 ms per call
        at 100k tokens of history)."""
        return self._client.post("/chat/completions", body=request, cast_to=object, stream=True,
                                 stream_cls=openai.Stream[object])

    def _request(self, messages: list[Message], tools: list[dict] | None, max_tokens: int,
                 tool_choice: str | dict | None = None) -> dict[str, Any]:
        request: dict[str, Any] = dict(
            model=self.model,
            messages=to_wire(messages),
            temperature=self.temperature,
            max_tokens=max_tokens,
            stream=True,
            stream_options={"include_usage": True},
        )
        if tools:
            request["tools"] = tools
            if tool_choice is not None:
                request["tool_choice"] = tool_choice
        return request

    def list_models(self) -> list[str]:
        return [m.id for m in self._client.models.list()]
