"""The local server's plan: where the book stands, read from requests the agent really makes
(tool results and book context rendered by the project's own code), and the next step."""

from __future__ import annotations

import json

from kimi_writer.model.client import ToolCallRequest
from kimi_writer.loop.book_context import book_context_parts
from kimi_writer.local.plan import (MAX_CHAPTERS, next_step, project_name, read_state, requested_chapters,
                                    verdict)
from kimi_writer.loop.recovery import recovery_message
from kimi_writer.loop.tools import Workspace, execute

OUTLINE = "# The Fox\n\n1. **Snow** — A fox is hungry.\n2. **Crow** — A crow has cheese.\n"


class Book:
    """Runs tools for real and keeps the messages the agent would send."""

    def __init__(self, tmp_path, prompt="A short fable about a fox"):
        self.workspace = Workspace(tmp_path / "projects")
        self.messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": prompt}]

    def call(self, name: str, **arguments) -> str:
        call_id = f"call_{len(self.messages)}"
        raw = json.dumps(arguments)
        self.messages.append({"role": "assistant", "content": "", "reasoning_content": "r", "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": raw}}]})
        result = execute(ToolCallRequest(call_id, name, raw), self.workspace)
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": result.text})
        return result.text

    def compact(self) -> list[dict]:
        """The book's memory, the last turn and the book context, as in compact mode."""
        memory, context = book_context_parts(self.workspace.project, {})
        return self.messages[:2] + ([{"role": "user", "content": memory}] if memory else []) + \
            self.messages[-2:] + [{"role": "user", "content": context}]


def test_the_plan_walks_project_outline_chapters_then_done(tmp_path):
    book = Book(tmp_path)
    step = next_step(read_state(book.messages))
    assert (step.kind, step.fixed()) == ("project", {"project_name": "Fable Fox"})
    book.call("create_project", project_name="Fable Fox")
    step = next_step(read_state(book.messages))
    assert (step.kind, step.chapters, step.fixed()) == ("outline", 3, {"filename": "outline.md", "mode": "create"})
    book.call("write_file", filename="outline.md", content=OUTLINE)
    for number, title in ((1, "Snow"), (2, "Crow")):
        for messages in (book.messages, book.compact()):
            step = next_step(read_state(messages))
            assert (step.kind, step.chapter, step.chapters) == ("chapter", number, 2)
            assert step.entry.title == title and step.filename == f"chapter_{number:02d}.md"
        book.call("write_file", filename=step.filename, content=f"# Chapter {number}\n\nText.")
    assert next_step(read_state(book.compact())).kind == "done"
    assert next_step(read_state(book.messages)).kind == "done"


def test_the_book_context_gives_the_outline_the_chapters_and_the_tail(tmp_path):
    book = Book(tmp_path)
    book.call("create_project", project_name="Fox")
    book.call("write_file", filename="outline.md", content=OUTLINE)
    book.call("write_file", filename="chapter_01.md", content="# Chapter 1\n\nThe fox sat in the snow.")
    state = read_state(book.compact())
    assert state.project and state.chapters_written == {1}
    assert [e.title for e in state.entries()] == ["Snow", "Crow"]
    assert state.tail.endswith("The fox sat in the snow.") and state.request == "A short fable about a fox"


def test_a_resumed_run_knows_its_files_and_outline(tmp_path):
    book = Book(tmp_path)
    book.call("create_project", project_name="Fox")
    book.call("write_file", filename="outline.md", content=OUTLINE)
    book.call("write_file", filename="chapter_01.md", content="# Chapter 1\n\nSnow.")
    note = recovery_message(book.workspace.project, None, None).wire()
    step = next_step(read_state([{"role": "system", "content": "rules"}, note]))
    assert (step.kind, step.chapter, step.chapters) == ("chapter", 2, 2)


def test_a_write_that_failed_because_the_file_exists_counts_it_as_written(tmp_path):
    book = Book(tmp_path)
    book.call("create_project", project_name="Fox")
    (book.workspace.project.root / "outline.md").write_text(OUTLINE)
    assert "already exists" in book.call("write_file", filename="outline.md", content="x", mode="create")
    assert next_step(read_state(book.messages)).kind == "chapter"


def test_chapters_come_from_the_request_when_there_is_no_outline_and_stay_few():
    assert requested_chapters("A 5-chapter mystery") == 5
    assert requested_chapters("two chapters about rain") == 2
    assert requested_chapters("a 40 chapter saga") == MAX_CHAPTERS
    assert requested_chapters("A short fable about a fox") == 3
    assert project_name("A 5-chapter mystery set in Victorian London") == "Mystery Victorian London"
    assert project_name("!!") == "My Book"


def test_the_verdict_accepts_only_calls_that_move_the_book_on(tmp_path):
    book = Book(tmp_path)
    fresh = read_state(book.messages)
    step = next_step(fresh)
    assert verdict(step, fresh, "create_project", {"project_name": "Fox"})
    assert not verdict(step, fresh, "create_project", {"project_name": "..."})
    assert not verdict(step, fresh, "write_file", {"filename": "outline.md"})
    book.call("create_project", project_name="Fox")
    state = read_state(book.messages)
    step = next_step(state)
    assert verdict(step, state, "write_file", {"filename": "outline.md", "mode": "create"})
    assert not verdict(step, state, "write_file", {"filename": "chapter_01.md"})
    assert not verdict(step, state, "create_project", {"project_name": "Fox"})  # the same call again
    assert verdict(step, state, "list_files", {})  # one look before the outline
    book.call("list_files")
    looked = read_state(book.messages)
    assert not verdict(next_step(looked), looked, "list_files", {})  # not two in a row
    book.call("write_file", filename="outline.md", content=OUTLINE)
    state = read_state(book.messages)
    step = next_step(state)
    assert verdict(step, state, "write_file", {"filename": "chapters/chapter_1.md"})
    assert not verdict(step, state, "read_file", {"filename": "outline.md"})
    assert not verdict(step, state, "write_file", {"filename": "chapter_02.md"})


def test_a_planning_run_ends_after_the_outline_and_the_next_run_drafts_the_edited_one(tmp_path):
    from kimi_writer.loop.instructions import system_prompt

    book = Book(tmp_path)
    book.messages[0]["content"] = system_prompt(20, plan_only=True)
    book.call("create_project", project_name="Fox")
    assert next_step(read_state(book.messages)).kind == "outline"
    book.call("write_file", filename="outline.md", content=OUTLINE)
    for messages in (book.messages, book.compact()):
        step = next_step(read_state(messages))
        assert (step.kind, step.planning, step.chapters) == ("done", True, 2)
    (book.workspace.project.root / "outline.md").write_text(OUTLINE.replace("Snow", "Ice"))
    note = recovery_message(book.workspace.project, None, None, after_plan=True).wire()
    drafting = [{"role": "system", "content": system_prompt(20)}] + book.messages[1:] + [note]
    step = next_step(read_state(drafting))
    assert (step.kind, step.chapter, step.entry.title, step.planning) == ("chapter", 1, "Ice", False)
