"""The display on its own: the live view on a (forced) terminal, and the end-of-run summary lines."""

from __future__ import annotations

import io
import re

from rich.console import Console

from kimi_writer.loop.display import LiveDisplay, PlainDisplay, RunFigures, RunSummary

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")
REASONING = "First the fog, then the docks. The clerk lies about the ledger, and Hale knows it."


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def live_turn(show_reasoning: bool = False, think_seconds: float = 12.0) -> str:
    """One streamed turn (reasoning, then text, then a tool call) on a terminal; what it printed."""
    out, clock = io.StringIO(), Clock()
    display = LiveDisplay(Console(file=out, force_terminal=True, width=120, color_system=None), show_reasoning, clock)
    display.iteration(5, 300, 6_120, 200_000)
    for word in REASONING.split(" "):
        display.on_reasoning(word + " ")
    clock.now += think_seconds
    display.on_content("Chapter two.")
    clock.now += 30  # writing is not thinking
    display.on_tool_call(0, "write_file", 2_315)
    display.end_turn()
    return ANSI.sub("", out.getvalue())


def test_the_iteration_shows_once_per_turn():
    screen = live_turn()
    assert screen.count("Iteration 5/300") == 1
    assert "context 6,120/200,000 tokens (3%)" in screen


def test_reasoning_collapses_to_how_long_and_how_much():
    screen = live_turn()
    assert "context 6,120/200,000 tokens (3%)\nthought for 12 s (about 16 words)\nChapter two." in screen
    assert "chars" not in screen.split("thought for", 1)[1].splitlines()[0]
    assert "thought for 2.5 s (about 16 words)" in live_turn(think_seconds=2.5)


def test_show_reasoning_keeps_the_full_text():
    screen = live_turn(show_reasoning=True)
    assert f"context 6,120/200,000 tokens (3%)\n{REASONING} \nthought for 12 s (about 16 words)" in screen


def summary(book: RunFigures | None, outcome: str | None = "Finished: the model says the book is done.") -> str:
    out = io.StringIO()
    PlainDisplay(out).summary(RunSummary(outcome, "/books/Fog", [("chapter_01.md", 1_200)],
                                         RunFigures(3, 1_234, 567, 0.0012), book))
    return out.getvalue()


def test_summary_labels_this_run_and_the_whole_book():
    text = summary(RunFigures(12, 20_000, 3_000, 0.0195, estimated=True, runs=2))
    assert text.splitlines()[-2:] == [
        "This run: 3 iterations · tokens in 1,234, out 567 · estimated cost $0.0012",
        "Whole book: 12 iterations over 2 runs · tokens in 20,000, out 3,000 "
        "(estimated: the server reported no usage) · estimated cost $0.0195",
    ]


def test_a_summary_without_an_outcome_starts_with_the_project():
    assert summary(None, outcome=None).splitlines()[1:3] == ["Project: /books/Fog", "  chapter_01.md: 1,200 words"]
