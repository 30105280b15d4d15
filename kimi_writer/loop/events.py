"""The display for programs: a run's events as JSON lines (book/event_log.py), in the project's
`.kimi_writer/events.jsonl` and, with --json, on stdout. A third implementation of the display
interface beside the plain and the live console views; `Both` shows a run on a console view and
logs its events at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..book.event_log import EVENTS_FILE, EventLog
from .display import PlainDisplay, RunSummary

BATCH_SECONDS = 0.25  # streamed text is sent at most about 4 times a second


class EventDisplay(PlainDisplay):
    """Every call of the display interface as an event; streamed text and tool-call progress batched."""

    def __init__(self, log: EventLog, clock: Callable[[], float] = time.monotonic):
        super().__init__(stream=_Nowhere())
        self.log, self.clock = log, clock
        self.buffered: tuple[str, str] | None = None  # ("reasoning" or "content", text not sent yet)
        self.sent_at = 0.0
        self.calls: dict[int, tuple[str, int]] = {}  # slot -> (name, chars) of this turn's tool calls
        self.calls_sent: dict[int, int] = {}  # slot -> chars last sent
        self.ending: dict[str, Any] | None = None  # run_end's figures, from the summary
        self.ended = False
        self.emit_lock = threading.Lock()  # chapters drafted at once report from worker threads

    def start(self, command: str, args: dict[str, Any], models: dict[str, str | None]) -> None:
        self.emit("run_start", command=command, args=args, models=models)

    def opened(self, state_dir: Path) -> None:
        """The run's project is known: its events go to its log from now on."""
        self.log.attach(state_dir / EVENTS_FILE)

    def emit(self, type_: str, **fields: Any) -> None:
        with self.emit_lock:
            self.log.emit(type_, **fields)

    def _flush_text(self) -> None:
        if self.buffered is not None:
            kind, text = self.buffered
            self.buffered = None
            self.emit(kind, text=text)
            self.sent_at = self.clock()

    def _stream(self, kind: str, text: str) -> None:
        if self.buffered is not None and self.buffered[0] != kind:
            self._flush_text()
        self.buffered = (kind, (self.buffered[1] if self.buffered else "") + text)
        if self.clock() - self.sent_at >= BATCH_SECONDS:
            self._flush_text()

    def iteration(self, number: int, limit: int, used: int, token_limit: int) -> None:
        self.end_turn()
        self.emit("iteration", n=number, limit=limit, context_tokens=used, context_limit=token_limit)

    def on_reasoning(self, text: str) -> None:
        self._stream("reasoning", text)

    def on_content(self, text: str) -> None:
        self._stream("content", text)

    def on_tool_call(self, index: int, name: str, chars: int) -> None:
        self.calls[index] = (name, chars)
        if self.clock() - self.sent_at >= BATCH_SECONDS:
            self._send_calls()

    def _send_calls(self) -> None:
        self._flush_text()
        for slot, (name, chars) in self.calls.items():
            if self.calls_sent.get(slot) != chars:
                self.calls_sent[slot] = chars
                self.emit("tool_call", name=name, chars=chars)
        self.sent_at = self.clock()

    def end_turn(self) -> None:
        self._send_calls()
        self.calls, self.calls_sent = {}, {}

    def tool_result(self, summary: str, ok: bool, name: str = "", written: tuple[str, int] | None = None) -> None:
        self.end_turn()
        where = {"file": written[0], "words": written[1]} if written else {}
        self.emit("tool_result", name=name, ok=ok, summary=summary, **where)

    def review(self, file: str, overall: float | None, scores: dict[str, int], reason: str | None = None) -> None:
        self.end_turn()
        self.emit("review", file=file, overall=overall, scores=scores, **({"reason": reason} if reason else {}))

    def draft_progress(self, name: str, chars: int | None) -> None:
        """A chapter drafted by the writer model: a draft_chapter tool_call as it starts, then its
        progress, batched (called from worker threads)."""
        if chars is None:
            self.drafts.pop(name, None)
            return
        if name in self.drafts and self.clock() - self.sent_at < BATCH_SECONDS:
            return
        self.drafts[name] = chars
        self.sent_at = self.clock()
        self.emit("tool_call", name="draft_chapter", chars=chars, file=name)

    def notice(self, text: str) -> None:
        self.end_turn()
        self.emit("notice", text=text)

    def summary(self, run: RunSummary) -> None:
        """The run's figures: kept for run_end, which close() sends last."""
        self.end_turn()
        figures = run.this_run
        self.ending = {"outcome": run.full_outcome or run.outcome or "", "iterations": figures.iterations,
                       "prompt_tokens": figures.prompt_tokens, "completion_tokens": figures.completion_tokens,
                       "cost": figures.cost, "estimated": figures.estimated}

    def close(self, exit_code: int, outcome: str = "") -> None:
        """The last event of the run: run_end, with the summary's figures (zeros when none came)."""
        if self.ended:
            return
        self.end_turn()
        self.ended = True
        ending = self.ending or {"outcome": outcome, "iterations": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                 "cost": None, "estimated": False}
        if outcome and not ending["outcome"]:
            ending["outcome"] = outcome
        self.emit("run_end", exit_code=int(exit_code), **ending)


class _Nowhere:
    """Where the inherited plain view would print: nowhere (the events are the only output)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class Both:
    """A console view and the event log at once: every call of the display interface goes to both."""

    def __init__(self, view: PlainDisplay, events: EventDisplay):
        self.view, self.events = view, events

    def __getattr__(self, name: str) -> Callable[..., None]:
        view, events = getattr(self.view, name), getattr(self.events, name)

        def both(*args: Any, **kwargs: Any) -> None:
            view(*args, **kwargs)
            events(*args, **kwargs)
        return both


class NoticesOnly(PlainDisplay):
    """The console view of a command that prints its own report (review, revise): the notices only."""

    def _quiet(self, *args: Any, **kwargs: Any) -> None:
        """Shown by the command's own table."""

    iteration = on_reasoning = on_content = on_tool_call = end_turn = tool_result = summary = draft_progress = _quiet
