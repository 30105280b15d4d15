"""Scripted turns of the demo's books, for tests against tests/scripted_server.py. The books and the
demo's answers live in the package (kimi_writer/demo/, served by `kimi-writer demo`)."""

from __future__ import annotations

from kimi_writer.demo.answer import rewrite_after_review, answer
from kimi_writer.demo.books import CHAPTERS, COLLECTION_OUTLINE, OUTLINE, STORIES, WORLD
from kimi_writer.demo.gothic import GOTHIC, GOTHIC_FACTS, GOTHIC_OUTLINE, gothic_chapter, gothic_review
from tests.scripted_server import Turn, tool_call

__all__ = ["GOTHIC_FACTS", "STORIES", "gothic_chapter", "gothic_review", "collection_turns", "demo_turns",
           "gothic_turns", "gothic_responder"]


def played(delay: float, steps: list[tuple[str, object]], reasoning: str, content: str) -> list[Turn]:
    """A planner's script: one tool call per turn (with its reasoning), then a closing reply."""
    turns = [Turn(reasoning=thought, tool_calls=[call], delay=delay) for thought, call in steps]
    return turns + [Turn(reasoning=reasoning, content=content, delay=delay)]


def collection_turns(delay: float) -> list[Turn]:
    """A collection of five short stories: the project, the outline, a story bible, the stories."""
    steps = [
        ("A collection of five linked science-fiction stories. First, the project.",
         tool_call("create_project", project_name="Signals From the Quiet Earth")),
        ("The outline: one heading per story, what it is about and where it stands in the arc.",
         tool_call("write_file", filename="outline.md", content=COLLECTION_OUTLINE)),
        ("The stories share a world: a short story bible.",
         tool_call("write_file", filename="world.md", content=WORLD)),
    ] + [(f"Story {number} next, as the outline plans it.", tool_call("write_file", filename=name, content=text))
         for number, (name, text) in enumerate(STORIES, start=1)]
    return played(delay, steps, "All five stories are written.", "The collection is finished.")


def demo_turns(delay: float) -> list[Turn]:
    steps = [
        ("A Victorian mystery in three chapters. First, the project.",
         tool_call("create_project", project_name="The Lamplighter's Debt")),
        ("Now the outline: three chapters, one line each.",
         tool_call("write_file", filename="outline.md", content=OUTLINE)),
    ] + [(f"Chapter {number} next, following the outline.",
          tool_call("write_file", filename=name, content=text + "\n"))
         for number, (name, text) in enumerate(CHAPTERS, start=1)]
    return played(delay, steps, "All three chapters are written.", "The book is finished.")


def _turn(reply, delay: float) -> Turn:
    calls = [tool_call(reply.tool, **reply.arguments)] if reply.tool else []
    return Turn(reasoning=reply.reasoning, content=reply.content, tool_calls=calls, delay=delay)


def gothic_responder(delay: float = 0.0):
    """Answer by the request's shape, as `kimi-writer demo` does: the critic (submit_review offered),
    the writer of `revise` (no tools), the planner after a review with a continuity issue; None
    leaves the rest to the script."""
    def respond(body: dict) -> Turn | None:
        names = [t.get("function", {}).get("name") for t in body.get("tools") or []]
        if "submit_review" in names or not names:
            return _turn(answer(body), delay)
        rewrite = rewrite_after_review([m for m in body.get("messages") or [] if isinstance(m, dict)])
        return _turn(rewrite, delay) if rewrite else None
    return respond


def gothic_turns(delay: float) -> list[Turn]:
    """The planner's script for the gothic book: the project, the outline, five chapters."""
    steps = [
        ("A gothic mystery in five chapters. First, the project.",
         tool_call("create_project", project_name="The House at Marrow Fen")),
        ("The outline: five chapters, one line each, the mystery opening and closing on the east wing.",
         tool_call("write_file", filename="outline.md", content=GOTHIC_OUTLINE)),
    ] + [(f"Chapter {number} next, following the outline.",
          tool_call("write_file", filename=f"chapter_{number:02d}.md", content=gothic_chapter(number, 0)))
         for number in range(1, len(GOTHIC) + 1)]
    return played(delay, steps, "All five chapters are written.", "The book is finished.")
