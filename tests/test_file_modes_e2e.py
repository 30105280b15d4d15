"""Written files follow the umask, and a file the author gave a mode of their own keeps it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn

OUTLINE = "# Outline\n\n1. The Fog: a body on the Embankment.\n2. The Docks: a lie.\n"
CHAPTER_1 = "# Chapter 1: The Fog\n\nThe fog came up the river at dusk.\n"
CHAPTER_2 = "# Chapter 2: The Docks\n\nInspector Hale did not believe the clerk.\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def first_run(server, run_cli, umask: int) -> None:
    """A run that writes an outline and two chapters, then stops at its iteration limit."""
    server.add(
        tool_turn(tool_call("create_project", project_name="Modes")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE, mode="create")),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER_1, mode="create"),
                  tool_call("write_file", filename="chapter_02.md", content=CHAPTER_2, mode="create")),
    )
    result = run_cli("write", "A two-chapter mystery", "--max-iterations", "3", umask=umask)
    assert result.returncode == 3, result.stderr


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)], ids=["umask022", "umask077"])
def test_chapters_state_snapshots_summaries_and_exports_follow_the_umask(server, run_cli, tmp_path, umask, expected):
    first_run(server, run_cli, umask)
    project = tmp_path / "projects" / "Modes"
    for fmt in ("md", "html", "epub"):
        exported = run_cli("export", "Modes", "--format", fmt, umask=umask)
        assert exported.returncode == 0, exported.stderr

    state = project / ".kimi_writer"
    written = [project / "outline.md", project / "chapter_01.md", project / "chapter_02.md",
               state / "session.json", state / "snapshots" / "chapter_01.md", state / "snapshots" / "outline.md",
               *project.glob(".context_summary_*.md"),
               project / "Modes.md", project / "Modes.html", project / "Modes.epub"]
    assert len(written) == 10
    modes = {path.relative_to(project).as_posix(): oct(mode(path)) for path in written}
    assert modes == dict.fromkeys(modes, oct(expected))
    assert not list(project.rglob("*.tmp"))


def test_an_overwrite_or_append_by_the_agent_keeps_the_mode_the_author_gave(server, run_cli, tmp_path):
    first_run(server, run_cli, 0o022)
    project = tmp_path / "projects" / "Modes"
    (project / "chapter_01.md").chmod(0o600)
    (project / "chapter_02.md").chmod(0o664)
    (project / "outline.md").chmod(0o640)

    server.add(
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER_1 + "Rewritten.\n",
                            mode="overwrite"),
                  tool_call("write_file", filename="chapter_02.md", content="More.\n", mode="append"),
                  tool_call("write_file", filename="outline.md", content=OUTLINE + "3. The Reveal.\n",
                            mode="overwrite")),
        Turn(content="The book is finished."),
    )
    result = run_cli("write", "--recover", "Modes", umask=0o022)

    assert result.returncode == 6, result.stderr  # chapters unwritten (issue 29)
    assert (project / "chapter_01.md").read_text() == CHAPTER_1 + "Rewritten.\n"
    assert (project / "chapter_02.md").read_text() == CHAPTER_2 + "More.\n"
    assert oct(mode(project / "chapter_01.md")) == oct(0o600)
    assert oct(mode(project / "chapter_02.md")) == oct(0o664)
    assert oct(mode(project / "outline.md")) == oct(0o640)
    assert oct(mode(project / ".kimi_writer" / "session.json")) == oct(0o644)


def test_a_second_export_keeps_the_mode_of_the_first(server, run_cli, tmp_path):
    first_run(server, run_cli, 0o022)
    book = tmp_path / "projects" / "Modes" / "Modes.epub"
    assert run_cli("export", "Modes", "--format", "epub", umask=0o022).returncode == 0
    book.chmod(0o604)

    again = run_cli("export", "Modes", "--format", "epub", umask=0o077)

    assert again.returncode == 0, again.stderr
    assert oct(mode(book)) == oct(0o604)
