"""What a write result tells the model about the chapter it just wrote: only what lint would show.
(The chapter's entry in the n-gram index is saved here too, while its text is at hand.)

The phrases of the text just sent that the calibrated verdicts keep (the project's own always, the
built-in ones when the chapter is over their rate), the chapter's other findings (its length aside:
the write result states that already), and its slop index (from `SLOP_MIN_WORDS` words on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..book.language import book_language
from ..book.outline import is_chapter_file
from ..book.project import Project
from .checks import check_chapter
from .language import CHINESE, checked_as
from .ngram_index import indexed_phrases
from .style import Hit, banned_phrases, find_hits, project_phrases
from .verdicts import SLOP_INDEX_WARNING, SLOP_MIN_WORDS

_OWN_LINES = ("stock_phrase", "banned_phrase", "length")


@dataclass(frozen=True)
class Feedback:
    hits: list[Hit] = field(default_factory=list)  # in the text just sent
    findings: list[str] = field(default_factory=list)  # "line N: message" of the whole chapter
    slop_index: float | None = None  # None for a file that is not a chapter, or a short one
    slop_warning: float = SLOP_INDEX_WARNING

    def template_values(self) -> dict:
        return {"hits": self.hits, "findings": self.findings, "slop_index": self.slop_index,
                "slop_warning": self.slop_warning}


def write_feedback(project: Project, name: str, sent: str, chapter_text: str) -> Feedback:
    """The calibrated findings of chapter `name` (now `chapter_text`) after `sent` was written to it."""
    own = project_phrases(project)
    if not is_chapter_file(name):
        return Feedback(hits=find_hits(sent, own))
    language = checked_as(book_language(project))
    report = check_chapter(name, chapter_text, banned_phrases(project), own=own, language=language)
    if language != CHINESE:
        indexed_phrases(project, chapter_text)  # its n-gram index entry now: a later review of one chapter reads it
    kept = {f.quote for f in report.findings if f.kind in ("stock_phrase", "banned_phrase")}
    findings = [f"line {f.line}: {f.message}" if f.line else f.message
                for f in report.findings if f.kind not in _OWN_LINES]
    index = report.slop_index if report.words >= SLOP_MIN_WORDS else None
    return Feedback([hit for hit in find_hits(sent, banned_phrases(project)) if hit.phrase in kept], findings, index,
                    report.slop_warning)
