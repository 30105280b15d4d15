"""The shapes of what kimi-writer prints for programs: `status --json`, `list --json`,
`review --mechanical-only --json`, and the events of a run (`.kimi_writer/events.jsonl`, and
stdout with --json). Their JSON Schemas are in docs/schema/, written from SCHEMAS by
`python -m kimi_writer.report.shapes --write docs/schema`; a test fails when they disagree."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- status and list -----------------------------------------------------------------------------

class Running(Shape):
    """The run that holds the book's lock."""

    pid: int
    command: str
    since: str | None = Field(description="When the run took the lock, ISO 8601 UTC.")


class PartStatus(Shape):
    """One part of the book (a chapter, or a story of a collection): planned, written, or both."""

    number: int | None
    file: str | None = Field(description="The part's file in the project; null when not written yet.")
    title: str | None
    planned: bool = Field(description="Whether the outline plans this part.")
    words: int | None = Field(description="Words in the file (in `unit`); null when not written.")
    target: int | None
    score: float | None = Field(description="The critic's overall score, 1 to 10; null when not reviewed.")
    stale: bool = Field(description="The part changed since the critic scored it.")
    author: bool = Field(False, description="The author's own text (imported): never replaced without --force.")


class RunStatus(Shape):
    """One finished run of `write` on the book."""

    iterations: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    estimated: bool
    outcome: str
    ended_at: str
    plan_only: bool


class BookStatus(Shape):
    """`kimi-writer status --json`: a book's outline against its manuscript, its runs, and the run
    that holds it now."""

    project: str = Field(description="The project's folder name.")
    path: str
    title: str
    unit: Literal["words", "chars"] = Field("words", description="How `words` counts: words, or characters "
                                            "(字) for a book in Chinese, Japanese or Korean.")
    kind: Literal["chapter", "story"]
    planned: int = Field(description="Parts the outline plans.")
    written: int = Field(description="Planned parts that have a file.")
    words: int = Field(description="Words in all parts (in `unit`).")
    parts: list[PartStatus]
    runs: list[RunStatus]
    last_run: RunStatus | None
    state_problem: str | None = Field(description="Why no run is listed, when the saved state is missing or unreadable.")
    finished: bool
    next: str = Field(description="The command to run next: resume, or export a finished book.")
    running: Running | None


class BookList(RootModel[list[BookStatus]]):
    """`kimi-writer list --json`: every book under the projects folder."""


# --- review --mechanical-only --json ---------------------------------------------------------------

class CheckWarning(Shape):
    line: int = Field(description="1-based; 0 for the whole chapter.")
    kind: str
    quote: str
    message: str


class ChapterCheck(Shape):
    file: str
    words: int
    target: int | None
    flags: int
    stock_per_1000: float
    warnings: list[CheckWarning]


class MechanicalReview(Shape):
    """`kimi-writer review --mechanical-only --json`: the mechanical checks, chapter by chapter."""

    project: str
    unit: Literal["words", "chars"] = Field("words", description="How each chapter's `words` counts: words, or "
                                            "characters (字) for a book in Chinese, Japanese or Korean.")
    chapters: list[ChapterCheck]


# --- events ----------------------------------------------------------------------------------------

class _Event(Shape):
    run: str
    seq: int = Field(ge=1)
    time: str


class Models(Shape):
    planner: str | None
    writer: str | None
    critic: str | None


class RunStart(_Event):
    type: Literal["run_start"]
    command: str
    args: dict[str, object]
    models: Models


class Iteration(_Event):
    type: Literal["iteration"]
    n: int
    limit: int
    context_tokens: int
    context_limit: int


class Reasoning(_Event):
    type: Literal["reasoning"]
    text: str


class Content(_Event):
    type: Literal["content"]
    text: str


class ToolCall(_Event):
    type: Literal["tool_call"]
    name: str
    chars: int = Field(description="Characters of the arguments so far (of the draft so far, with `file`).")
    file: str | None = Field(default=None, description="The chapter a writer model is drafting.")


class ToolResultEvent(_Event):
    type: Literal["tool_result"]
    name: str
    ok: bool
    summary: str
    file: str | None = None
    words: int | None = None


class ReviewEvent(_Event):
    type: Literal["review"]
    file: str
    overall: float | None
    scores: dict[str, int]
    reason: str | None = None


class Notice(_Event):
    type: Literal["notice"]
    text: str


class RunEndEvent(_Event):
    type: Literal["run_end"]
    outcome: str
    exit_code: int
    iterations: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    estimated: bool


Event = Annotated[Union[RunStart, Iteration, Reasoning, Content, ToolCall, ToolResultEvent, ReviewEvent, Notice,
                        RunEndEvent], Field(discriminator="type")]


class RunEvent(RootModel[Event]):
    """One line of `.kimi_writer/events.jsonl` (and of stdout with --json)."""


SCHEMAS: dict[str, type[BaseModel]] = {
    "status": BookStatus,
    "list": BookList,
    "review-mechanical": MechanicalReview,
    "event": RunEvent,
}


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema of SCHEMAS to `folder`/<name>.json; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / f"{name}.json"
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "--write":
        sys.stderr.write("usage: python -m kimi_writer.report.shapes --write docs/schema\n")
        return 2
    for path in write_schemas(Path(argv[1])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
