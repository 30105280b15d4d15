"""Offline: a bundled small model behind an in-process OpenAI-compatible server.

The agent loop does not change: `serve()` starts a server on 127.0.0.1 that speaks the same
chat-completions protocol as Moonshot's API, and the CLI points the usual client at it.
Modules: `bundled` (which GGUF file), `engine` (llama-cpp-python), `prompt` (the chat as the
model's prompt), `schema` (the tool-call grammar), `book` (the book's state and plan),
`jsonscan` (the call as it is written), `responder` (one turn), `server` (HTTP and SSE).
"""

from __future__ import annotations

import importlib.util
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import UserError
from .bundled import INSTALL_HINT, model_file


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass(frozen=True)
class LocalEndpoint:
    base_url: str  # http://127.0.0.1:<port>/v1
    model: str  # the model name to request
    context_tokens: int  # the model's context window
    max_output_tokens: int  # a sensible max_tokens per call


def available() -> bool:
    """True when the `local` extra (llama-cpp-python) is installed."""
    return importlib.util.find_spec("llama_cpp") is not None


@contextmanager
def _signals_deferred(signals: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Ctrl+C (SIGTERM, SIGHUP) during the block is delivered after it, so that nothing unwinds the
    interpreter while the model's threads are still stopping."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {number: signal.signal(number, lambda signum, frame: caught.append(signum)) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        for number in caught:
            signal.raise_signal(number)


@contextmanager
def serve(model_path: Path | None = None) -> Iterator[LocalEndpoint]:
    """Run the local model (`model_path`, or the bundled one) behind an OpenAI-compatible
    server on 127.0.0.1 for the duration of the block. However the block ends (a return, Ctrl+C,
    any exception), the model is stopped between tokens and its thread waited for before the
    model is freed: a native call still running while the interpreter exits crashes it."""
    if not available():
        raise UserError(f"the local model is not installed; run: {INSTALL_HINT}")
    from .engine import Engine
    from .responder import MAX_OUTPUT_TOKENS, Responder
    from .server import LocalServer

    engine = Engine(model_file(model_path))
    server = LocalServer(Responder(engine), engine.name).start()
    try:
        yield LocalEndpoint(server.base_url, engine.name, engine.context_tokens, MAX_OUTPUT_TOKENS)
    finally:
        with _signals_deferred():
            if server.stop():
                engine.close()
