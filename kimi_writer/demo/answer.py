"""A demo reply, decided by the request's shape alone: the critic (submit_review offered), the
reviser or the writer (no tools, a "Revise"/"Write" request), the summarizer (no tools, anything
else), or the planner (the book's next step, read from the conversation by local/plan)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..book.outline import chapter_number
from ..local.plan import BookState, next_step, read_state
from .books import book_for
from .gothic import CONTINUITY_SLIP, SCORE, gothic_chapter, gothic_review, version_of

_NAMED = re.compile(r"^(Review|Revise|Write) (\S+?\.(?:md|txt))\b")
_REVIEW_FOUND = re.compile(r"Review of (chapter_\d+\.md): overall")


@dataclass(frozen=True)
class Reply:
    """One assistant turn: reasoning, text, and at most one tool call (its name and arguments)."""

    reasoning: str = ""
    content: str = ""
    tool: str = ""
    arguments: dict | None = None

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments or {}, ensure_ascii=False)


def answer(body: dict) -> Reply:
    """The reply to one chat-completions request body."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    tools = {(t.get("function") or {}).get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    request = _first_user(messages)
    if "submit_review" in tools:
        return _critic(request)
    if not tools:
        return _no_tools(request, messages)
    return rewrite_after_review(messages) or _planner(read_state(messages))


def _first_user(messages: list[dict]) -> str:
    return next((str(m.get("content") or "") for m in messages if m.get("role") == "user"), "")


def _after(marker: str, text: str) -> str:
    return text.split(marker, 1)[1] if marker in text else ""


def _named(request: str) -> tuple[str, str, int] | None:
    """What a critic, reviser or writer request asks ("Review", "Revise", "Write"), the file and its number."""
    match = _NAMED.match(request)
    number = chapter_number(match.group(2)) if match else None
    return (match.group(1), match.group(2), number) if match and number else None


def _critic(request: str) -> Reply:
    named = _named(request)
    if named is None:
        return Reply(content="There is no chapter to review in this request.")
    _, name, number = named
    text = _after(f"## The chapter: {name}\n", request)
    version = version_of(number, text) if name == f"chapter_{number:02d}.md" else None
    review = gothic_review(number, version) if version is not None else _plain_review(text)
    return Reply(reasoning=f"Chapter {number}: scoring it against the rubric and the ledger.",
                 tool="submit_review", arguments=review)


def _plain_review(text: str) -> dict:
    """A steady 7.6 for a text the demo's critic has no script for, quoting its first paragraph."""
    paragraphs = [p for p in text.split("\n\n") if p.strip() and not p.startswith("#")]
    quote = " ".join((paragraphs[0] if paragraphs else "the opening").split()[:10])
    scores = dict(zip(SCORE, [8, 8, 7, 7, 7, 8, 8, 8, 8]))
    return {"scores": scores, "reasons": {}, "continuity_issues": [], "new_facts": [],
            "notes": [{"quote": quote, "problem": "this summarises what could be a scene.",
                       "fix": "play it as a scene, in the moment."}]}


def _no_tools(request: str, messages: list[dict]) -> Reply:
    named = _named(request)
    if named and named[0] == "Revise":
        return Reply(content=_revised(named[1], named[2], _after("## The chapter as it stands\n", request)))
    if named and named[0] == "Write":
        part = book_for(request, request).part(named[2])
        return Reply(content=part[1] if part else f"# Chapter {named[2]}\n\nThe demo has no text for this part.\n")
    return Reply(content="## Task\nA demo book.\n\n## Files\nSee the book context.\n\n## Next\nThe next unwritten part.")


def _revised(name: str, number: int, text: str) -> str:
    """The next version of a gothic chapter, or the text with its first paragraph made a scene."""
    version = version_of(number, text) if name == f"chapter_{number:02d}.md" else None
    if version is not None:
        return gothic_chapter(number, version + 1)
    return text.strip() + "\n\nShe stopped on the threshold, and listened, and went in.\n"


def rewrite_after_review(messages: list[dict]) -> Reply | None:
    """After a write whose review (--review auto) reports the continuity slip, rewrite that chapter."""
    results = [str(m.get("content") or "") for m in messages if m.get("role") == "tool"]
    latest = results[-1] if results else ""
    found = _REVIEW_FOUND.search(latest)
    if not found or "Continuity:" not in latest or CONTINUITY_SLIP[0][:20] not in latest:
        return None
    number = chapter_number(found.group(1)) or 0
    return Reply(reasoning=f"The critic caught a continuity slip in chapter {number}; I rewrite it before going on.",
                 tool="write_file", arguments={"filename": found.group(1), "mode": "overwrite",
                                               "content": gothic_chapter(number, 1)})


def _planner(state: BookState) -> Reply:
    book = book_for(state.request, state.outline)
    step = next_step(state)
    if step.kind == "project":
        return Reply(reasoning=f"{book.title}: first, the project.", tool="create_project",
                     arguments={"project_name": book.title})
    if step.kind == "outline":
        return Reply(reasoning="Now the outline: one entry per part, one line each.", tool="write_file",
                     arguments={"filename": "outline.md", "content": book.outline})
    if step.kind == "chapter" and book.part(step.chapter):
        name, text = book.part(step.chapter)
        noun = "Story" if name.startswith("story") else "Chapter"
        return Reply(reasoning=f"{noun} {step.chapter} next, following the outline.", tool="write_file",
                     arguments={"filename": name, "content": text})
    if step.planning:
        return Reply(reasoning="The plan is written.", content="The plan is ready for the author to read.")
    return Reply(reasoning="Every planned part is written.", content="The book is finished.")
