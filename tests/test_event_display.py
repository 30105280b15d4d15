"""The display for programs batches streamed text (about 4 events a second) and tool-call progress."""

from __future__ import annotations

import io
import json

from kimi_writer.book.event_log import EventLog
from kimi_writer.loop.events import Both, EventDisplay
from kimi_writer.loop.display import PlainDisplay


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def events_of(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_streamed_text_is_batched_to_about_four_events_a_second():
    stream, clock = io.StringIO(), Clock()
    display = EventDisplay(EventLog(stream=stream), clock)
    display.iteration(1, 300, 1000, 200_000)
    for tick in range(200):  # two seconds of reasoning, a delta every 10 ms
        clock.now = tick / 100
        display.on_reasoning("word ")
    for tick in range(200, 300):
        clock.now = tick / 100
        display.on_tool_call(0, "write_file", tick)
    display.end_turn()
    events = events_of(stream)
    reasoning = [e for e in events if e["type"] == "reasoning"]
    calls = [e for e in events if e["type"] == "tool_call"]
    assert "".join(e["text"] for e in reasoning) == "word " * 200  # nothing lost
    assert 6 <= len(reasoning) <= 10  # about 4 a second over 2 s
    assert 3 <= len(calls) <= 6 and calls[-1]["chars"] == 299  # the last progress is always sent


def test_text_of_another_kind_sends_what_was_waiting_first():
    stream, clock = io.StringIO(), Clock()
    display = EventDisplay(EventLog(stream=stream), clock)
    clock.now = 10.0
    display.on_reasoning("a")  # sent at once: nothing was sent for a while
    display.on_reasoning("b")
    display.on_content("c")
    display.end_turn()
    assert [(e["type"], e["text"]) for e in events_of(stream)] == [("reasoning", "a"), ("reasoning", "b"),
                                                                  ("content", "c")]


def test_both_shows_on_the_console_and_logs_the_events():
    console, stream = io.StringIO(), io.StringIO()
    both = Both(PlainDisplay(console), EventDisplay(EventLog(stream=stream)))
    both.notice("Checkpoint saved.")
    both.tool_result("wrote chapter_01.md: 12 words", True, "write_file", ("chapter_01.md", 12))
    both.close(0)
    assert console.getvalue() == "Checkpoint saved.\n  -> wrote chapter_01.md: 12 words\n"
    assert [e["type"] for e in events_of(stream)] == ["notice", "tool_result", "run_end"]
    assert events_of(stream)[1]["file"] == "chapter_01.md"
