"""What a reader hands on: the book's title and its parts (chapters or stories), in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import UserError
from ..core.language import count_words

READABLE = ".docx, .epub, .md and .txt files, or a folder of them"


class UnreadableSource(UserError):
    """A file or folder that cannot be imported; the sentence says why and what to give instead."""


@dataclass(frozen=True)
class Part:
    """One chapter or story as the author wrote it, in Markdown, its heading (if any) on the first line."""

    text: str
    heading: str = ""  # the author's heading, without Markdown marks ("Chapter 7: The Fog")
    front: bool = False  # the text before the first chapter (an epigraph, a dedication, an untitled prologue)


@dataclass
class Source:
    """A manuscript read from disk: its title (if it names one), its parts, and how they were found."""

    title: str
    parts: list[Part]
    found_by: str  # "headings", "--split", "spine", "files" or "none"
    warnings: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(count_words(part.text) for part in self.parts)  # words, or 字 in Chinese
