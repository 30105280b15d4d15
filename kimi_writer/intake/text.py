"""Plain text and Markdown in: bytes decoded (UTF-8, else the detected legacy encoding), lines normalized."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from .parts import UnreadableSource

_SCENE_BREAK = re.compile(r"^\s*(?:[*#~•·]\s*){1,5}$|^\s*(?:[-—–_]\s*){3,}$")
SCENE_BREAK = "* * *"
PREFERRED = "cp1252"
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.M)
_BLANK_RUNS = re.compile(r"\n{3,}")


def decode(data: bytes, name: str) -> str:
    """The text of `data`: UTF-8 (with or without a BOM), else the encoding charset-normalizer detects."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data))
    if not matches or b"\x00" in data:
        raise UnreadableSource(f"{name} is not text in any encoding kimi-writer can detect; save it as UTF-8 "
                               "text and import it again.")
    return str(_likeliest(matches))


def _likeliest(matches: list) -> object:
    """The best match; among equally good ones, Windows-1252, the usual legacy encoding of a manuscript."""
    best = matches[0]
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    return next((m for m in tied if PREFERRED in m.could_be_from_charset), best)


def is_scene_break(line: str) -> bool:
    """A line that only separates scenes: `***`, `* * *`, `#`, `~~~`, `---`..."""
    return bool(line.strip()) and bool(_SCENE_BREAK.match(line))


def normalized(text: str) -> str:
    """Markdown with `\\n` line ends, no trailing spaces, at most one blank line in a row, scene breaks as `* * *`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\ufeff", "")
    text = _TRAILING_SPACE.sub("", text)
    lines = [SCENE_BREAK if is_scene_break(line) else line for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


def read_text_file(path: Path) -> str:
    """A .md or .txt file's text, decoded and normalized."""
    return normalized(decode(path.read_bytes(), path.name))
