"""End to end: the installed CLI writes books against the scripted server."""

from __future__ import annotations

import json

from tests.conftest import TEST_KEY, assert_clean_protocol, assistant_calls, tool_results
from tests.scripted_server import ToolCall, Turn, tool_call

OUTLINE = "# Outline\n\n1. The Fog: a body on the Embankment.\n2. The Docks: a lie.\n3. The Reveal: the brother did it.\n"
CHAPTERS = [
    "# Chapter 1: The Fog\n\nThe fog came up the river at dusk.\n",
    "# Chapter 2: The Docks\n\nInspector Hale did not believe the clerk.\n",
    "# Chapter 3: The Reveal\n\nIt was the brother, of course; it always was.\n",
]


def tool_turn(*calls: ToolCall, reasoning: str = "Thinking about the next step.", **kwargs) -> Turn:
    return Turn(reasoning=reasoning, tool_calls=list(calls), **kwargs)


def last_tool_results(server) -> dict[str, str]:
    """tool_call_id -> content, from all the requests the server received."""
    return tool_results(server)


def test_three_chapter_book(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Fog Over London"), reasoning="I will plan a mystery."),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE, mode="create"),
                  tool_call_style="whole", usage_in="choice"),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTERS[0], mode="create"),
                  reasoning_field="reasoning"),
        tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTERS[1]),
                  tool_call(name="write_file", filename="chapter_03.md", content=CHAPTERS[2])),
        Turn(reasoning="All done.", content="The book is finished: three chapters."),
    )
    result = run_cli("write", "A 3-chapter mystery set in Victorian London")

    assert result.returncode == 0, result.stderr
    project = tmp_path / "projects" / "Fog_Over_London"
    assert (project / "outline.md").read_text() == OUTLINE
    for number, text in enumerate(CHAPTERS, start=1):
        assert (project / f"chapter_{number:02d}.md").read_text() == text
    assert sorted(p.name for p in project.iterdir() if not p.name.startswith(".")) == [
        "chapter_01.md", "chapter_02.md", "chapter_03.md", "outline.md"]
    assert_clean_protocol(server)
    assert "wrote chapter_03.md: 14 words" in result.stdout
    assert "Iteration 5/300" in result.stdout
    assert "Finished" in result.stdout and "\x1b" not in result.stdout
    first = server.requests[0]
    assert first["model"] == "kimi-k2.6" and first["temperature"] == 1.0 and first["stream"] is True
    assert first["stream_options"] == {"include_usage": True}
    assert {t["function"]["name"] for t in first["tools"]} == {
        "create_project", "write_file", "read_file", "list_files", "compress_context"}
    assert first["messages"][-1] == {"role": "user", "content": "A 3-chapter mystery set in Victorian London"}


def test_reasoning_is_sent_back_under_the_name_it_came_in(server, run_cli):
    server.add(
        tool_turn(tool_call("create_project", project_name="r"), reasoning="Plan: make a project."),
        tool_turn(tool_call("list_files"), reasoning="Check the files.", reasoning_field="reasoning"),
        tool_turn(tool_call("list_files"), reasoning="Details style.", reasoning_field="reasoning_details"),
        Turn(content="done"),
    )
    assert run_cli("write", "x").returncode == 0
    calls = assistant_calls(server)
    assistant = [calls[f"call_{n}"][0] for n in (1, 2, 3)]
    assert assistant[0]["reasoning_content"] == "Plan: make a project."
    assert assistant[1]["reasoning"] == "Check the files." and "reasoning_content" not in assistant[1]
    assert "".join(d["text"] for d in assistant[2]["reasoning_details"]) == "Details style."
    assert_clean_protocol(server)


def test_create_then_append(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Appendix")),
        tool_turn(tool_call("write_file", filename="chapters/chapter_01", content="Part one.\n", mode="create")),
        tool_turn(tool_call("write_file", filename="chapters/chapter_01.md", content="Part two.\n", mode="append")),
        Turn(content="done"),
    )
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "projects/Appendix/chapters/chapter_01.md").read_text() == "Part one.\nPart two.\n"
    assert "now holds 4 words" in last_tool_results(server)["call_3"]


def test_bad_tool_calls_become_results_and_the_run_goes_on(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("write_file", filename="early.md", content="too early")),
        tool_turn(tool_call("create_project", project_name="Bad Calls")),
        tool_turn(ToolCall("write_file", '{"filename": "a.md", "content": "unterminated')),
        tool_turn(tool_call("write_file", filename="b.md")),
        tool_turn(tool_call("write_file", filename="c.md", content=42)),
        tool_turn(tool_call("summon_muse", topic="fog")),
        tool_turn(tool_call("write_file", filename="d.md", content="first")),
        tool_turn(tool_call("write_file", filename="d.md", content="second", mode="create")),
        tool_turn(tool_call("write_file", filename="e.md", content="x", mode="replace")),
        tool_turn(tool_call("read_file", filename="missing.md")),
        Turn(content="done"),
    )
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stderr
    results = last_tool_results(server)
    assert "no project is active yet; call create_project first" in results["call_1"]
    assert "not valid JSON" in results["call_3"]
    assert "`content`: Field required" in results["call_4"]
    assert "`content`: Input should be a valid string" in results["call_5"]
    assert "There is no tool named `summon_muse`" in results["call_6"] and "write_file" in results["call_6"]
    assert "d.md already exists; use mode 'append'" in results["call_8"]
    assert "`mode`: Input should be 'create', 'append' or 'overwrite'" in results["call_9"]
    assert "missing.md does not exist" in results["call_10"]
    project = tmp_path / "projects/Bad_Calls"
    assert (project / "d.md").read_text() == "first"
    assert sorted(p.name for p in project.iterdir() if not p.name.startswith(".")) == ["d.md"]
    assert not (tmp_path / "projects/early.md").exists()
    # the malformed arguments were replaced in the history, so no server rejects it later
    assert assistant_calls(server)["call_3"][1]["function"]["arguments"] == "{}"
    assert_clean_protocol(server)


def test_path_escapes_are_refused(server, run_cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "projects" / "Escape"
    project.mkdir(parents=True)
    (project / "link").symlink_to(outside)
    server.add(
        tool_turn(tool_call("create_project", project_name="Escape")),
        tool_turn(tool_call("write_file", filename="../../outside/x.md", content="escaped")),
        tool_turn(tool_call("write_file", filename=str(outside / "y.md"), content="escaped")),
        tool_turn(tool_call("write_file", filename="link/z.md", content="escaped")),
        tool_turn(tool_call("write_file", filename="bad\x07name.md", content="escaped")),
        tool_turn(tool_call("write_file", filename="script.py", content="escaped")),
        tool_turn(tool_call("read_file", filename="../../../etc/passwd")),
        Turn(content="done"),
    )
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stderr
    results = last_tool_results(server)
    assert "uses '..'" in results["call_2"]
    assert "is absolute" in results["call_3"]
    assert "points outside the project" in results["call_4"]
    assert "control characters" in results["call_5"]
    assert "only .md and .txt" in results["call_6"]
    assert "uses '..'" in results["call_7"]
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in project.iterdir()) == [".kimi_writer", "link"]


def test_repeated_format_errors_stop_the_run(server, run_cli):
    server.add(*[tool_turn(ToolCall("write_file", "{not json")) for _ in range(5)])
    result = run_cli("write", "x")
    assert result.returncode == 4
    assert "5 malformed tool calls in a row" in result.stdout
    assert "Traceback" not in result.stderr
    assert_clean_protocol(server)


def test_truncated_tool_call_is_not_executed(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Cut")),
        tool_turn(ToolCall("write_file", '{"filename": "chapter_01.md", "content": "It was a dark and'),
                  finish_reason="length"),
        Turn(content="done"),
    )
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "projects/Cut/chapter_01.md").exists()
    text = last_tool_results(server)["call_2"]
    assert "cut off at the output limit" in text and '"append"' in text
    assert_clean_protocol(server)


def test_cut_stream_is_discarded_and_retried(server, run_cli, tmp_path):
    body = "The whole chapter, written once.\n"
    cut = tool_turn(tool_call("write_file", filename="chapter_01.md", content=body), cut_after=4)
    server.add(
        tool_turn(tool_call("create_project", project_name="Retry")),
        cut,
        tool_turn(ToolCall("write_file", json.dumps({"filename": "chapter_01.md", "content": body}), id=cut.tool_calls[0].id)),
        Turn(content="done"),
    )
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "projects/Retry/chapter_01.md").read_text() == body
    assert "retrying in" in result.stdout
    assert server.requests[1]["messages"] == server.requests[2]["messages"]
    assert_clean_protocol(server)


def test_iteration_limit(server, run_cli):
    server.add(tool_turn(tool_call("create_project", project_name="Limit")),
               tool_turn(tool_call("list_files")))
    result = run_cli("write", "x", "--max-iterations", "2")
    assert result.returncode == 3
    assert "iteration limit (2)" in result.stdout
    server.assert_complete()


def test_compress_context_keeps_recent_turns_whole(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Squeeze")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE)),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTERS[0])),
        tool_turn(tool_call("compress_context")),
        Turn(content="## Task\nA mystery.\n## Next\nChapter 2."),  # the summary
        Turn(content="done"),
    )
    result = run_cli("write", "x", "--context", "full")
    assert result.returncode == 6, result.stderr  # chapters unwritten (issue 29)
    summary_request = server.requests[4]
    assert "tools" not in summary_request
    assert "## Characters and world" in summary_request["messages"][1]["content"]
    assert "The Docks: a lie." in summary_request["messages"][1]["content"]
    assert "The fog came up the river" not in summary_request["messages"][1]["content"]
    after = server.requests[5]["messages"]
    assert after[2]["role"] == "user" and "A mystery." in after[2]["content"]
    assert [m["role"] for m in after[3:]] == ["assistant", "tool", "assistant", "tool"]
    files = list((tmp_path / "projects/Squeeze").glob(".context_summary_*.md"))
    assert len(files) == 1
    text = files[0].read_text()
    assert text.startswith("# Context Summary\n\n**Generated:** ") and "\n---\n\n## Task\nA mystery." in text
    assert_clean_protocol(server)


def test_no_key_is_one_sentence(tmp_path, server):
    import subprocess
    from tests.conftest import CLI, clean_env

    # with the local extra installed, no key means the local model; the remote provider needs a key
    result = subprocess.run([str(CLI), "write", "x"], cwd=tmp_path, env=clean_env(tmp_path, KIMI_WRITER_PROVIDER="remote"),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Error: no API key is set; export MOONSHOT_API_KEY=")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert server.requests == []


def test_key_from_dotenv_and_flags_override_env(server, run_cli, tmp_path):
    (tmp_path / ".env").write_text("MOONSHOT_API_KEY=from-dotenv\nKIMI_WRITER_MODEL=env-model\n")
    server.add(Turn(content="Nothing to do."))
    result = run_cli("write", "x", "--model", "flag-model", "--projects-dir", "books",
                     env={"KIMI_WRITER_API_KEY": ""})
    assert result.returncode == 4, result.stderr  # a text answer with no project is not a book (issue 12)
    assert server.requests[0]["model"] == "flag-model"
    assert server.headers[0]["authorization"] == "Bearer from-dotenv"


def test_state_is_saved_without_the_key(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Saved")), Turn(content="done"))
    assert run_cli("write", "x").returncode == 0
    state_file = tmp_path / "projects/Saved/.kimi_writer/session.json"
    state = json.loads(state_file.read_text())
    assert state["version"] == 2 and state["iteration"] == 2 and state["project_dir"].endswith("Saved")
    assert state["messages"][-1] == {"role": "assistant", "content": "done"}
    assert TEST_KEY not in state_file.read_text()
