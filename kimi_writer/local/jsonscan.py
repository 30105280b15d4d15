"""Reading a tool call as the model writes it: `{"tool": NAME, "arguments": {...}}`.

The grammar puts the tool's name first, so a call to the wrong tool can be stopped after a
few tokens; the whole call is read once it is complete.
"""

from __future__ import annotations

import json
import re

# llama.cpp's JSON grammar lets raw control characters into strings; JSON wants them escaped.
_CONTROL = {code: json.dumps(chr(code))[1:-1] for code in range(32)}
_TOOL = re.compile(r'\s*\{\s*"tool"\s*:\s*"((?:[^"\\]|\\.)*)"')


def escape_controls(piece: str) -> str:
    return piece.translate(_CONTROL)


class CallScanner:
    """The text of one call object, fed piece by piece."""

    def __init__(self) -> None:
        self.text = ""

    def feed(self, piece: str) -> None:
        self.text += escape_controls(piece)

    @property
    def tool(self) -> str | None:
        """The tool's name, once written whole."""
        match = _TOOL.match(self.text)
        return json.loads(f'"{match.group(1)}"') if match else None

    def call(self) -> tuple[str, dict] | None:
        """(tool, arguments) of the complete call, or None if it is not one."""
        try:
            value = json.loads(self.text)
        except json.JSONDecodeError:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("tool"), str) \
                or not isinstance(value.get("arguments"), dict):
            return None
        return value["tool"], value["arguments"]
