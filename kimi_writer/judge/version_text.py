"""The writer's new version of a chapter, checked before anything is done with it: a chatty preamble
and code fences taken off, a heading that names another chapter refused, and a length cap."""

from __future__ import annotations

import re

from ..book.outline import chapter_number
from ..core.text import printable

MAX_GROWTH = 3  # a version may be at most this many times as long as the chapter (plus a little)
SLACK_CHARS = 2_000
_FENCE = re.compile(r"^(```|~~~)[^\n]*\n(?P<body>.*?)\n\1[ \t]*$", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_NUMBERED = re.compile(r"^#{1,6}[ \t]+(?:chapter|part|story)[ \t]+(\d+)\b", re.IGNORECASE | re.MULTILINE)


class BadVersion(ValueError):
    """The reply cannot be a version of the chapter (the message says why)."""


def _unfenced(text: str) -> str:
    """The body of the reply's code block, when the chapter is in one (no heading outside it)."""
    fenced = _FENCE.search(text)
    if fenced is None or _HEADING.search(text[:fenced.start()] + text[fenced.end():]):
        return text
    return fenced.group("body").strip()


def _without_preamble(text: str, original: str) -> str:
    """From the first heading on, when the chapter starts with a heading and the reply does not."""
    if not _HEADING.match(original.lstrip()) or _HEADING.match(text):
        return text
    heading = _HEADING.search(text)
    return text[heading.start():] if heading else text


def _number(name: str, text: str) -> int | None:
    found = _NUMBERED.search(text)
    return int(found.group(1)) if found else chapter_number(name)


def clean_version(name: str, original: str, reply: str) -> str:
    """The reply as the new text of chapter `name` (whose text is `original`); BadVersion when it is
    empty, has a heading for another chapter, or is over MAX_GROWTH times as long."""
    text = _without_preamble(_unfenced(printable(reply).strip()), original).strip()
    if not text:
        raise BadVersion(f"the writer returned no text for {name}")
    expected = _number(name, original)
    others = [number for number in map(int, _NUMBERED.findall(text)) if number != expected]
    if others and expected is not None:
        raise BadVersion(f"the writer's version of {name} has a heading for chapter {others[0]}, not {expected}")
    limit = MAX_GROWTH * len(original) + SLACK_CHARS
    if len(text) > limit:
        raise BadVersion(f"the writer's version of {name} has {len(text):,} characters, over {MAX_GROWTH} times "
                         f"the chapter's {len(original):,}")
    return text + "\n"
