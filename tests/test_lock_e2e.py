"""One book, one folder, one run at a time: two CLI runs at once against scripted servers."""

from __future__ import annotations

import json
import subprocess
import time

from tests.conftest import CLI, TEST_KEY, clean_env, tool_results
from tests.scripted_server import ScriptedServer, Turn, tool_call
from tests.test_write_e2e import tool_turn


def start(tmp_path, server, *args: str) -> subprocess.Popen:
    env = clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url,
                    KIMI_WRITER_RETRY_BASE_DELAY="0.05")
    return subprocess.Popen([str(CLI), *args], cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def wait_for_requests(server, count: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while len(server.requests) < count and time.time() < deadline:
        time.sleep(0.05)
    assert len(server.requests) >= count, "the first run never reached the server"


def make_book(server, run_cli, tmp_path, name: str = "Locked"):
    server.add(tool_turn(tool_call("create_project", project_name=name)),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content="One.\n")),
               Turn(content="done"))
    assert run_cli("write", "A book").returncode == 0
    return tmp_path / "projects" / name


def test_a_second_run_on_a_busy_project_exits_2_naming_the_first(server, run_cli, tmp_path):
    project = make_book(server, run_cli, tmp_path)
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content="Two.\n"), hang=10),
               Turn(content="done"))
    first = start(tmp_path, server, "write", "--recover", str(project))
    try:
        wait_for_requests(server, 4)
        second = run_cli("write", "--recover", str(project), timeout=120)
        draft = run_cli("draft", str(project), timeout=120)
    finally:
        stdout, stderr = first.communicate(timeout=120)
    assert second.returncode == 2, second.stdout + second.stderr
    assert second.stderr.startswith("Error: ") and len(second.stderr.strip().splitlines()) == 1, second.stderr
    assert f"is in use by another kimi-writer run (process {first.pid}: kimi-writer write --recover" in second.stderr
    assert draft.returncode == 2 and f"(process {first.pid}:" in draft.stderr, draft.stderr
    assert len(server.requests) == 5  # neither second run called the model
    assert first.returncode == 0, stdout + stderr
    saved = json.loads((project / ".kimi_writer/session.json").read_text())
    assert set(saved["written"]) == {"chapter_01.md", "chapter_02.md"}
    assert not (project / ".kimi_writer/lock").exists()  # released at exit

    server.add(Turn(content="done"))
    again = run_cli("write", "--recover", str(project))
    assert again.returncode == 0 and "Took over" not in again.stdout, again.stdout + again.stderr


def test_two_new_books_of_the_same_name_at_once_get_two_folders(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Same")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content="First.\n"), hang=10),
               Turn(content="done"))
    first = start(tmp_path, server, "write", "The first book")
    try:
        wait_for_requests(server, 2)
        with ScriptedServer() as other:
            other.add(tool_turn(tool_call("create_project", project_name="Same")),
                      tool_turn(tool_call("write_file", filename="chapter_01.md", content="Second.\n")),
                      Turn(content="done"))
            second = run_cli("write", "The second book", env={"KIMI_WRITER_BASE_URL": other.base_url}, timeout=120)
            renamed = tool_results(other)["call_1"]
    finally:
        stdout, stderr = first.communicate(timeout=120)
    assert second.returncode == 0 and first.returncode == 0, second.stderr + stderr
    assert "'Same_2'" in renamed and "created project Same_2" in second.stdout
    assert (tmp_path / "projects/Same/chapter_01.md").read_text() == "First.\n"
    assert (tmp_path / "projects/Same_2/chapter_01.md").read_text() == "Second.\n"
    first_state = json.loads((tmp_path / "projects/Same/.kimi_writer/session.json").read_text())
    assert first_state["prompt"] == "The first book"
    assert json.loads((tmp_path / "projects/Same_2/.kimi_writer/session.json").read_text())["prompt"] == "The second book"


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_notice(server, run_cli, tmp_path):
    project = make_book(server, run_cli, tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (project / ".kimi_writer/lock").write_text(json.dumps({"pid": dead.pid, "command": "kimi-writer write x"}))
    server.add(Turn(content="done"))
    result = run_cli("write", "--recover", str(project))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"Took over the lock of Locked, left by process {dead.pid}: kimi-writer write x, "
            "which is no longer running.") in result.stdout


def test_a_crafted_lock_file_is_taken_over_and_never_echoed_raw(server, run_cli, tmp_path):
    project = make_book(server, run_cli, tmp_path)
    (project / ".kimi_writer/lock").write_text('{"pid": "1; rm -rf", "command": "\x1b[31mred"}')
    server.add(Turn(content="done"))
    result = run_cli("write", "--recover", str(project))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Took over the lock of Locked, left by another process, which is no longer running." in result.stdout
    assert "\x1b" not in result.stdout and not (project / ".kimi_writer/lock").exists()
