"""Text from outside made safe to print and to write into the author's Markdown: no terminal escapes."""

from __future__ import annotations

import re

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
