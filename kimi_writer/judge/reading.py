"""Reading the author's imported chapters: the planner reads them in batches that fit its window and
answers each with one forced `submit_reading` call (what happens in each chapter; and, when no critic is
configured, the hard facts for the continuity ledger). With a critic, the critic gives those facts
(`submit_facts`). The result: outline.md with an entry per chapter, the chapter summaries (for the
session, which the book context reads), and continuity.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from ..book import ledger
from ..book.outline import OUTLINE_FILE, chapter_number, without_part_label
from ..book.project import Project
from ..core.messages import Kind, Message, system, user
from ..core.prompts import render
from ..core.tokens import count_text
from ..loop.book_context import extractive_summary
from ..loop.tools import Tool, ToolResult
from ..model.caller import Caller
from .forced_call import ForcedCall, asked_again, parse_call
from .rubric import NewFact

READING_MAX_TOKENS = 8_000
TITLE_WORDS, SUMMARY_WORDS = 12, 120  # of a chapter's entry in the outline
_BARE_LABEL = re.compile(r"^(?:chapter|story|part|book)\s+\S+$", re.I)  # "CHAPTER VII": no title in it


class ReadingFailed(Exception):
    """The planner (or the critic) could not read the chapters: the sentence says why."""


class ChapterNote(BaseModel):
    file: str = Field(description="the chapter file, e.g. 'chapter_03.md'")
    title: str = Field(default="", description="a short title: the author's own when the chapter has one")
    summary: str = Field(description="what happens in it, in two or three sentences")


class ReadingArgs(BaseModel):
    """Submit what happens in each chapter of this batch, one entry per chapter."""

    chapters: list[ChapterNote]


class ReadingWithFactsArgs(ReadingArgs):
    """Submit what happens in each chapter of this batch, and the hard facts these chapters establish."""

    new_facts: list[NewFact] = Field(default_factory=list)


class FactsArgs(BaseModel):
    """Submit the hard facts these chapters establish that the continuity ledger does not hold yet."""

    new_facts: list[NewFact] = Field(default_factory=list)


def _answered(workspace: object, args: BaseModel) -> ToolResult:
    return ToolResult("", "answered by the reader, not run", ok=False)


SUBMIT_READING = Tool("submit_reading", ReadingArgs, _answered)
SUBMIT_READING_WITH_FACTS = Tool("submit_reading", ReadingWithFactsArgs, _answered)
SUBMIT_FACTS = Tool("submit_facts", FactsArgs, _answered)


@dataclass
class Readers:
    """Who reads: the planner's caller, and the critic's when one is configured (it does the ledger)."""

    planner: Caller
    critic: Caller | None = None
    batch_tokens: int = 100_000


def batches(project: Project, names: list[str], budget: int) -> list[list[str]]:
    """The chapters in order, grouped so that each group's text stays within `budget` tokens."""
    groups: list[list[str]] = [[]]
    used = 0
    for name in names:
        cost = count_text(project.read_if_file(name) or "")
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(name)
        used += cost
    return [group for group in groups if group]


def _cut(text: str, budget: int) -> str:
    """A chapter longer than the whole batch budget is sent in part (the reader says so)."""
    words = text.split()
    limit = max(100, budget * 2 // 3)
    return text if count_text(text) <= budget else " ".join(words[:limit]) + f" … [{len(words) - limit:,} more words]"


def _chapters(project: Project, batch: list[str], budget: int) -> list[tuple[str, str]]:
    return [(name, _cut(project.read_if_file(name) or "", budget)) for name in batch]


def reading_messages(project: Project, title: str, batch: list[str], earlier: dict[str, ChapterNote],
                     with_facts: bool, budget: int) -> list[Message]:
    request = render("reading_request.md.j2", title=title, earlier=list(earlier.values()),
                     chapters=_chapters(project, batch, budget), with_facts=with_facts,
                     sections=list(ledger.SECTIONS))
    return [system(render("reading_system.md.j2", with_facts=with_facts)), user(Kind.TASK, request)]


def facts_messages(project: Project, title: str, batch: list[str], budget: int) -> list[Message]:
    request = render("facts_request.md.j2", title=title, ledger=project.read_if_file(ledger.LEDGER_FILE) or "",
                     chapters=_chapters(project, batch, budget), sections=list(ledger.SECTIONS))
    return [system(render("facts_system.md.j2")), user(Kind.TASK, request)]


def ask(caller: Caller, messages: list[Message], tool: Tool) -> BaseModel:
    """The arguments of a well-formed call to `tool`; a malformed one is asked again once."""
    asking = ForcedCall(caller, tool)
    for _ in range(2):
        caller.check_budget(caller.measure(messages))
        turn = asking.turn(messages, READING_MAX_TOKENS)
        args, problem, errors = parse_call(turn, tool)
        if args is not None:
            return args
        messages = asked_again(messages, turn, render("reading_retry.md.j2", tool_name=tool.name, problem=problem,
                                                      errors=errors))
    raise ReadingFailed(f"the model's {tool.name} was malformed twice ({problem.rstrip('.')})")


def heading_title(text: str) -> str:
    """The title in a chapter's `#` heading ("Chapter 3: The Fog" -> "The Fog"), or ""."""
    first = text.split("\n", 1)[0]
    title = without_part_label(first.lstrip("#").strip()) if first.startswith("#") else ""
    return "" if _BARE_LABEL.match(title) else title


def _note(project: Project, name: str, given: ChapterNote | None) -> ChapterNote:
    """The model's note on a chapter, its gaps filled from the chapter itself."""
    text = project.read_if_file(name) or ""
    title = _one_line(given.title if given else "", TITLE_WORDS) or heading_title(text)
    summary = _one_line(given.summary if given else "", SUMMARY_WORDS) or extractive_summary(text)
    return ChapterNote(file=name, title=title, summary=summary)


def _one_line(text: str, words: int) -> str:
    """Model text made safe for an outline entry: one line, no emphasis marks, at most `words` words."""
    kept = text.replace("*", "").split()
    return " ".join(kept[:words]) + (" …" if len(kept) > words else "")


def read_batch(project: Project, title: str, batch: list[str], notes: dict[str, ChapterNote],
               readers: Readers) -> None:
    """Read one batch: its notes into `notes`, its facts into continuity.md."""
    with_facts = readers.critic is None
    tool = SUBMIT_READING_WITH_FACTS if with_facts else SUBMIT_READING
    messages = reading_messages(project, title, batch, notes, with_facts, readers.batch_tokens)
    reading = ask(readers.planner, messages, tool)
    given = {note.file.strip(): note for note in reading.chapters}  # type: ignore[attr-defined]
    notes.update({name: _note(project, name, given.get(name)) for name in batch})
    if with_facts:
        facts = reading.new_facts  # type: ignore[attr-defined]
    else:
        facts = ask(readers.critic, facts_messages(project, title, batch, readers.batch_tokens), SUBMIT_FACTS).new_facts  # type: ignore[arg-type, attr-defined]
    ledger.add_facts(project, [(fact.section, fact.fact) for fact in facts])


def write_outline(project: Project, title: str, notes: dict[str, ChapterNote], collection: bool, origin: str) -> None:
    """outline.md: an entry for each numbered chapter the author wrote, saying what happens in it."""
    entries = [{"number": chapter_number(name), "title": note.title or f"{'Story' if collection else 'Chapter'} "
                f"{chapter_number(name)}", "summary": note.summary}
               for name, note in notes.items() if chapter_number(name) is not None]
    text = render("import_outline.md.j2", title=title, entries=entries, collection=collection, origin=origin)
    project.write(OUTLINE_FILE, text + "\n", "overwrite")


def read_book(project: Project, title: str, names: list[str], readers: Readers, collection: bool,
              origin: str, on_batch: Callable[[int, int], None] = lambda done, total: None) -> dict[str, str]:
    """Read the chapters `names` batch by batch; write outline.md and continuity.md; the summaries by file."""
    notes: dict[str, ChapterNote] = {}
    groups = batches(project, names, readers.batch_tokens)
    for number, batch in enumerate(groups, 1):
        read_batch(project, title, batch, notes, readers)
        on_batch(number, len(groups))
    write_outline(project, title, notes, collection, origin)
    return {name: note.summary for name, note in notes.items()}
