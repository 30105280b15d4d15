"""Old books still open: a project folder written by kimi-writer 0.1.0 (session.json format 1,
made by that release's own code) resumes with --recover and shows in status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import assert_clean_protocol
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn

FIXTURE = Path(__file__).parent / "fixtures" / "session_v1" / "Old_Book"
CHAPTER_2 = "# Chapter 2: The Docks\n\nInspector Hale did not believe the clerk.\n"


def _copy(tmp_path: Path) -> Path:
    project = tmp_path / "projects" / "Old_Book"
    shutil.copytree(FIXTURE, project)
    return project


def test_a_format_1_session_resumes_the_same_conversation(server, run_cli, tmp_path):
    project = _copy(tmp_path)
    before = json.loads((project / ".kimi_writer/session.json").read_text())
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER_2)), Turn(content="done"))
    result = run_cli("write", "--recover", "Old_Book")
    assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
    assert (project / "chapter_02.md").read_text() == CHAPTER_2
    first = server.requests[0]["messages"]
    assert first[1] == {"role": "user", "content": "A three-chapter fog mystery"}
    assert any(m["role"] == "user" and m["content"].startswith("[Resumed]") for m in first)
    after = json.loads((project / ".kimi_writer/session.json").read_text())
    assert after["messages"][1:len(before["messages"])] == before["messages"][1:]
    assert after["written"]["chapter_01.md"] == 305 and after["written"]["chapter_02.md"] > 0
    assert len(after["runs"]) == 2
    assert_clean_protocol(server)


def test_status_reads_a_format_1_session(run_cli, tmp_path):
    _copy(tmp_path)
    result = run_cli("status", "Old_Book")
    assert result.returncode == 0, result.stderr
    assert "Written: 1 of 3 planned chapters" in result.stdout
    assert "tokens in 3,496, out 429" in result.stdout


def _with_older_notes(project: Path) -> list[dict]:
    """Give the format-1 history what a longer book's has: a summary and the note of an earlier resume."""
    path = project / ".kimi_writer/session.json"
    saved = json.loads(path.read_text())
    summary = {"role": "user", "content": "[Context summary] The earlier part was compressed.\n\nHale found a body."}
    resumed = {"role": "user", "content": "[Resumed] This run was interrupted and is now resumed."}
    saved["messages"][2:2] = [summary]
    saved["messages"][5:5] = [resumed]
    path.write_text(json.dumps(saved))
    return saved["messages"]


def test_a_format_1_session_is_saved_as_format_2_with_the_kinds_of_its_messages(server, run_cli, tmp_path):
    project = _copy(tmp_path)
    old = _with_older_notes(project)
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER_2)), Turn(content="done"))
    result = run_cli("write", "--recover", "Old_Book")
    assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
    first = server.requests[0]["messages"]
    assert first[2] == old[2] and old[5] in first  # kept by kind in the compact request, as before
    after = json.loads((project / ".kimi_writer/session.json").read_text())
    assert after["version"] == 2 and after["messages"][1:len(old)] == old[1:]
    assert after["kinds"] == ["system", "task", "summary", "reply", "tool_result", "resume_note", "reply",
                              "tool_result", "reply", "tool_result", "resume_note", "reply", "tool_result", "reply"]
    assert_clean_protocol(server)


def test_a_format_2_session_round_trips_and_resumes_the_same_conversation(server, run_cli, tmp_path):
    from kimi_writer.book.session import SessionState

    project = _copy(tmp_path)
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER_2)), Turn(content="done"))
    assert run_cli("write", "--recover", "Old_Book").returncode == 6  # chapters unwritten (issue 29)
    text = (project / ".kimi_writer/session.json").read_text()
    saved = json.loads(text)
    assert json.loads(SessionState.model_validate_json(text).model_dump_json()) == saved
    server.add(Turn(content="still done"))
    result = run_cli("write", "--recover", "Old_Book")
    assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
    after = json.loads((project / ".kimi_writer/session.json").read_text())
    assert after["messages"][1:len(saved["messages"])] == saved["messages"][1:]
    assert after["kinds"][:len(saved["kinds"])] == saved["kinds"]
    assert after["kinds"][len(saved["kinds"]):] == ["resume_note", "reply"]
    assert_clean_protocol(server)
