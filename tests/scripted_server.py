"""A scripted OpenAI-compatible chat-completions server for end-to-end tests.

The server speaks real HTTP on 127.0.0.1 (a ``ThreadingHTTPServer`` in a
background thread) so the real CLI can run as a subprocess against it.
Each ``POST /v1/chat/completions`` consumes the next scripted :class:`Turn`
and answers it as a stream of SSE chunks (``"stream": true``) or as one
``chat.completion`` JSON body.  Turns can also inject faults: HTTP errors,
cut streams, a missing ``[DONE]``, slow streams and hangs.

In strict mode (the default) every request is first checked the way
Moonshot's API checks it (see :func:`protocol_violations`); a bad request is
answered with HTTP 400, recorded in ``violations`` and consumes no turn.

Example::

    with ScriptedServer([Turn(reasoning="plan", tool_calls=[tool_call("f", x=1)]),
                         Turn(content="done")]) as server:
        run_cli("--base-url", server.base_url)
        server.assert_complete()

Standard library only.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Iterator, Sequence

__all__ = ["ScriptedServer", "Turn", "ToolCall", "tool_call", "protocol_violations"]

PIECE = 20  # characters per streamed piece of reasoning, content or arguments
REASONING_KEYS = ("reasoning_content", "reasoning", "reasoning_details")
DISCONNECT_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_authentication_error",
    404: "not_found_error",
    429: "rate_limit_reached_error",
}


@dataclass
class ToolCall:
    """One tool call the scripted assistant makes.

    ``arguments`` is sent verbatim, so it may be invalid JSON on purpose.
    ``id`` defaults to ``call_<n>``, assigned when the turn is added to a server.
    """

    name: str
    arguments: str
    id: str | None = None


def tool_call(name: str, **arguments: Any) -> ToolCall:
    """Build a :class:`ToolCall` whose arguments are the JSON of ``arguments``."""
    return ToolCall(name, json.dumps(arguments, ensure_ascii=False))


@dataclass
class Turn:
    """One scripted answer to one chat-completions request.

    Output: ``content``, ``reasoning`` (sent under ``reasoning_field``:
    ``"reasoning_content"``, ``"reasoning"`` or ``"reasoning_details"``) and
    ``tool_calls``.  ``finish_reason="auto"`` means ``"tool_calls"`` if there
    are tool calls else ``"stop"``; ``None`` sends ``finish_reason: null``.
    ``tool_call_style`` is ``"piecewise"`` (id+name first, then argument
    pieces) or ``"whole"`` (one chunk per call, Ollama style).

    Usage: ``usage=(prompt, completion)`` or ``None`` to estimate it;
    ``usage_in`` is ``"chunk"`` (OpenAI: trailing chunk with empty choices,
    only if the request set ``stream_options.include_usage``), ``"choice"``
    (Moonshot: ``choices[0].usage`` of the finish chunk) or ``"none"``.

    Faults: ``status``/``error_body`` answer with an HTTP error instead;
    ``headers`` are added to the response; ``cut_after=N`` sends only the
    first N SSE events then closes; ``omit_done`` drops ``data: [DONE]``;
    ``delay`` sleeps between SSE events; ``hang`` sleeps before answering;
    ``endless`` streams the reasoning over and over and never finishes (a
    model that thinks without end; stop it with ``delay`` or by hanging up).

    Other servers: ``repeat_call_head`` repeats ``id``, ``type`` and
    ``function.name`` in every chunk of a piecewise tool call
    (llama-cpp-python's server); ``raw_body`` answers 200 with that text as
    it is, under ``raw_content_type`` (no Content-Type header if ``None``),
    instead of a stream (a web page, an empty body, plain JSON).
    """

    content: str = ""
    reasoning: str = ""
    reasoning_field: str = "reasoning_content"
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = "auto"
    tool_call_style: str = "piecewise"
    usage: tuple[int, int] | None = None
    usage_in: str = "chunk"
    status: int | None = None
    error_body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None
    omit_done: bool = False
    delay: float = 0.0
    hang: float = 0.0
    endless: bool = False
    repeat_call_head: bool = False
    raw_body: str | None = None
    raw_content_type: str | None = "text/html"

    def resolved_finish_reason(self) -> str | None:
        """The finish_reason actually sent (``"auto"`` resolved)."""
        if self.finish_reason == "auto":
            return "tool_calls" if self.tool_calls else "stop"
        return self.finish_reason


# ---------------------------------------------------------------- validation


def protocol_violations(messages: list[dict]) -> list[str]:
    """Return Moonshot-style protocol violations found in ``messages``.

    Rules: (1) an assistant message with ``tool_calls`` needs a non-empty
    reasoning value (``reasoning_content``, ``reasoning`` or
    ``reasoning_details``); (2) each of its tool_call ids must be answered by
    a ``tool`` message before the next non-tool message or the end; (3) each
    ``tool`` message must answer an id of the nearest preceding assistant
    message; (4) each ``function.arguments`` must be a string.
    """
    if not isinstance(messages, list):
        return ["messages must be a list"]
    found: list[str] = []
    known: set[str] = set()  # ids of the nearest preceding assistant message
    pending: dict[str, int] = {}  # unanswered id -> index of its assistant message
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            found.append(f"message at index {i} is not an object")
            continue
        if msg.get("role") == "tool":
            call_id = msg.get("tool_call_id")
            if call_id not in known:
                found.append(f"tool message at index {i} answers unknown tool_call_id {call_id!r}")
            pending.pop(call_id, None)
            continue
        found += _unanswered(pending)
        pending = {}
        if msg.get("role") == "assistant":
            calls = msg.get("tool_calls") or []
            found += _check_assistant_calls(i, msg, calls)
            known = {c.get("id") for c in calls if isinstance(c, dict)}
            pending = {cid: i for cid in known}
    return found + _unanswered(pending)


def _check_assistant_calls(i: int, msg: dict, calls: list) -> list[str]:
    """Rules 1 and 4 for the assistant message ``msg`` at index ``i``."""
    found = []
    if calls and not any(msg.get(key) for key in REASONING_KEYS):
        found.append(f"reasoning_content is missing in assistant tool call message at index {i}")
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        arguments = function.get("arguments") if isinstance(function, dict) else None
        if not isinstance(arguments, str):
            call_id = call.get("id") if isinstance(call, dict) else None
            found.append(
                f"function.arguments of tool call {call_id!r} in assistant message "
                f"at index {i} must be a string"
            )
    return found


def _unanswered(pending: dict[str, int]) -> list[str]:
    """Rule 2 messages for tool_call ids still waiting for a tool message."""
    return [
        f"tool_call_id {cid!r} of assistant message at index {i} has no tool response message"
        for cid, i in pending.items()
    ]


# ---------------------------------------------------------- response bodies


def _pieces(text: str) -> list[str]:
    """Split ``text`` into pieces of ``PIECE`` characters (none if empty)."""
    return [text[k : k + PIECE] for k in range(0, len(text), PIECE)]


def _reasoning_value(turn: Turn, text: str) -> Any:
    """The JSON value carrying reasoning ``text`` under ``turn.reasoning_field``."""
    if turn.reasoning_field == "reasoning_details":
        return [{"type": "reasoning.text", "text": text}]
    return text


def _usage(turn: Turn, request_size: int) -> dict:
    """The usage object: scripted, or estimated at ~4 characters per token."""
    if turn.usage is not None:
        prompt, completion = turn.usage
    else:
        produced = turn.content + turn.reasoning + "".join(c.arguments for c in turn.tool_calls)
        prompt, completion = request_size // 4, len(produced) // 4
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _deltas(turn: Turn) -> list[dict]:
    """The streamed deltas before the finish chunk: reasoning, content, tool calls."""
    deltas = [{turn.reasoning_field: _reasoning_value(turn, p)} for p in _pieces(turn.reasoning)]
    deltas += [{"content": p} for p in _pieces(turn.content)]
    for index, call in enumerate(turn.tool_calls):
        whole = turn.tool_call_style == "whole"
        function = {"name": call.name, "arguments": call.arguments if whole else ""}
        head = {"index": index, "id": call.id, "type": "function", "function": function}
        deltas.append({"tool_calls": [head]})
        if not whole:
            deltas += [{"tool_calls": [_argument_piece(turn, index, call, p)]} for p in _pieces(call.arguments)]
    return deltas


def _argument_piece(turn: Turn, index: int, call: ToolCall, piece: str) -> dict:
    """One piece of a call's arguments; with ``repeat_call_head``, id, type and name again."""
    if turn.repeat_call_head:
        return {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": piece}}
    return {"index": index, "function": {"arguments": piece}}


def endless_events(turn: Turn, base: dict) -> Iterator[dict]:
    """Reasoning pieces for ever and never a finish chunk: a model that thinks without end."""
    for number, piece in enumerate(itertools.cycle(_pieces(turn.reasoning or "Still thinking. "))):
        delta = {turn.reasoning_field: _reasoning_value(turn, piece)}
        if number == 0:
            delta["role"] = "assistant"
        yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}


def stream_events(turn: Turn, base: dict, usage: dict, include_usage: bool) -> list[dict]:
    """All SSE data objects (without ``[DONE]``) that answer ``turn``.

    ``base`` holds the common chunk fields (id, object, created, model).  The
    finish chunk is always sent, with ``finish_reason: null`` if the turn says
    ``None``; the first chunk's delta carries ``role: assistant``.
    """
    deltas = _deltas(turn) + [{}]
    deltas[0] = {"role": "assistant", **deltas[0]}
    events = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    events[-1]["choices"][0]["finish_reason"] = turn.resolved_finish_reason()
    if turn.usage_in == "choice":
        events[-1]["choices"][0]["usage"] = usage
    elif turn.usage_in == "chunk" and include_usage:
        events.append({**base, "choices": [], "usage": usage})
    return events


def completion_body(turn: Turn, base: dict, usage: dict) -> dict:
    """The non-streaming ``chat.completion`` body that answers ``turn``."""
    message: dict[str, Any] = {"role": "assistant", "content": turn.content}
    if turn.reasoning:
        message[turn.reasoning_field] = _reasoning_value(turn, turn.reasoning)
    if turn.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in turn.tool_calls
        ]
    choice = {"index": 0, "message": message, "finish_reason": turn.resolved_finish_reason()}
    body = {**base, "object": "chat.completion", "choices": [choice]}
    if turn.usage_in != "none":
        body["usage"] = usage
    return body


def error_body(status: int, message: str | None = None) -> dict:
    """A default OpenAI/Moonshot-shaped error body for HTTP ``status``."""
    if message is None:
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
        message = f"scripted error: {status} {phrase}"
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "api_error")
    return {"error": {"message": message, "type": kind}}


# ------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the owning :class:`ScriptedServer`."""

    protocol_version = "HTTP/1.1"
    server: "_HTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default per-request logging."""

    def handle(self) -> None:
        """Handle one request; a client that went away is not an error."""
        try:
            super().handle()
        except DISCONNECT_ERRORS:
            pass

    def do_GET(self) -> None:
        """``GET /v1/models`` lists the configured models."""
        if self.path.split("?")[0].rstrip("/") != "/v1/models":
            return self.send_json(404, error_body(404, f"no route for GET {self.path}"))
        data = [{"id": m, "object": "model", "owned_by": "scripted"} for m in self.server.scripted.models]
        self.send_json(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        """``POST /v1/chat/completions`` answers with the next scripted turn."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            return self.send_json(404, error_body(404, f"no route for POST {self.path}"))
        self.server.scripted._serve_chat(self, raw)

    def send_json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        """Send a complete JSON response and close the connection."""
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    def send_raw(self, turn: Turn) -> None:
        """A 200 whose body is ``turn.raw_body`` as it is, and close."""
        payload = (turn.raw_body or "").encode()
        self.send_response(200)
        if turn.raw_content_type is not None:
            self.send_header("Content-Type", turn.raw_content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    def send_events(self, events: Iterable[dict], turn: Turn, stop: threading.Event) -> None:
        """Send SSE ``events`` (honouring the turn's faults), then close.

        The body is delimited by closing the connection, so a cut stream
        looks to the client like a stream that simply ended.
        """
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        for name, value in turn.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True
        lines: Iterable[str] = (f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
        if turn.cut_after is not None:
            lines = itertools.islice(lines, turn.cut_after)
        elif not turn.omit_done and not turn.endless:
            lines = itertools.chain(lines, ["data: [DONE]\n\n"])
        for n, line in enumerate(lines):
            if n and turn.delay and stop.wait(turn.delay):
                return
            self.wfile.write(line.encode())
            self.wfile.flush()


class _HTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that never blocks on its handler threads."""

    daemon_threads = True
    block_on_close = False
    scripted: "ScriptedServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that disconnected; report anything else."""
        if not isinstance(sys.exc_info()[1], DISCONNECT_ERRORS):
            super().handle_error(request, client_address)


class ScriptedServer:
    """A scripted OpenAI-compatible server on ``127.0.0.1`` (port chosen by the OS).

    ``requests``/``headers`` log every chat request body and its headers
    (lower-cased names); ``violations`` lists protocol violations and
    requests that arrived after the script was exhausted.

    ``responder`` (optional) is asked first with each valid request body; a
    :class:`Turn` it returns answers that request, ``None`` leaves it to the
    script (a demo that answers critic and writer requests by their shape).
    """

    def __init__(
        self,
        turns: list[Turn] | None = None,
        *,
        models: Sequence[str] = ("kimi-k2.6",),
        strict: bool = True,
        responder: Callable[[dict], Turn | None] | None = None,
    ) -> None:
        self.models = list(models)
        self.responder = responder
        self.strict = strict
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.violations: list[str] = []
        self._turns: deque[Turn] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._calls = 0
        self._completions = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add(*(turns or []))

    # -- script

    def add(self, *turns: Turn) -> None:
        """Append ``turns`` to the script, numbering tool calls that lack an id."""
        with self._lock:
            for turn in turns:
                self._number_calls(turn)
                self._turns.append(turn)

    def _number_calls(self, turn: Turn) -> None:
        """Give each tool call of ``turn`` that lacks an id the next ``call_<n>`` (lock held)."""
        for call in turn.tool_calls:
            if call.id is None:
                self._calls += 1
                call.id = f"call_{self._calls}"

    @property
    def remaining(self) -> int:
        """Number of scripted turns not yet consumed."""
        with self._lock:
            return len(self._turns)

    def drop_remaining(self) -> int:
        """Forget the scripted turns not served (a run that stopped early); how many there were."""
        with self._lock:
            left = len(self._turns)
            self._turns.clear()
            return left

    def assert_complete(self) -> None:
        """Fail if turns are left over or any violation was recorded."""
        with self._lock:
            left, violations = list(self._turns), list(self.violations)
        problems = [f"unused turn: {t!r}" for t in left] + [f"violation: {v}" for v in violations]
        if problems:
            raise AssertionError("scripted server not complete:\n" + "\n".join(problems))

    # -- lifecycle

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1`` (only once started)."""
        if self._httpd is None:
            raise RuntimeError("ScriptedServer is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> "ScriptedServer":
        """Bind a free port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stop.clear()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.scripted = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; streams in progress are abandoned promptly."""
        if self._httpd is None:
            return
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> "ScriptedServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- chat completions

    def _serve_chat(self, handler: _Handler, raw: bytes) -> None:
        """Log, validate and answer one chat-completions request.

        A request with violations gets HTTP 400 and consumes no turn; a
        request after the script ran out gets HTTP 500.
        """
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        problems = self._check(body)
        answer = self._respond(body) if not problems else None
        with self._lock:
            self.requests.append(body if isinstance(body, dict) else {"_raw": raw.decode(errors="replace")})
            self.headers.append({k.lower(): v for k, v in handler.headers.items()})
            if not problems and answer is None and not self._turns:
                status, kind = 500, "server_error"
                problems = [f"script exhausted: no turn left for request #{len(self.requests)}"]
            else:
                status, kind = 400, "invalid_request_error"
            self.violations += problems
            turn = None if problems else answer or self._turns.popleft()
            self._completions += 1
            number = self._completions
        if turn is None:
            return handler.send_json(status, {"error": {"message": "; ".join(problems), "type": kind}})
        self._answer(handler, turn, body, len(raw), number)

    def _respond(self, body: dict) -> Turn | None:
        """The responder's turn for ``body`` (tool calls numbered), or None."""
        turn = self.responder(body) if self.responder else None
        if turn is not None:
            with self._lock:
                self._number_calls(turn)
        return turn

    def _check(self, body: Any) -> list[str]:
        """Problems with a request body: unparsable, or (if strict) protocol violations."""
        if not isinstance(body, dict):
            return ["request body is not a JSON object"]
        return protocol_violations(body.get("messages")) if self.strict else []

    def _answer(self, handler: _Handler, turn: Turn, body: dict, size: int, number: int) -> None:
        """Answer ``body`` with ``turn``: an error, a stream or a completion."""
        if turn.hang and self._stop.wait(turn.hang):
            return
        if turn.status is not None:
            return handler.send_json(turn.status, turn.error_body or error_body(turn.status), turn.headers)
        base = {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model") or self.models[0],
        }
        if turn.raw_body is not None:
            return handler.send_raw(turn)
        if turn.endless:
            return handler.send_events(endless_events(turn, base), turn, self._stop)
        usage = _usage(turn, size)
        if body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            return handler.send_events(stream_events(turn, base, usage, include), turn, self._stop)
        handler.send_json(200, completion_body(turn, base, usage), turn.headers)
