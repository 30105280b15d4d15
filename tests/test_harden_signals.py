"""Hardening: a signal stops review and revise within 2 s, replacing nothing after it (issue 28, part 4)."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.conftest import CLI, TEST_KEY, clean_env
from tests.sample_book import write_sample_book
from tests.scripted_server import Turn
from tests.test_revise import scored


def start(tmp_path, server, *args: str) -> subprocess.Popen:
    env = clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url)
    return subprocess.Popen([str(CLI), *args], cwd=tmp_path, env=env, text=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize(("signal_number", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130),
                                                     (signal.SIGHUP, 129)])
def test_a_signal_stops_revise_at_once_and_nothing_is_replaced_after_it(tmp_path, server, signal_number, code):
    root = write_sample_book(tmp_path / "projects")
    original = (root / "chapter_1.md").read_bytes()
    server.add(scored(5), Turn(content="# Chapter 1\n\nThe revision.\n", hang=8), scored(9))
    process = start(tmp_path, server, "revise", str(root), "--chapters", "1", "--rounds", "1")
    wait_for(lambda: len(server.requests) >= 2)  # the writer's request is in flight
    sent = time.monotonic()
    process.send_signal(signal_number)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)  # a second Ctrl+C during the shutdown
    stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 2.0
    assert process.returncode == code, stdout + stderr
    assert "Traceback" not in stderr and "Interrupted." in stderr
    assert "interrupted" in next(line for line in stdout.splitlines() if "chapter_1.md" in line)
    time.sleep(9)  # the abandoned request would have been answered by now
    assert (root / "chapter_1.md").read_bytes() == original and len(server.requests) == 2
    assert not (root / ".kimi_writer" / "lock").exists()


def test_a_signal_stops_review_at_once(tmp_path, server):
    root = write_sample_book(tmp_path / "projects")
    server.add(Turn(content="", hang=8))
    process = start(tmp_path, server, "review", str(root), "--chapters", "1")
    wait_for(lambda: len(server.requests) >= 1)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 2.0 and process.returncode == 143, stdout + stderr
    assert "Traceback" not in stderr and "interrupted" in stdout
    assert not (root / ".kimi_writer" / "lock").exists()
