"""A streamed reply with every secret taken out as it is shown: a key split across pieces is still caught."""

from __future__ import annotations

from .api_errors import Scrubber
from .client import StreamListener


class ScrubbedStream:
    """A StreamListener in front of another. Reasoning and text reach it scrubbed; an end that may
    still grow into a secret (a key's first characters, a URL's scheme) is held back until more
    comes, or until `flush` at the end of the turn."""

    def __init__(self, listener: StreamListener, scrub: Scrubber):
        self.listener, self.scrub = listener, scrub
        self.held = {"reasoning": "", "content": ""}

    def on_reasoning(self, text: str) -> None:
        self._add("reasoning", text)

    def on_content(self, text: str) -> None:
        self._add("content", text)

    def on_tool_call(self, index: int, name: str, chars: int) -> None:
        self.flush()
        self.listener.on_tool_call(index, name, chars)

    def flush(self) -> None:
        """Pass on everything held (the turn ended)."""
        for kind in ("reasoning", "content"):
            self._send(kind, len(self.held[kind]))

    def _add(self, kind: str, text: str) -> None:
        other = "content" if kind == "reasoning" else "reasoning"
        self._send(other, len(self.held[other]))  # the order of the two streams is kept
        self.held[kind] += text
        self._send(kind, self.scrub.pending_from(self.held[kind]))

    def _send(self, kind: str, cut: int) -> None:
        if cut <= 0:
            return
        text, self.held[kind] = self.held[kind][:cut], self.held[kind][cut:]
        (self.listener.on_reasoning if kind == "reasoning" else self.listener.on_content)(self.scrub(text))
