"""The demo model on 127.0.0.1: each reply streamed in small chunks, `delay` seconds apart."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from ..local.server import LocalServer
from .answer import Reply, answer

DEFAULT_PORT = 8808
DEFAULT_DELAY = 0.02  # seconds between chunks: a 3-chapter book in a few seconds
DEMO_KEY = "demo-key-not-a-secret"  # long enough to be scrubbed as a secret; in no path
DEMO_MODEL = "kimi-k2.6"  # what /v1/models lists: kimi-writer's default model
CHUNK = 20  # characters per streamed chunk


def _pieces(text: str) -> list[str]:
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)]


class DemoResponder:
    """Answers every request by its shape (answer.py), as the local server's responder."""

    def __init__(self, delay: float = DEFAULT_DELAY):
        self.delay = delay

    def respond(self, body: dict) -> Iterator[tuple]:
        reply = answer(body)
        sent = 0
        for kind, piece in self._events(reply):
            if sent:
                time.sleep(self.delay)
            sent += 1
            yield (kind, *piece)
        yield ("finish", "tool_calls" if reply.tool else "stop")
        yield ("usage", len(str(body)) // 4, sum(len(p) for p in self._texts(reply)) // 4)

    def _events(self, reply: Reply) -> Iterator[tuple[str, tuple]]:
        yield from (("reasoning", (piece,)) for piece in _pieces(reply.reasoning))
        yield from (("content", (piece,)) for piece in _pieces(reply.content))
        if reply.tool:
            yield "call", (f"call_{uuid.uuid4().hex[:12]}", reply.tool)
            yield from (("arguments", (piece,)) for piece in _pieces(reply.arguments_json))

    @staticmethod
    def _texts(reply: Reply) -> list[str]:
        return [reply.reasoning, reply.content, reply.arguments_json if reply.tool else ""]

    def close(self, timeout: float) -> bool:
        return True


def start_demo(port: int = DEFAULT_PORT, delay: float = DEFAULT_DELAY) -> LocalServer:
    """The demo model, started on 127.0.0.1:`port` (OSError when the port is taken)."""
    return LocalServer(DemoResponder(delay), DEMO_MODEL, port).start()
