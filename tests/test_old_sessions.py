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
    assert result.returncode == 0, result.stdout + result.stderr
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
