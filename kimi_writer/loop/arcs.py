"""Hierarchical memory: older chapters folded into arc and part summaries (issue 26).

The summaries of the last chapters ride in every request in full. Older chapters are folded:
ARC_CHAPTERS chapters into one arc paragraph, made once, when the book has moved RECENT_CHAPTERS
chapters past the arc's end; the arcs of a part (PART_CHAPTERS chapters) into one part paragraph,
once its last arc is folded. Each paragraph is made by a plain request without tools
(like a compression summary) and saved in the project as `summaries/arc_01.md` (chapters 1-10) or
`summaries/act_1.md` (chapters 1-50): files the author may read and edit, read fresh for every
request, and never remade while they hold text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..book.project import Project
from ..core.errors import ContextOverflow, FatalModelError
from ..core.messages import Kind, Message, system, user
from ..core.prompts import render
from .outline_window import PART_CHAPTERS

SUMMARIES_DIR = "summaries"
ARC_CHAPTERS = 10
RECENT_CHAPTERS = 3  # the summaries of the chapters just before the next one always ride in full

Summaries = Callable[[int], "tuple[str, str] | None"]  # a written chapter's (file, summary) by number
Complete = Callable[[list[Message]], str]  # a plain request (no tools) -> the reply's text


@dataclass(frozen=True)
class Block:
    """A run of chapters summed up by one paragraph: an arc or a part."""

    first: int
    last: int

    @property
    def is_part(self) -> bool:
        return self.last - self.first + 1 == PART_CHAPTERS

    @property
    def path(self) -> str:
        if self.is_part:
            return f"{SUMMARIES_DIR}/act_{self.last // PART_CHAPTERS}.md"
        return f"{SUMMARIES_DIR}/arc_{self.last // ARC_CHAPTERS:02d}.md"

    def arcs(self) -> list["Block"]:
        return [Block(start, start + ARC_CHAPTERS - 1) for start in range(self.first, self.last, ARC_CHAPTERS)]


def is_summary_file(name: str) -> bool:
    """Whether a project file is one of the memory's summaries (never a chapter nor the story bible)."""
    return name.startswith(SUMMARIES_DIR + "/")


def folded_blocks(next_chapter: int) -> list[Block]:
    """The blocks folded for a request about `next_chapter`, oldest first: parts, then later arcs."""
    foldable = next_chapter - 1 - RECENT_CHAPTERS  # chapters 1..foldable may be folded
    parts = [Block(end - PART_CHAPTERS + 1, end) for end in range(PART_CHAPTERS, foldable + 1, PART_CHAPTERS)]
    covered = parts[-1].last if parts else 0
    return parts + [Block(end - ARC_CHAPTERS + 1, end)
                    for end in range(covered + ARC_CHAPTERS, foldable + 1, ARC_CHAPTERS)]


def saved_text(project: Project, block: Block) -> str:
    """A saved summary's paragraph, without its heading; "" when there is none."""
    text = project.read_if_file(block.path) or ""
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    return "\n".join(lines).strip()


class Memory:
    """Folds the book's older chapters, asking the model (through `complete`) for what is missing."""

    def __init__(self, complete: Complete, notice: Callable[[str], None]):
        self.complete, self.notice = complete, notice
        self.failed: set[Block] = set()  # not asked again in this run
        self.last_context: tuple = (None, ("", ""))  # (what the book's files and summaries were, its parts then)

    def fold(self, project: Project, next_chapter: int, summaries: Summaries) -> list[tuple[Block, str]]:
        """(block, paragraph) for the folded blocks; a block that cannot be made gives way to its arcs,
        and an arc that cannot be made to its chapters' summaries (left out here)."""
        folded = []
        for block in folded_blocks(next_chapter):
            text = self.text(project, block, summaries)
            if text:
                folded.append((block, text))
            elif block.is_part:
                folded += [(arc, t) for arc in block.arcs() if (t := self.text(project, arc, summaries))]
        return folded

    def text(self, project: Project, block: Block, summaries: Summaries) -> str:
        """The block's saved paragraph, made and saved first if missing."""
        return saved_text(project, block) or self._made(project, block, summaries)

    def _made(self, project: Project, block: Block, summaries: Summaries) -> str:
        if block in self.failed:
            return ""
        if block.is_part:
            pieces = [(f"Chapters {arc.first}–{arc.last}", self.text(project, arc, summaries)) for arc in block.arcs()]
        else:
            pieces = [found for number in range(block.first, block.last + 1) if (found := summaries(number))]
        if not pieces or any(not text for _, text in pieces):
            return ""
        self.notice(f"Summing up chapters {block.first}–{block.last} into {block.path}…")
        return self._ask(project, block, pieces)

    def _ask(self, project: Project, block: Block, pieces: list[tuple[str, str]]) -> str:
        request = [system(render("arc_system.md.j2")),
                   user(Kind.TASK, render("arc_request.md.j2", first=block.first, last=block.last,
                                          part=block.is_part, pieces=pieces))]
        try:
            text = self.complete(request).strip()
            if not text:
                raise ValueError("the model returned an empty summary")
            project.write(block.path, render("arc_file.md.j2", first=block.first, last=block.last, text=text) + "\n",
                          "overwrite")
        except (FatalModelError, ContextOverflow, ValueError, OSError) as error:
            self.failed.add(block)
            self.notice(f"No summary of chapters {block.first}–{block.last} ({error}); their summaries ride instead.")
            return ""
        return text
