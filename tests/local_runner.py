"""The installed `kimi-writer` with the real bundled model, its output read as it comes: a run
fails only when it stops making progress (no new output line for a long while), not at a fixed
time, since the same book takes a minute on an idle machine and several on a busy one."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time

from tests.conftest import CLI, clean_env

QUIET_LIMIT = 300.0  # seconds without a new line of output: the run hangs
TOTAL_LIMIT = 1800.0  # the overall cap, far above the slowest run seen (see README)
_END = None


class LocalRun:
    """`kimi-writer ARGS` in `folder`, started at once; `expect` and `finish` read its output."""

    def __init__(self, folder, *args: str):
        self.started = time.monotonic()
        self.process = subprocess.Popen([str(CLI), *args], cwd=folder, env=clean_env(folder), text=True,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stdout, self.stderr, self._lines = "", "", queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stdout, self._lines.put), daemon=True).start()
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_thread.start()

    @staticmethod
    def _pump(stream, put) -> None:
        for line in stream:
            put(line)
        put(_END)

    def _read_stderr(self) -> None:
        self.stderr = self.process.stderr.read()

    def _next_line(self) -> str | None:
        """The next line of stdout, None at its end; fails the test when the run hangs."""
        left = TOTAL_LIMIT - (time.monotonic() - self.started)
        try:
            line = self._lines.get(timeout=max(0.0, min(QUIET_LIMIT, left)))
        except queue.Empty:
            self.process.kill()
            raise AssertionError(f"no progress for {min(QUIET_LIMIT, left):.0f} s; output so far:\n"
                                 + self.stdout[-3000:]) from None
        self.stdout += line or ""
        return line

    def expect(self, text: str) -> str:
        """Read up to the first line containing `text`; fails if the output ends first."""
        while (line := self._next_line()) is not _END:
            if text in line:
                return line
        raise AssertionError(f"the run ended before {text!r}:\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}")

    def interrupt(self) -> None:
        self.interrupted = time.monotonic()
        self.process.send_signal(signal.SIGINT)

    def finish(self) -> int:
        """Read to the end of the output; the exit code."""
        while self._next_line() is not _END:
            pass
        code = self.process.wait(timeout=QUIET_LIMIT)
        self.ended = time.monotonic()
        self._stderr_thread.join(timeout=QUIET_LIMIT)
        return code

    @property
    def seconds_since_interrupt(self) -> float:
        return self.ended - self.interrupted

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def output(self) -> str:
        return self.stdout[-3000:] + self.stderr[-3000:]
