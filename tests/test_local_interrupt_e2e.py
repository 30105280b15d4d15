"""Ctrl+C while the real bundled model is generating: the run stops cleanly every time (exit
130, no traceback, no crash in llama.cpp) and the book's state is saved for --recover."""

from __future__ import annotations

import importlib.util
import json
import time

import pytest

from tests.local_runner import LocalRun

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                reason="llama_cpp is not installed; install the local extra: pip install -e '.[local]'")

CRASHES = (-11, 139, -6, 134)  # SIGSEGV, SIGABRT (as a signal or as a shell's exit code)


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8, 1.5, 2.5])
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
    [project] = (tmp_path / "projects").iterdir()
    state = json.loads((project / ".kimi_writer" / "session.json").read_text())
    assert state["outcome"].startswith("Interrupted")
    assert "Resume with: kimi-writer write --recover" in run.stdout
