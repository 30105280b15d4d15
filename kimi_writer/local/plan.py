"""Where the book stands, read from the conversation alone, and the next step of the plan.

The server sees only the chat request. The book's state is in it: the tool results (a project
created, files written), the "[Book context]" note the agent adds in compact mode (the outline
and the chapters on disk), and the "[Resumed]" note of a recovered run. The plan is fixed:
the project, then the outline, then chapters 1..N in order, then a closing message. In a
planning run (--plan-only, which the system prompt says) the plan ends after the outline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..book.outline import OUTLINE_FILE, OutlineEntry, chapter_number, parse_outline
from ..core.prompts import MARKERS, render
from ..loop.tools import CREATE_PROJECT, LIST_FILES, READ_FILE, WRITE_FILE

DEFAULT_CHAPTERS = 3  # when neither the outline nor the author says how many
MAX_CHAPTERS = 5  # a small model's book stays short
LOOKS = (LIST_FILES.name, READ_FILE.name)
# The agent's own notes, not the author's words (the server sees only their text, not their kind).
NOTE_PREFIXES = (MARKERS.book_context, MARKERS.book_memory, MARKERS.resumed, MARKERS.context_summary)
_NUMBER_WORDS = "one two three four five six seven eight nine ten".split()
_REQUESTED = re.compile(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")[\s-]+chapters?\b", re.I)
_TAIL = re.compile(r"\n## End of .+?, the latest chapter\n…?(.*)$", re.S)
PLANNING_MARKER = render("plan_only_marker.md.j2")  # in the system prompt of a --plan-only run
_NAME_WORDS = re.compile(r"[A-Za-z0-9']+")
_SMALL_WORDS = {"a", "an", "the", "of", "about", "set", "in", "on", "with", "and", "short", "long", "write", "story",
                "novel", "book", "chapter", "chapters", "novella"}

_PROJECT_RESULT = re.compile(r"^(?:Created project '|Project '.*' already existed and is now active \((.*)\)\.$)", re.S)
_WRITE_RESULT = re.compile(r"^(?:Created|Appended to|Overwrote) (.+?): it now holds ")
_EXISTS_FAILURE = re.compile(rf"^`{re.escape(WRITE_FILE.name)}` failed: (.+?) already exists")
STORIES_WRITTEN = "## Stories written\n"  # the book context's list of a collection's written parts
_LISTED_FILE = re.compile(r"^- (.+?)(?: \([\d,]+ words\))?:", re.M)
# A note's prefix -> (heading of its file list, heading of its outline, what may follow the outline).
_NOTES = {
    MARKERS.book_memory: ("## Chapters written\n", "## Outline (outline.md)\n",
                   ("\n\n## Story bible: ", "\n\n## Chapters written", "\n\n## Stories written", "\n\n## End of ")),
    MARKERS.book_context: ("## Chapters written\n", "## Outline (outline.md)\n", ("\n\n## End of ",)),
    MARKERS.resumed: ("## Files in the project\n", "## The current outline (outline.md)\n",
                    ("\n\n## A note from the author", "\n\nThe planning run is over", "\n\nContinue the book")),
}


def _between(text: str, heading: str, ends: tuple[str, ...]) -> str | None:
    """The text after `heading` up to the first of `ends`, or None without the heading."""
    if heading not in text:
        return None
    after = text.split(heading, 1)[1]
    cuts = [after.find(end) for end in ends if end in after]
    return after[: min(cuts)] if cuts else after


@dataclass
class BookState:
    project: bool = False
    files: set[str] = field(default_factory=set)
    outline: str = ""  # its text, when the conversation shows it (whether or not it was saved)
    last_tool: str | None = None  # the tool of the latest call in the request
    request: str = ""  # what the author asked for
    tail: str = ""  # the end of the latest chapter, from the book context
    planning: bool = False  # a --plan-only run: no chapters

    @property
    def has_outline(self) -> bool:
        return OUTLINE_FILE in self.files

    @property
    def chapters_written(self) -> set[int]:
        return {n for n in map(chapter_number, self.files) if n is not None}

    def entries(self) -> list[OutlineEntry]:
        return parse_outline(self.outline)


def read_state(messages: list[dict]) -> BookState:
    """The book's state as the request shows it."""
    state = BookState()
    for message in messages:
        content = message.get("content")
        text = content if isinstance(content, str) else ""
        if message.get("role") == "system":
            state.planning = state.planning or PLANNING_MARKER in text
        elif message.get("role") == "tool":
            _read_tool_result(state, text)
        elif message.get("role") == "user":
            _read_note(state, text)
            if not state.request and text.strip() and not text.startswith(NOTE_PREFIXES):
                state.request = text.strip()
        elif message.get("role") == "assistant" and message.get("tool_calls"):
            _read_calls(state, message["tool_calls"])
    return state


def _read_tool_result(state: BookState, text: str) -> None:
    project = _PROJECT_RESULT.match(text)
    if project:
        state.project = True
        state.files.update(name.strip() for name in (project.group(1) or "").split(",")
                           if name.strip() and name.strip() != "no files yet")
    for pattern in (_WRITE_RESULT, _EXISTS_FAILURE):
        written = pattern.match(text)
        if written:
            state.files.add(written.group(1))


def _read_note(state: BookState, text: str) -> None:
    for prefix, (files_heading, outline_heading, after_outline) in _NOTES.items():
        if text.startswith(prefix):
            state.project = True
            listed = _between(text, files_heading, ("\n\n",)) or _between(text, STORIES_WRITTEN, ("\n\n",)) or ""
            state.files.update(name for name in _LISTED_FILE.findall(listed) if name != "no files yet")
            outline = _between(text, outline_heading, after_outline)
            if outline is not None:
                state.outline = outline
                state.files.add(OUTLINE_FILE)
            tail = _TAIL.search(text)
            state.tail = tail.group(1).strip() if tail else state.tail


def _read_calls(state: BookState, calls: list[dict]) -> None:
    function = calls[-1].get("function") or {}
    state.last_tool = function.get("name")
    try:
        arguments = json.loads(function.get("arguments") or "{}")
    except json.JSONDecodeError:
        return
    if not isinstance(arguments, dict) or state.last_tool != WRITE_FILE.name:
        return
    content = arguments.get("content")
    if arguments.get("filename") == OUTLINE_FILE and isinstance(content, str) and not content.startswith(MARKERS.write_stub):
        state.outline = content  # full context mode; a landed write's stub starts with "["


@dataclass(frozen=True)
class Step:
    """The next step of the plan: kind is project, outline, chapter or done."""

    kind: str
    chapter: int = 0
    chapters: int = 0
    entry: OutlineEntry | None = None
    planning: bool = False  # done: the plan (not the book) is written

    @property
    def tool(self) -> str:
        return {"project": CREATE_PROJECT.name, "done": ""}.get(self.kind, WRITE_FILE.name)

    @property
    def filename(self) -> str:
        return OUTLINE_FILE if self.kind == "outline" else f"chapter_{self.chapter:02d}.md" if self.chapter else ""

    name: str = ""  # the project's name, for a guided create_project

    def fixed(self) -> dict[str, str]:
        """The arguments a guided call gets from the plan, not the model."""
        if self.kind == "project":
            return {"project_name": self.name}
        return {"filename": self.filename, "mode": "create"} if self.tool == WRITE_FILE.name else {}


def requested_chapters(request: str) -> int:
    """The chapters the author asked for ("a 5-chapter mystery"), within 1..MAX_CHAPTERS."""
    match = _REQUESTED.search(request)
    if match is None:
        return DEFAULT_CHAPTERS
    word = match.group(1).lower()
    number = int(word) if word.isdigit() else _NUMBER_WORDS.index(word) + 1
    return max(1, min(number, MAX_CHAPTERS))


def project_name(request: str) -> str:
    """A name made of the request's first telling words: "A short fable about a fox" -> "Fable Fox"."""
    words = [w for w in _NAME_WORDS.findall(request) if w.lower() not in _SMALL_WORDS and not w.isdigit()]
    name = " ".join(w.capitalize() for w in words[:4])[:40].strip()
    return name if len(name) >= 3 else "My Book"


def planned_chapters(state: BookState) -> int:
    count = len(state.entries())
    return min(count, MAX_CHAPTERS) if count else requested_chapters(state.request)


def next_step(state: BookState) -> Step:
    if not state.project:
        return Step("project", name=project_name(state.request))
    if not state.has_outline:
        return Step("outline", chapters=requested_chapters(state.request))
    total = planned_chapters(state)
    if state.planning:
        return Step("done", chapters=total, planning=True)
    missing = [n for n in range(1, total + 1) if n not in state.chapters_written]
    if not missing:
        return Step("done", chapters=total)
    entry = next((e for e in state.entries() if e.number == missing[0]), None)
    return Step("chapter", missing[0], total, entry)


def tool_fits(step: Step, state: BookState, tool: str | None) -> bool | None:
    """Whether a call to `tool` may move the book on (None: the name is not written yet).
    One look (list_files, read_file) is allowed before the outline; the book context shows the rest."""
    if tool is None:
        return None
    if tool in LOOKS:
        return step.kind == "outline" and state.last_tool not in LOOKS
    return tool == step.tool


def verdict(step: Step, state: BookState, tool: str, arguments: dict) -> bool:
    """Whether the model's complete call moves the book on."""
    if not tool_fits(step, state, tool):
        return False
    if tool == CREATE_PROJECT.name:
        return bool(re.search(r"[A-Za-z0-9]", str(arguments.get("project_name", ""))))
    if tool != WRITE_FILE.name:
        return True
    filename = str(arguments.get("filename", ""))
    if step.kind == "outline":
        return PurePosixPath(filename).name.lower() in (OUTLINE_FILE, "outline")
    return chapter_number(filename) == step.chapter
