"""Long runs: Ctrl+C, checkpoints, compression under a tiny budget, and --recover."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import time

from tests.conftest import CLI, TEST_KEY, assert_clean_protocol, clean_env, user_message
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import OUTLINE, tool_turn

CHAPTER = "# Chapter\n\n" + "The lamps burned low along the river. " * 40 + "\n"


def resume_command(stdout: str) -> list[str]:
    match = re.search(r"Resume with: (kimi-writer write --recover .+)", stdout)
    assert match, stdout
    return shlex.split(match.group(1))[1:]


def test_ctrl_c_mid_stream_saves_and_resumes_in_the_same_folder(server, run_cli, tmp_path):
    slow = tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER), delay=0.05)
    server.add(
        tool_turn(tool_call("create_project", project_name="Night Book")),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER)),
        slow,
    )
    env = clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url)
    process = subprocess.Popen([str(CLI), "write", "A night book"], cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    deadline = time.time() + 20
    while len(server.requests) < 3 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the slow stream is now half sent
    started = time.time()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)
    assert time.time() - started < 5
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    project = tmp_path / "projects" / "Night_Book"
    assert (project / "chapter_01.md").read_text() == CHAPTER
    assert not (project / "chapter_02.md").exists()  # the half turn was dropped, never executed
    assert len(list(project.glob(".context_summary_*.md"))) == 1
    state = json.loads((project / ".kimi_writer/session.json").read_text())
    assert state["messages"][-1]["role"] == "tool" and state["iteration"] == 3

    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER)), Turn(content="done"))
    args = resume_command(stdout)
    assert args[:2] == ["write", "--recover"] and args[2] == str(project)
    resumed = run_cli(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert (project / "chapter_02.md").read_text() == CHAPTER
    assert sorted(p.name for p in (tmp_path / "projects").iterdir()) == ["Night_Book"]
    after = json.loads((project / ".kimi_writer/session.json").read_text())
    assert after["messages"][: len(state["messages"])] == state["messages"]  # the exact conversation continues
    note = user_message(server.requests[3], "[Resumed]")
    assert "already active" in note and "chapter_01.md: 282 words" in note
    assert_clean_protocol(server)


def test_compression_under_a_tiny_token_limit_keeps_every_tool_result(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Tiny"), usage=(900, 20)),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE), usage=(1000, 60)),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER), usage=(2600, 400)),
        Turn(content="## Task\nA tiny book.\n## Next\nChapter 2.", usage=(800, 30)),  # the summary
        tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER), usage=(1500, 400)),
        Turn(content="done", usage=(1900, 5)),
    )
    result = run_cli("write", "x", "--token-limit", "4000", "--compress-at", "2500", "--context", "full")
    assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
    assert "Compressing" in result.stdout
    summary_request, after = server.requests[3], server.requests[4]
    assert "tools" not in summary_request and summary_request["max_tokens"] <= 1000
    assert [m["role"] for m in after["messages"][:3]] == ["system", "user", "user"]
    assert "A tiny book." in after["messages"][2]["content"]
    assert [m["role"] for m in after["messages"][3:]] == ["assistant", "tool", "assistant", "tool"]
    for request in server.requests:
        assert request["max_tokens"] <= 4000
    assert (tmp_path / "projects/Tiny/chapter_02.md").read_text() == CHAPTER
    assert len(list((tmp_path / "projects/Tiny").glob(".context_summary_*.md"))) == 1
    assert_clean_protocol(server)


def test_recover_from_a_summary_written_by_the_original_script(server, run_cli, tmp_path):
    project = tmp_path / "projects" / "Old_Book"
    project.mkdir(parents=True)
    (project / "outline.md").write_text(OUTLINE)
    (project / "chapter_01.md").write_text("One two three four five.\n")
    summary = "## Task\nA mystery in three chapters.\n\n## Next\nWrite chapter 2: The Docks."
    (project / ".context_summary_20250101_120000.md").write_text(
        f"# Context Summary\n\n**Generated:** 2025-01-01 12:00:00\n\n---\n\n{summary}\n")
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content="Two.\n")), Turn(content="done"))

    result = run_cli("write", "--recover", str(project / ".context_summary_20250101_120000.md"))
    assert result.returncode == 6, result.stderr  # chapters unwritten (issue 29)
    first = server.requests[0]["messages"]
    assert [m["role"] for m in first[:2]] == ["system", "user"]
    note = first[1]["content"]
    assert summary in note and OUTLINE.strip() in note
    assert "- chapter_01.md: 5 words" in note and "- outline.md: 22 words" in note
    assert (project / "chapter_02.md").read_text() == "Two.\n"
    assert sorted(p.name for p in (tmp_path / "projects").iterdir()) == ["Old_Book"]
    assert_clean_protocol(server)


def test_recover_by_project_name_picks_the_newest_summary(server, run_cli, tmp_path):
    project = tmp_path / "projects" / "Named"
    project.mkdir(parents=True)
    (project / ".context_summary_20250101_120000.md").write_text("# Context Summary\n\n---\n\nold summary\n")
    (project / ".context_summary_20250102_120000.md").write_text("# Context Summary\n\n---\n\nnew summary\n")
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", "Named").returncode == 0
    assert "new summary" in server.requests[0]["messages"][1]["content"]
    assert "old summary" not in server.requests[0]["messages"][1]["content"]


def test_corrupt_or_missing_recover_path_is_one_sentence(server, run_cli, tmp_path):
    state = tmp_path / "projects/Broken/.kimi_writer/session.json"
    state.parent.mkdir(parents=True)
    state.write_text('{"version": 1, "messages": [')
    for target in (str(tmp_path / "projects/Broken"), str(state), "No_Such_Book", str(tmp_path / "projects")):
        result = run_cli("write", "--recover", target)
        assert result.returncode == 2, target
        assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert "not a valid kimi-writer session file" in run_cli("write", "--recover", str(state)).stderr
    assert server.requests == []


def test_context_overflow_400_compresses_and_retries_once(server, run_cli, tmp_path):
    overflow = {"error": {"message": "Invalid request: Your request exceeded model token limit: 262144",
                          "type": "invalid_request_error"}}
    server.add(
        tool_turn(tool_call("create_project", project_name="Overflow")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE)),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER)),
        Turn(status=400, error_body=overflow),
        Turn(content="## Task\nSummary after overflow."),
        Turn(content="done"),
    )
    result = run_cli("write", "x", "--context", "full")
    assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
    assert "over the model's token limit" in result.stdout
    retried = server.requests[5]["messages"]
    assert "Summary after overflow." in retried[2]["content"]
    assert len(json.dumps(retried)) < len(json.dumps(server.requests[3]["messages"]))
    assert_clean_protocol(server)


def test_iteration_limit_writes_a_checkpoint_and_recover_continues(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Long")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content="One.\n")))
    first = run_cli("write", "x", "--max-iterations", "2", "--checkpoint-every", "1")
    assert first.returncode == 3
    project = tmp_path / "projects/Long"
    checkpoints = sorted(project.glob(".context_summary_*.md"))
    assert checkpoints, first.stdout
    text = checkpoints[-1].read_text()
    assert text.startswith("# Context Summary\n\n**Generated:** ") and "- chapter_01.md: 1 words" in text
    assert first.stdout.count("Resume with: kimi-writer write --recover") >= 2

    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content="Two.\n")), Turn(content="done"))
    second = run_cli(*resume_command(first.stdout), "Make chapter two short.")
    assert second.returncode == 0, second.stderr
    assert "Make chapter two short." in user_message(server.requests[2], "[Resumed]")
    assert (project / "chapter_02.md").read_text() == "Two.\n"
    assert_clean_protocol(server)
