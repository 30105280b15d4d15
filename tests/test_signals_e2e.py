"""SIGTERM and SIGHUP stop a run the way Ctrl+C does; any of them during start-up ends it quietly."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time

import pytest

from tests.conftest import CLI, TEST_KEY, assert_clean_protocol, clean_env
from tests.scripted_server import Turn, tool_call
from tests.test_recovery_e2e import CHAPTER, resume_command
from tests.test_write_e2e import tool_turn


def start(tmp_path, server, *args: str, **popen) -> subprocess.Popen:
    env = clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url)
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen([str(CLI), *args], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize(("signal_number", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_mid_stream_saves_and_resumes(server, run_cli, tmp_path, signal_number, code):
    server.add(tool_turn(tool_call("create_project", project_name="Night Book")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER)),
               tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER), delay=0.05))
    process = start(tmp_path, server, "write", "A night book")
    wait_for(lambda: len(server.requests) >= 3)
    time.sleep(0.5)  # the slow stream is now half sent
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stdout + stderr
    assert "Traceback" not in stderr
    signal_name = signal.Signals(signal_number).name
    assert f"Interrupted ({signal_name}); the unfinished turn was dropped." in stdout
    project = tmp_path / "projects" / "Night_Book"
    assert not (project / "chapter_02.md").exists()  # the half turn was dropped, never executed
    assert len(list(project.glob(".context_summary_*.md"))) == 1
    state = json.loads((project / ".kimi_writer/session.json").read_text())
    assert state["messages"][-1]["role"] == "tool" and state["iteration"] == 3
    assert state["runs"][-1]["outcome"].startswith(f"Interrupted ({signal_name})")

    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER)), Turn(content="done"))
    resumed = run_cli(*resume_command(stdout))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (project / "chapter_02.md").read_text() == CHAPTER
    assert_clean_protocol(server)


def loaded(pid: int, library: str) -> bool:
    """Whether the process has mapped a shared library (it is busy importing the CLI)."""
    try:
        return library in open(f"/proc/{pid}/maps").read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
@pytest.mark.parametrize(("signal_number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_importing_prints_no_traceback(server, tmp_path, signal_number, code):
    process = start(tmp_path, server, "write", "A night book")
    wait_for(lambda: loaded(process.pid, "pydantic_core") or process.poll() is not None)
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stdout + stderr
    assert "Traceback" not in stderr and "Interrupted" in stdout + stderr


@pytest.mark.parametrize(("signal_number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_at_the_prompt_prints_no_traceback(server, tmp_path, signal_number, code):
    main, terminal = pty.openpty()
    try:
        process = start(tmp_path, server, "write", stdin=terminal)
        seen = ""
        while "What should the book be about?" not in seen:
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, seen
            seen += os.read(process.stdout.fileno(), 1000).decode()
        process.send_signal(signal_number)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.close(main)
        os.close(terminal)
    assert process.returncode == code, stdout + stderr
    assert "Traceback" not in stderr and "Interrupted." in stderr
    assert server.requests == []
