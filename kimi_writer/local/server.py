"""The in-process OpenAI-compatible server on 127.0.0.1: `POST /v1/chat/completions` (streamed
as server-sent events, or whole) and `GET /v1/models`. Standard library only."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .engine import Cancelled
from .responder import ContextOverflow, Responder

DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
STOP_TIMEOUT = 30.0  # seconds to wait for the model to stop; it stops within a token or a step


def _choice(delta: dict, finish_reason: str | None = None) -> dict:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason}


def _usage(prompt: int, completion: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def stream_chunks(events: Iterable[tuple], base: dict, include_usage: bool) -> Iterator[dict]:
    """The chat.completion.chunk objects for a turn's events (see responder)."""
    role = {"role": "assistant"}
    for kind, *values in events:
        if kind == "usage":
            if include_usage:
                yield {**base, "choices": [], "usage": _usage(*values)}
            continue
        if kind == "reasoning":
            choice = _choice({"reasoning_content": values[0]})
        elif kind == "content":
            choice = _choice({"content": values[0]})
        elif kind == "call":
            head = {"index": 0, "id": values[0], "type": "function", "function": {"name": values[1], "arguments": ""}}
            choice = _choice({"tool_calls": [head]})
        elif kind == "arguments":
            choice = _choice({"tool_calls": [{"index": 0, "function": {"arguments": values[0]}}]})
        else:  # finish
            choice = _choice({}, values[0])
        choice["delta"], role = {**role, **choice["delta"]}, {}
        yield {**base, "choices": [choice]}


def completion_body(events: Iterable[tuple], base: dict) -> dict:
    """The whole chat.completion object for a turn's events."""
    message: dict[str, Any] = {"role": "assistant", "content": "", "reasoning_content": ""}
    calls: list[dict] = []
    finish, usage = None, _usage(0, 0)
    for kind, *values in events:
        if kind in ("reasoning", "content"):
            message["reasoning_content" if kind == "reasoning" else "content"] += values[0]
        elif kind == "call":
            calls.append({"id": values[0], "type": "function", "function": {"name": values[1], "arguments": ""}})
        elif kind == "arguments":
            calls[-1]["function"]["arguments"] += values[0]
        elif kind == "finish":
            finish = values[0]
        elif kind == "usage":
            usage = _usage(*values)
    if calls:
        message["tool_calls"] = calls
    choice = {"index": 0, "message": message, "finish_reason": finish}
    return {**base, "object": "chat.completion", "choices": [choice], "usage": usage}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the agent's display is the user's view."""

    def handle(self) -> None:
        try:
            super().handle()
        except DISCONNECTS + (Cancelled,):  # the client has gone, or the process is ending
            pass

    def do_GET(self) -> None:
        if self.path.split("?")[0].rstrip("/") != "/v1/models":
            return self._json(404, _error(f"no route for GET {self.path}"))
        self._json(200, {"object": "list", "data": [{"id": self.server.model, "object": "model", "owned_by": "local"}]})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            return self._json(404, _error(f"no route for POST {self.path}"))
        try:
            body = json.loads(raw or b"{}")
            events = self.server.responder.respond(body)
            first = next(events)
        except (ContextOverflow, ValueError, TypeError, AttributeError, StopIteration) as error:
            kind = "context overflow" if isinstance(error, ContextOverflow) else "bad request"
            return self._json(400, _error(str(error) or kind))
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": self.server.model}
        events = _chained(first, events)
        if body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            return self._stream(stream_chunks(events, base, include))
        self._json(200, completion_body(events, base))

    def _stream(self, chunks: Iterator[dict]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for chunk in chunks:
                if self.server.stopping.is_set():
                    return
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        finally:
            chunks.close()  # stops the model when the client has gone

    def _json(self, status: int, body: dict) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True


def _chained(first: tuple, rest: Iterator[tuple]) -> Iterator[tuple]:
    try:
        yield first
        yield from rest
    finally:
        rest.close()


def _error(message: str) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error"}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    responder: Responder
    model: str
    stopping: threading.Event


class LocalServer:
    """Serves a Responder on 127.0.0.1 (a free port unless `port`) from a daemon thread."""

    def __init__(self, responder: Responder, model: str, port: int = 0):
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.responder, self._httpd.model, self._httpd.stopping = responder, model, threading.Event()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> "LocalServer":
        self._thread.start()
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the model, wait for its turn in progress, close the server; True when no turn runs."""
        self._httpd.stopping.set()
        idle = self._httpd.responder.close(timeout)
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        return idle
