"""What the user watches: a rich live view on a terminal, plain lines everywhere else."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..core.language import amount, unit_name
from ..core.text import printable

WORDS_PER_CHAR = 1 / 6  # rough words in a stream of English prose, for the progress line


@dataclass
class RunFigures:
    """Iterations and tokens of one run, or of the whole book (`runs` > 1)."""

    iterations: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    estimated: bool = False  # the server reported no usage for some requests: counted offline
    runs: int = 1


@dataclass
class RunSummary:
    outcome: str | None  # None: the caller says how the run ended (a plan-only run's notice)
    project: str | None
    files: list[tuple[str, int]]  # files written this run, with their words now
    this_run: RunFigures
    book: RunFigures | None = None  # the book's totals, when earlier runs count too
    language: str = "en"  # the book's: how the files' lengths are named (words, 字)
    full_outcome: str = ""  # the outcome even when a notice says it (a plan-only run's end), for the events


@dataclass
class _TurnView:
    reasoning: str = ""
    content: str = ""
    tool_calls: dict[int, tuple[str, int]] = field(default_factory=dict)  # slot -> (name, chars)
    thinking_since: float | None = None  # when the first reasoning arrived
    thinking_until: float | None = None  # when the first text or tool call came after it


def _meter(used: int, limit: int) -> str:
    return f"context {used:,}/{limit:,} tokens ({used / limit:.0%})"


def _tool_line(name: str, chars: int) -> str:
    return f"tool call: {name or '…'} ({chars:,} chars, ~{int(chars * WORDS_PER_CHAR):,} words)"


class PlainDisplay:
    """Plain lines with no control codes, for pipes, files and CI."""

    def __init__(self, stream=None):
        self.out = stream or sys.stdout
        self.turn = _TurnView()
        self._open_section: str | None = None
        self._lock = threading.Lock()
        self.drafts: dict[str, int] = {}  # chapters being drafted -> characters received

    def _write(self, text: str) -> None:
        with self._lock:
            self.out.write(text)
            self.out.flush()

    def draft_progress(self, name: str, chars: int | None) -> None:
        """A chapter draft started (0), grew (chars) or ended (None); called from worker threads."""
        if chars is None:
            self.drafts.pop(name, None)
        elif name not in self.drafts:
            self.drafts[name] = chars
            self._write(f"drafting {name}…\n")
        else:
            self.drafts[name] = chars

    def _section(self, name: str) -> None:
        if self._open_section != name:
            self._write(("\n" if self._open_section else "") + f"[{name}] ")
            self._open_section = name

    def iteration(self, number: int, limit: int, used: int, token_limit: int) -> None:
        self.turn = _TurnView()
        self._write(f"Iteration {number}/{limit} · {_meter(used, token_limit)}\n")

    def on_reasoning(self, text: str) -> None:
        self._section("thinking")
        self._write(printable(text))  # a model's bytes never drive the terminal

    def on_content(self, text: str) -> None:
        self._section("response")
        self._write(printable(text))

    def on_tool_call(self, index: int, name: str, chars: int) -> None:
        self.turn.tool_calls[index] = (name, chars)

    def end_turn(self) -> None:
        if self._open_section:
            self._write("\n")
            self._open_section = None
        for name, chars in self.turn.tool_calls.values():
            self._write(_tool_line(name, chars) + "\n")
        self.turn.tool_calls = {}  # printed once: a later notice must not print them again

    def tool_result(self, summary: str, ok: bool, name: str = "", written: tuple[str, int] | None = None) -> None:
        """A tool's result in one line (`name` and the file `written`, with its words, are for the events)."""
        self._write(("  -> " if ok else "  !! ") + summary + "\n")

    def review(self, file: str, overall: float | None, scores: dict[str, int], reason: str | None = None) -> None:
        """A chapter's review (the console shows it in a tool result or a table)."""

    def start(self, command: str, args: dict, models: dict) -> None:
        """The run starts (the events say which command, with which models)."""

    def opened(self, state_dir: Path) -> None:
        """The run's project is known."""

    def close(self, exit_code: int, outcome: str = "") -> None:
        """The run is over, with this exit code."""

    def notice(self, text: str) -> None:
        self.end_turn()
        self._write(text + "\n")

    def summary(self, run: RunSummary) -> None:
        self._write("\n" + "\n".join(_summary_lines(run)) + "\n")


def _figures(label: str, run: RunFigures) -> str:
    plural = "s" if run.iterations != 1 else ""
    runs = f" over {run.runs} runs" if run.runs > 1 else ""
    estimated = " (estimated: the server reported no usage)" if run.estimated else ""
    cost = f" · estimated cost ${run.cost:.4f}" if run.cost is not None else ""
    return (f"{label}: {run.iterations} iteration{plural}{runs} · tokens in {run.prompt_tokens:,}, "
            f"out {run.completion_tokens:,}{estimated}{cost}")


def _summary_lines(run: RunSummary, with_files: bool = True) -> list[str]:
    lines = [run.outcome] if run.outcome else []
    if run.project:
        lines.append(f"Project: {run.project}")
    for name, words in run.files if with_files else []:
        lines.append(f"  {name}: {amount(words, run.language)}")
    lines.append(_figures("This run", run.this_run))
    if run.book is not None:
        lines.append(_figures("Whole book", run.book))
    return lines


def thought_for(turn: _TurnView, now: float) -> str:
    """How long the model thought and how much: "thought for 12 s (about 340 words)"."""
    seconds = (turn.thinking_until or now) - (turn.thinking_since or now)
    shown = f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"
    words = len(turn.reasoning.split())
    return f"thought for {shown} s (about {words:,} word{'s' if words != 1 else ''})"


class LiveDisplay(PlainDisplay):
    """A rich live region per model turn: iteration, meter, dimmed reasoning, text, tool progress."""

    REASONING_TAIL = 600
    CONTENT_TAIL = 1200

    def __init__(self, console: Console, show_reasoning: bool = False, clock=time.monotonic):
        super().__init__(console.file)
        self.console = console
        self.header = ""
        self.live: Live | None = None
        self.show_reasoning = show_reasoning
        self.clock = clock

    def iteration(self, number: int, limit: int, used: int, token_limit: int) -> None:
        self.turn = _TurnView()
        self.header = _meter(used, token_limit)  # the rule above names the iteration
        self.console.rule(f"[bold]Iteration {number}/{limit}", style="blue")
        self.live = Live(console=self.console, get_renderable=self._render, refresh_per_second=8, transient=True)
        self.live.start()

    def _render(self) -> Group:
        parts = [Text(self.header, style="bold cyan")]
        if self.turn.reasoning:
            parts.append(Text(self.turn.reasoning[-self.REASONING_TAIL:], style="dim italic"))
        if self.turn.content:
            parts.append(Text(self.turn.content[-self.CONTENT_TAIL:]))
        parts += [Text(_tool_line(n, c), style="yellow") for n, c in self.turn.tool_calls.values()]
        return Group(*parts)

    def on_reasoning(self, text: str) -> None:
        if self.turn.thinking_since is None:
            self.turn.thinking_since = self.clock()
        self.turn.reasoning += printable(text)

    def on_content(self, text: str) -> None:
        self._stop_thinking()
        self.turn.content += printable(text)

    def on_tool_call(self, index: int, name: str, chars: int) -> None:
        self._stop_thinking()
        super().on_tool_call(index, name, chars)

    def _stop_thinking(self) -> None:
        if self.turn.thinking_since is not None and self.turn.thinking_until is None:
            self.turn.thinking_until = self.clock()

    def _print_reasoning(self) -> None:
        """The turn's reasoning: in full with --show-reasoning, and how long and how much."""
        if self.show_reasoning:
            self.console.print(Text(self.turn.reasoning, style="dim italic"))
        self.console.print(Text(thought_for(self.turn, self.clock()), style="dim italic"))

    def end_turn(self) -> None:
        if self.live is None:
            return
        self.live.stop()
        self.live = None
        self.console.print(Text(self.header.split(" · ", 1)[-1], style="cyan"))
        if self.turn.reasoning:
            self._print_reasoning()
        if self.turn.content:
            self.console.print(Text(self.turn.content))
        for name, chars in self.turn.tool_calls.values():
            self.console.print(Text(_tool_line(name, chars), style="yellow"))

    def tool_result(self, summary: str, ok: bool, name: str = "", written: tuple[str, int] | None = None) -> None:
        self.console.print(Text(("  ✓ " if ok else "  ✗ ") + summary, style="green" if ok else "red"))

    def draft_progress(self, name: str, chars: int | None) -> None:
        """One live line per chapter in flight."""
        with self._lock:
            if chars is None:
                self.drafts.pop(name, None)
            else:
                self.drafts[name] = chars
            if self.drafts and self.live is None:
                self.live = Live(console=self.console, get_renderable=self._render_drafts,
                                 refresh_per_second=8, transient=True)
                self.live.start()
            elif not self.drafts and self.live is not None:
                self.live.stop()
                self.live = None

    def _render_drafts(self) -> Group:
        return Group(*[Text(f"drafting {name}: {chars:,} chars, ~{int(chars * WORDS_PER_CHAR):,} words",
                            style="yellow") for name, chars in list(self.drafts.items())])

    def notice(self, text: str) -> None:
        self.end_turn()
        self.console.print(Text(text, style="bold"))

    def summary(self, run: RunSummary) -> None:
        rest = _summary_lines(run, with_files=False)
        if run.outcome:
            self.console.print(Text(rest.pop(0), style="bold"))
        if run.files:
            table = Table(show_footer=False)
            table.add_column("file written")
            table.add_column(unit_name(run.language), justify="right")
            for name, words in run.files:
                table.add_row(name, f"{words:,}")
            self.console.print(table)
        self.console.print(Text("\n".join(rest)))


def make_display(show_reasoning: bool = False) -> PlainDisplay:
    """A live display on a terminal, plain lines otherwise (which show all the reasoning anyway)."""
    console = Console()
    return LiveDisplay(console, show_reasoning) if console.is_terminal else PlainDisplay()
