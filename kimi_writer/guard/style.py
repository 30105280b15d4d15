"""The style guard: banned stock phrases and finding them in text.

The built-in list is `kimi_writer/data/banned_phrases.txt`. A project adds phrases of its own
in `banned_phrases.txt` in its folder: one phrase per line, `#` starts a comment line. Matching
ignores case, treats ' and ’ alike, lets any run of whitespace (a line break too) stand between
the words of a phrase, and only matches whole words (a Chinese or Japanese phrase matches anywhere,
with any whitespace or line break between its characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..book.project import Project
from ..core.language import count_words

BUILTIN_FILE = Path(__file__).resolve().parent.parent / "data" / "banned_phrases.txt"
PROJECT_FILE = "banned_phrases.txt"
_APOSTROPHES = "'’‘"


@dataclass(frozen=True)
class Hit:
    """One banned phrase found in a text."""

    phrase: str  # as listed
    line: int  # 1-based
    line_text: str  # the whole line it starts on


def parse_phrase_list(text: str) -> list[str]:
    """The phrases of a list file, normalized (lower case, single spaces, ' apostrophes), in order."""
    phrases: dict[str, None] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            phrase = " ".join(line.lower().split())
            phrases[re.sub(f"[{_APOSTROPHES}]", "'", phrase)] = None
    return list(phrases)


@lru_cache(maxsize=1)
def builtin_phrases() -> tuple[str, ...]:
    return tuple(parse_phrase_list(BUILTIN_FILE.read_text(encoding="utf-8")))


def project_phrases(project: Project | None) -> list[str]:
    """The project's own phrases (its banned_phrases.txt): errors wherever they occur."""
    return parse_phrase_list(project.read_if_file(PROJECT_FILE) or "") if project is not None else []


def banned_phrases(project: Project | None = None) -> list[str]:
    """The built-in phrases, then the project's own (from its banned_phrases.txt)."""
    extra = project_phrases(project)
    builtin = builtin_phrases()
    return list(builtin) + [phrase for phrase in extra if phrase not in builtin]


@lru_cache(maxsize=1024)
def _pattern(phrase: str) -> re.Pattern[str]:
    words = [re.sub("'", f"[{_APOSTROPHES}]", re.escape(word)) for word in phrase.split()]
    if count_words(phrase) != len(phrase.split()):  # Chinese or Japanese: no spaces, no word boundaries
        return re.compile(r"\s*".join(re.escape(char) for char in "".join(phrase.split())))
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _sieve_key(phrase: str) -> str:
    """What the text (lower case, single-spaced) must hold for `phrase` to be in it: the phrase, or a
    CJK phrase's first character (a line break may fall anywhere in it)."""
    return phrase[0] if count_words(phrase) != len(phrase.split()) else phrase


def find_hits(text: str, phrases: list[str]) -> list[Hit]:
    """Every occurrence of every phrase in `text`, in reading order."""
    lines = text.split("\n")
    found = []
    lowered = " ".join(re.sub(f"[{_APOSTROPHES}]", "'", text.lower()).split())
    for phrase in phrases:
        if _sieve_key(phrase) not in lowered:
            continue  # a quick sieve: not even as a substring of the text in lower case, single-spaced
        for match in _pattern(phrase).finditer(text):
            number = text.count("\n", 0, match.start()) + 1
            found.append((match.start(), Hit(phrase, number, lines[number - 1])))
    return [hit for _, hit in sorted(found, key=lambda pair: pair[0])]


def excerpt(hit: Hit, width: int = 100) -> str:
    """The line a hit is on, cut to about `width` characters around the phrase."""
    text = " ".join(hit.line_text.split())
    if len(text) <= width:
        return text
    match = _pattern(hit.phrase).search(text)
    start = max(0, (match.start() if match else 0) - width // 3)
    cut = text[start:start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")
