"""The author in the loop: edits made between runs reach the model, and the author's version wins."""

from __future__ import annotations

import json

from tests.conftest import assert_clean_protocol, user_message
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn

OUTLINE = "# Outline\n\n1. **The Fog** — a body on the Embankment.\n2. **The Docks** — a lie.\n"
EDITED_OUTLINE = ("# Outline\n\n1. **The Fog** — a body on the Embankment.\n"
                  "2. **The Orphanage** — Hale visits the orphanage where the victim grew up.\n"
                  "3. **The Bridge** — a confession at dawn.\n")
CHAPTER = "# Chapter 1: The Fog\n\nThe fog came up the river.\nHale lit his pipe.\nNobody spoke.\n"
EDITED_CHAPTER = "# Chapter 1: The Fog\n\nThe fog came up the river.\nHale did not smoke.\nNobody spoke.\n"


def test_edits_between_runs_reach_the_first_request_after_recover(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Edited")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE),
                  tool_call("write_file", filename="characters.md", content="Hale: an inspector.\n")),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER),
                  tool_call("write_file", filename="chapter_02.md", content="Draft.\n")),
    )
    assert run_cli("write", "x", "--max-iterations", "3").returncode == 3
    project = tmp_path / "projects/Edited"
    state = json.loads((project / ".kimi_writer/session.json").read_text())
    assert sorted(state["file_hashes"]) == ["chapter_01.md", "chapter_02.md", "characters.md", "outline.md"]

    (project / "outline.md").write_text(EDITED_OUTLINE)  # the author, in an editor
    (project / "chapter_01.md").write_text(EDITED_CHAPTER)
    (project / "characters.md").write_text("Hale: an inspector who never smokes.\n")
    (project / "chapter_02.md").unlink()
    (project / "chapter_03.md").write_text("Not the agent's file.\n")

    server.add(tool_turn(tool_call("list_files")))
    assert run_cli("write", "--recover", str(project), "--max-iterations", "1").returncode == 3
    note = user_message(server.requests[3], "[Resumed]")
    assert EDITED_OUTLINE.strip() in note
    assert "The author's version wins" in note
    assert "### outline.md: changed" in note and "### characters.md: changed" in note
    assert "Hale: an inspector who never smokes." in note
    assert "-Hale lit his pipe.\n+Hale did not smoke." in note
    assert "### chapter_02.md: deleted" in note
    assert "chapter_03.md: 4 words" in note and "### chapter_03.md" not in note

    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", "Edited").returncode == 6  # chapters unwritten (issue 29)
    assert "The author changed the book" not in user_message(server.requests[4], "[Resumed]")
    assert_clean_protocol(server)
