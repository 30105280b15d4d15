"""Text from outside made safe: to print and to write into the author's Markdown (no terminal escapes),
and to parse as JSON (no nesting deep enough to exhaust the stack)."""

from __future__ import annotations

import json
import re
from typing import Any

# CSI and OSC sequences whole (ESC or their C1 form), other ESC sequences, then any C0 or C1 control
# but newline and tab: a reply or a file name must not move the cursor, retitle the terminal or ring it.
_UNPRINTABLE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without terminal escapes and control characters (newlines and tabs stay)."""
    return _UNPRINTABLE.sub("", text)


MAX_JSON_DEPTH = 100  # tool arguments and reviews are a few levels deep; thousands would exhaust the stack
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def parse_json(text: str) -> Any:
    """json.loads, where text nested deeper than MAX_JSON_DEPTH is a JSONDecodeError (never a RecursionError)."""
    depth = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise json.JSONDecodeError(f"nested more than {MAX_JSON_DEPTH} levels deep", text, 0)
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
