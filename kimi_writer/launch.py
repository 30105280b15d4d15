"""The `kimi-writer` entry point: signal handlers first, then the (slow) import of the CLI.

Ctrl+C, SIGTERM and SIGHUP all raise `Interrupted`: the agent loop drops the unfinished turn,
saves the state and a checkpoint, and exits with the signal's code; before the loop starts
(while importing, loading settings or asking for the prompt) they end the program quietly.
"""

from __future__ import annotations

import signal
import sys

from .core.errors import ExitCode, Interrupted, mute_stdout

SIGNALS = {"SIGINT": ("Ctrl+C", ExitCode.INTERRUPTED), "SIGTERM": ("SIGTERM", ExitCode.TERMINATED),
           "SIGHUP": ("SIGHUP", ExitCode.HANGUP)}


def _raise_interrupted(number: int, frame: object) -> None:
    how, code = SIGNALS[signal.Signals(number).name]
    raise Interrupted(how, code)


def install_signal_handlers() -> None:
    """Make Ctrl+C, SIGTERM and SIGHUP raise Interrupted in the main thread."""
    for name in SIGNALS:
        number = getattr(signal, name, None)  # no SIGHUP on Windows
        if number is not None:
            signal.signal(number, _raise_interrupted)


def exit_interrupted(interrupt: BaseException) -> None:
    """End the program after an interruption: one line, no traceback, the signal's exit code."""
    sys.stderr.write("Interrupted.\n")
    raise SystemExit(int(getattr(interrupt, "exit_code", ExitCode.INTERRUPTED)))


def main() -> None:
    install_signal_handlers()
    try:
        from .cli import app

        app()
    except (KeyboardInterrupt, Interrupted) as interrupt:
        exit_interrupted(interrupt)
    except BrokenPipeError:  # `kimi-writer status X | head -1`: the reader has all it wanted
        mute_stdout()
        raise SystemExit(int(ExitCode.PIPE_CLOSED)) from None
