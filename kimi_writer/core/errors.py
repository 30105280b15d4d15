"""Exit codes and the exceptions that steer the agent loop."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of `kimi-writer` (see docs/reference.md)."""

    FINISHED = 0  # the model finished the book (answered without a tool call)
    ERROR = 1  # an unexpected internal error
    USAGE = 2  # a user mistake: missing key, bad flag, bad path
    ITERATION_LIMIT = 3  # --max-iterations reached before the model finished
    MODEL_ERROR = 4  # the server or the model failed in a way retrying cannot fix
    BUDGET = 5  # --max-cost or --max-tokens would be exceeded by the next call
    INCOMPLETE = 6  # the model said it was done, but chapters of the outline are still unwritten
    HANGUP = 129  # SIGHUP (the terminal went away)
    PIPE_CLOSED = 141  # the reader of the output went away (`| head`): 128 + SIGPIPE, as a shell reports it
    INTERRUPTED = 130  # Ctrl+C
    TERMINATED = 143  # SIGTERM


class Interrupted(BaseException):
    """Ctrl+C, SIGTERM or SIGHUP: stop now, save what there is, exit with the signal's code.
    A BaseException, like KeyboardInterrupt, so that no `except Exception` swallows it."""

    def __init__(self, how: str, exit_code: ExitCode):
        super().__init__(how)
        self.how, self.exit_code = how, exit_code


def mute_stdout() -> None:
    """Send what is still printed to /dev/null: the reader of the output (`| head`) has gone, and the
    run must still save its state and checkpoint, with no traceback and no "Exception ignored" line."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class UserError(Exception):
    """A mistake the user can fix; printed as one plain sentence (exit 2)."""


class AgentStop(Exception):
    """Base for the exceptions that end an agent run."""

    exit_code: ExitCode = ExitCode.ERROR


class Finished(AgentStop):
    """The model answered without a tool call: the run is complete."""

    exit_code = ExitCode.FINISHED


class IterationLimitReached(AgentStop):
    """The run used all of its iterations."""

    exit_code = ExitCode.ITERATION_LIMIT


class FatalModelError(AgentStop):
    """The server or the model cannot go on (bad key, unknown model, repeated format errors)."""

    exit_code = ExitCode.MODEL_ERROR


class SaveFailed(AgentStop):
    """The state could not be saved (a full disk, a read-only folder): stop before losing more."""

    exit_code = ExitCode.MODEL_ERROR


class ContextFull(AgentStop):
    """The history cannot be brought back under the token limit."""

    exit_code = ExitCode.MODEL_ERROR


class BudgetExceeded(AgentStop):
    """The next call would go over --max-cost or --max-tokens."""

    exit_code = ExitCode.BUDGET


class ContextOverflow(Exception):
    """A request does not fit the model's context window (its prompt plus the room kept for the
    reply). The local server raises it before answering 400; the caller raises it when a server
    answers that 400. The agent's loop catches it, compresses, and retries once."""
