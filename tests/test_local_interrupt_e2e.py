"""Ctrl+C while the real bundled model is generating: the run stops cleanly every time (exit
130, no traceback, no crash in llama.cpp) and the book's state is saved for --recover. Any
exception that leaves the `local.serve()` block (a SIGTERM handler's) stops the model first."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time

import pytest

from tests.local_runner import LocalRun

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                reason="llama_cpp is not installed; install the local extra: pip install -e '.[local]'")

CRASHES = (-11, 139, -6, 134)  # SIGSEGV, SIGABRT (as a signal or as a shell's exit code)


@pytest.mark.parametrize("delay", [0.0, 0.8, 2.5])
def test_ctrl_c_during_generation_exits_130_and_keeps_the_state(tmp_path, delay):
    run = LocalRun(tmp_path, "write", "A short fable about a fox", "--provider", "local", "--max-iterations", "4")
    run.expect("-> created project")
    run.expect("[thinking] Next: the outline")  # the model is writing the outline's call now
    time.sleep(delay)
    run.interrupt()
    code = run.finish()

    assert code not in CRASHES, run.output
    assert code == 130, run.output
    assert "Traceback" not in run.stderr and "Segmentation" not in run.stderr, run.output
    assert "decode" not in run.stderr, run.output  # llama.cpp's log of the stopped step stays quiet
    assert run.seconds_since_interrupt < 10, run.output  # the model stops at once, not at its turn's end
    [project] = (tmp_path / "projects").iterdir()
    state = json.loads((project / ".kimi_writer" / "session.json").read_text())
    assert state["outcome"].startswith("Interrupted")
    assert "Resume with: kimi-writer write --recover" in run.stdout


SERVE_THEN_FAIL = """
import json, sys, threading, time, urllib.request
from kimi_writer import local

class Stop(Exception):
    pass

def ask(url):
    prompt = "Tell a long story about a fox. " * 600  # seconds of work before the first token
    body = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": prompt}]}).encode()
    try:
        urllib.request.urlopen(urllib.request.Request(url + "/chat/completions", body,
                                                      {"Content-Type": "application/json"})).read()
    except OSError:
        pass  # the server has stopped

try:
    with local.serve() as endpoint:
        threading.Thread(target=ask, args=(endpoint.base_url,), daemon=True).start()
        time.sleep(1)
        began = time.monotonic()
        raise Stop()  # as a SIGTERM handler might, while llama.cpp reads the prompt
except Stop:
    sys.exit(143 if time.monotonic() - began < 10 else 1)  # 1: the block waited for the whole prompt
"""


def test_any_exception_in_the_serve_block_stops_the_model_before_it_is_freed():
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", SERVE_THEN_FAIL], capture_output=True, text=True, timeout=600)

        assert result.returncode == 143, result.stderr[-3000:]  # not -11: no crash in llama.cpp
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
