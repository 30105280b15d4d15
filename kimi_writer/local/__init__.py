"""Offline: a bundled small model behind an in-process OpenAI-compatible server.

The agent loop does not change: `serve()` starts a server on 127.0.0.1 that speaks the same
chat-completions protocol as Moonshot's API, and the CLI points the usual client at it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError


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
def serve(model_path: Path | None = None) -> Iterator[LocalEndpoint]:
    """Run the local model behind an OpenAI-compatible server for the duration of the block."""
    raise UserError("the local model is not available yet in this version")
    yield  # pragma: no cover
