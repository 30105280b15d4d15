"""Runs started from the studio: the CLI itself as a child process, with `--json`.

The child's JSON lines on stdout are the run's events (the same objects it appends to the book's
events.jsonl); the studio keeps them in memory, so a stream can start at `run_start` whenever a
page connects, even for a new book whose folder did not exist when the run began. Stop sends
SIGTERM: the run saves a checkpoint and exits 143, as it does from a terminal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ..flags import WRITE_FLAGS

_SCRIPT = Path(sys.executable).parent / "kimi-writer"
CLI = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "kimi_writer"]  # the installed CLI
# The options a page may pass: the CLI's own flags of write, review and revise, minus where files go.
OPTIONS = (set(WRITE_FLAGS) - {"projects_dir", "model_path"}) | {
    "chapters", "below", "rounds", "force", "note", "max_tokens", "max_cost", "parallel"}
COMMANDS = {"write", "recover", "review", "revise"}
START_WAIT = 60.0  # seconds for a child's first event (a loaded machine imports slowly)


class RunRefused(Exception):
    """A run that cannot be started: the sentence says why (the page shows it; 400)."""


@dataclass
class Run:
    """One child run: its events so far, its process, and the book it works on (once known)."""

    command: str
    book: str | None
    process: subprocess.Popen
    events: list[dict] = field(default_factory=list)
    errors: deque = field(default_factory=lambda: deque(maxlen=20))
    started: threading.Event = field(default_factory=threading.Event)
    ended: bool = False

    @property
    def id(self) -> str:
        return str(self.events[0].get("run", "")) if self.events else ""


def option_args(options: object) -> list[str]:
    """`--flag=value` for each option (True: `--flag`; False, None or '': left out)."""
    if not isinstance(options, dict):
        raise RunRefused("options must be an object of the CLI's flags, like {\"model\": \"kimi-k2.6\"}")
    args = []
    for key, value in options.items():
        if key not in OPTIONS:
            raise RunRefused(f"{key!r} is not an option a run takes here; use the CLI's flag names")
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
            args.append(f"{flag}={value}")
        elif value not in (False, None, ""):
            raise RunRefused(f"{key!r} takes a word or a number")
    return args


def command_args(command: str, book_path: Path | None, prompt: str, projects_dir: Path, options: object) -> list[str]:
    """The CLI's arguments for one run."""
    flags = option_args(options)
    if command == "write":
        if not prompt.strip():
            raise RunRefused("write needs a prompt: what to write")
        return ["write", f"--projects-dir={projects_dir}", "--json", *flags, "--", prompt]
    if command == "recover":
        return ["write", f"--recover={book_path}", "--json", *flags]
    return [command, str(book_path), "--json", *flags]


class Runs:
    """The runs this studio started, by run id."""

    def __init__(self, cli: list[str] | None = None):
        self.cli = list(cli or CLI)
        self.runs: dict[str, Run] = {}
        self._lock = threading.Lock()

    def start(self, command: str, book: str | None, args: list[str]) -> Run:
        """Start the child and wait for its first event (RunRefused with its own words if it ends first)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        process = subprocess.Popen([*self.cli, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env, start_new_session=True)
        run = Run(command, book, process)
        threading.Thread(target=self._read_errors, args=(run,), daemon=True).start()
        threading.Thread(target=self._read_events, args=(run,), daemon=True).start()
        run.started.wait(START_WAIT)
        if not run.events:
            process.kill() if process.poll() is None else None
            process.wait()
            said = [line for line in run.errors if line.strip()]
            raise RunRefused(said[-1].strip() if said else f"the run ended at once (exit {process.returncode})")
        with self._lock:
            self.runs[run.id] = run
        return run

    def _read_events(self, run: Run) -> None:
        for line in run.process.stdout:  # type: ignore[union-attr]
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                run.events.append(event)
                run.started.set()
        code = run.process.wait()
        if run.events and run.events[-1].get("type") != "run_end":
            run.events.append({"run": run.id, "seq": len(run.events), "type": "run_end",
                               "outcome": "The run ended without a summary.", "exit_code": code})
        run.ended = True
        run.started.set()

    def _read_errors(self, run: Run) -> None:
        for line in run.process.stderr:  # type: ignore[union-attr]
            run.errors.append(line.decode("utf-8", errors="replace"))

    def get(self, run_id: str) -> Run | None:
        with self._lock:
            return self.runs.get(run_id)

    def live(self) -> list[Run]:
        with self._lock:
            return [run for run in self.runs.values() if run.process.poll() is None]

    def stop(self, run: Run) -> bool:
        """SIGTERM to the run's process; False when it had already ended."""
        if run.process.poll() is not None:
            return False
        run.process.send_signal(signal.SIGTERM)
        return True

    def stop_all(self, wait: float = 60.0) -> None:
        """At the studio's exit: SIGTERM to every live run, then wait for each to save and end."""
        live = self.live()
        for run in live:
            self.stop(run)
        for run in live:
            try:
                run.process.wait(wait)
            except subprocess.TimeoutExpired:
                run.process.kill()
