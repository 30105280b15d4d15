"""The author in the loop: --plan-only, an edited outline, then drafting; and `status`."""

from __future__ import annotations

import os
import re
import shlex
from datetime import datetime

from tests.conftest import assert_clean_protocol, tool_results, user_message
from tests.sample_book import run_offline, write_sample_book
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn

PLAN = "# The Lamplighter's Debt\n\n1. **The Fog** — a body. (~1,000 words)\n2. **The Docks** — a lie. (~1,000 words)\n"
EDITED = ("# The Lamplighter's Debt\n\n1. **The Fog** — a body on the Embankment. (~1,200 words)\n"
          "2. **The Orphanage** — where the victim grew up. (~900 words)\n3. **The Bridge** — a confession.\n")


def test_plan_only_then_edit_the_outline_then_draft(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Lamplighter")),
        tool_turn(tool_call("write_file", filename="outline.md", content=PLAN),
                  tool_call("write_file", filename="characters.md", content="Hale: an inspector.\n")),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content="Too early.\n")),
        Turn(content="The plan is ready."),
    )
    planned = run_cli("write", "A Victorian mystery", "--plan-only")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    project = tmp_path / "projects/Lamplighter"
    assert sorted(p.name for p in project.iterdir() if not p.name.startswith(".")) == ["characters.md", "outline.md"]
    assert "This is a planning run" in server.requests[0]["messages"][0]["content"]
    assert "is a chapter, and this is a planning run (--plan-only)" in tool_results(server)["call_4"]
    assert f"The plan is ready: {project / 'outline.md'}" in planned.stdout
    command = re.search(r"draft the chapters with: (kimi-writer write --recover .+)", planned.stdout).group(1)

    (project / "outline.md").write_text(EDITED)  # the author edits the plan
    server.add(tool_turn(tool_call("write_file", filename="chapter_01.md", content="# Chapter 1: The Fog\n\nFog.\n")),
               Turn(content="done"))
    drafted = run_cli(*shlex.split(command)[1:])
    assert drafted.returncode == 6, drafted.stdout + drafted.stderr  # chapters 2 and 3 unwritten (issue 29)
    first = server.requests[4]
    assert "This is a planning run" not in first["messages"][0]["content"]
    note = user_message(first, "[Resumed]")
    assert EDITED.strip() in note and "### outline.md: changed" in note
    assert "The planning run is over" in note
    assert EDITED.strip() in user_message(first, "[Book memory]")  # the outline: in the book's memory (issue 26)
    assert (project / "chapter_01.md").read_text() == "# Chapter 1: The Fog\n\nFog.\n"
    assert "now holds 6 of the 1,200 words targeted for chapter 1" in tool_results(server)["call_5"]
    assert_clean_protocol(server)

    status = run_offline(tmp_path, "status", "Lamplighter")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert any(re.match(r"│ 1 │ The Fog +│ chapter_01\.md +│ +6 │ +1,200 │", line) for line in lines), status.stdout
    assert any(re.match(r"│ 2 │ The Orphanage +│ not written +│ +— │ +900 │ — ", line) for line in lines)
    assert "Written: 1 of 3 planned chapters (33% of the outline), 6 words in chapters." in status.stdout
    assert re.search(r"Last run, ended [\d-]+ [\d:]+: 2 iterations, tokens in [\d,]+, out [\d,]+, "
                     r"estimated cost \$\d\.\d{4}\.", status.stdout)
    # issue 13: a "done" with planned chapters unwritten says so (was "Finished: the model says the book is done.")
    assert ("Finished, but 2 of 3 planned chapters are not written (chapters 2 and 3): continue with "
            f"kimi-writer write --recover {project}") in status.stdout
    assert f"Continue with: kimi-writer write --recover {project}" in status.stdout


def test_status_of_a_sample_project_with_exact_numbers(tmp_path):
    root = write_sample_book(tmp_path / "projects")
    stamp = datetime(2026, 11, 20, 9, 30).timestamp()
    for name in ("chapter_1.md", "chapters/chapter_02.md", "ch3.md"):
        os.utime(root / name, (stamp, stamp))
    (root / "chapter_07.md").write_text("An extra chapter of six words.\n")
    os.utime(root / "chapter_07.md", (stamp, stamp))
    result = run_offline(tmp_path, "status", str(root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[4:9] == [
        "│ 1 │ The Fog              │ chapter_1.md           │    13 │  3,000 │ 2026-11-20 09:30 │",
        "│ 2 │ The Docks            │ chapters/chapter_02.md │    22 │  2,000 │ 2026-11-20 09:30 │",
        "│ 3 │ The Reveal           │ ch3.md                 │    14 │      — │ 2026-11-20 09:30 │",
        "│ 7 │ (not in the outline) │ chapter_07.md          │     6 │      — │ 2026-11-20 09:30 │",
        "└───┴──────────────────────┴────────────────────────┴───────┴────────┴──────────────────┘",
    ]
    assert "Written: 3 of 3 planned chapters (100% of the outline), 55 words in chapters." in result.stdout
    assert "Last run: no run recorded yet." in result.stdout


def test_status_with_a_chapter_words_target(tmp_path):
    write_sample_book(tmp_path / "projects")
    result = run_offline(tmp_path, "status", "Fog_Over_London", "--chapter-words", "2500")
    assert result.returncode == 0, result.stderr
    assert "│ 3 │ The Reveal │ ch3.md                 │    14 │  2,500 │" in result.stdout


def test_status_of_an_unknown_project_is_one_sentence(tmp_path):
    result = run_offline(tmp_path, "status", "Nothing_Here")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: there is no project Nothing_Here") and "Traceback" not in result.stderr


def test_outline_command_prints_the_path_without_an_editor(tmp_path):
    root = write_sample_book(tmp_path / "projects")
    result = run_offline(tmp_path, "outline", "Fog_Over_London")
    assert result.returncode == 0 and result.stdout.strip() == str(root.resolve() / "outline.md")
