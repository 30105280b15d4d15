"""Markdown made safe to render: Python-Markdown recurses once per level of nesting and tries every
`[` of a paragraph as a link, so 300 levels of lists overflow the stack and a paragraph of 50,000 `[`
takes minutes. Nesting is capped and such brackets hidden first; ordinary prose is left as it is."""

from __future__ import annotations

import re

MAX_NESTING = 16  # levels of quotes and of indentation (4 columns each) a line keeps
MAX_BRACKETS = 64  # `[` in one paragraph before they are taken as text, not links
BRACKET = "\ufdd0"  # a noncharacter stands for such a `[` while Markdown is rendered (an escape is slow too)
_PREFIX = re.compile(r"^((?:[ \t]{0,3}>)*)([ \t]*)", re.MULTILINE)  # bounded: linear on any line
_BLOCK = re.compile(r"[^\n]+(?:\n[^\n]+)*")


def _capped(match: re.Match[str]) -> str:
    quotes, indent = match.group(1), match.group(2).expandtabs(4)
    if quotes.count(">") <= MAX_NESTING and len(indent) <= 4 * MAX_NESTING:
        return match.group(0)
    return ">" * min(quotes.count(">"), MAX_NESTING) + (" " if quotes else "") + indent[: 4 * MAX_NESTING]


def _brackets_as_text(block: re.Match[str]) -> str:
    text = block.group(0)
    return text.replace("[", BRACKET) if text.count("[") > MAX_BRACKETS else text


def tame(text: str) -> str:
    """`text` with nesting capped at MAX_NESTING and the `[` of a paragraph with too many hidden from
    Markdown (`restore` puts them back in the HTML)."""
    return _BLOCK.sub(_brackets_as_text, _PREFIX.sub(_capped, text.replace(BRACKET, "")))


def restore(html: str) -> str:
    """The HTML of a tamed text with its hidden `[` back."""
    return html.replace(BRACKET, "[")
