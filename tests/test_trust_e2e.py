"""A project folder is untrusted input: crafted state, links that point outside, malformed or lost
state, name clashes, OS errors in tools and the write size cap, driven through the installed CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import assert_clean_protocol, tool_results, user_message
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import OUTLINE, tool_turn

SECRET = "SECRET-FROM-OUTSIDE"
CHAPTER_1 = "# Chapter 1: The Fog\n\nThe fog came up the river at dusk and stayed.\n"
CHAPTER_2 = "# Chapter 2: The Docks\n\nHale walked the docks until the lamps were lit and the tide turned.\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tree(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder` (itself included): bytes, mode and mtime, links not followed."""
    found = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        found[str(path.relative_to(folder))] = (data, info.st_mode, info.st_mtime_ns)
    return found


@pytest.fixture
def outside(tmp_path):
    """A folder next to the projects that nothing may read or touch, full of secrets."""
    folder = tmp_path / "outside"
    (folder / "dir").mkdir(parents=True)
    for name in ("outline.md", "chapter.md", "phrases.txt", "bible.md", "snapshot.md", "summary.md", "notes.txt"):
        (folder / name).write_text(f"# {SECRET} {name}\n\n{SECRET} in {name}.\n")
    (folder / "notes.txt").chmod(0o640)
    return folder


def state(messages: list[dict] | None = None, **fields) -> dict:
    base = {"version": 1, "prompt": "A shared book", "model": "kimi-k2.6", "base_url": "http://x/v1",
            "messages": messages if messages is not None else [
                {"role": "system", "content": "old rules"}, {"role": "user", "content": "A shared book"}]}
    base.update(fields)
    return base


def crafted_project(projects: Path, outside: Path) -> Path:
    """A folder as a hostile co-author might share it: state naming outside files, links outside."""
    project = projects / "Shared_Book"
    (project / ".kimi_writer" / "snapshots").mkdir(parents=True)
    (project / "chapter_01.md").write_text(CHAPTER_1)
    (project / "outline.md").symlink_to(outside / "outline.md")
    (project / "chapter_02.md").symlink_to(outside / "chapter.md")
    (project / "banned_phrases.txt").symlink_to(outside / "phrases.txt")
    (project / "characters.md").symlink_to(outside / "bible.md")
    (project / "chapters").symlink_to(outside / "dir")
    (project / ".context_summary_20990101_000000.md").symlink_to(outside / "summary.md")
    (project / ".kimi_writer/snapshots/chapter_01.md").symlink_to(outside / "snapshot.md")
    escaping = ["/etc/hostname", "../../x", str(outside / "notes.txt"), "../../outside/notes.txt", "chapters/x.md"]
    hashes = {name: "0" * 64 for name in escaping} | {"chapter_01.md": sha("an older text"), "chapter_02.md": "0" * 64}
    (project / ".kimi_writer/session.json").write_text(json.dumps(state(
        written={name: 5 for name in escaping} | {"chapter_01.md": 9},
        file_hashes=hashes, chapter_summaries={name: "s" for name in escaping})))
    return project


def outside_stats() -> dict[str, tuple]:
    return {path: (Path(path).read_bytes(), os.stat(path).st_mode, os.stat(path).st_mtime_ns)
            for path in ("/etc/hostname", "/etc/passwd") if os.path.exists(path)}


def test_recover_of_a_crafted_folder_reads_sends_and_changes_nothing_outside(server, run_cli, tmp_path, outside):
    project = crafted_project(tmp_path / "projects", outside)
    before, system_before = tree(outside), outside_stats()
    server.add(tool_turn(tool_call("write_file", filename="chapter_03.md", content="# Chapter 3\n\nThree.\n")),
               Turn(content="done"))

    result = run_cli("write", "--recover", str(project))

    assert result.returncode == 0, result.stdout + result.stderr
    assert SECRET not in json.dumps(server.requests)
    assert tree(outside) == before and outside_stats() == system_before
    assert not (tmp_path / "x").exists()
    warnings = [line for line in result.stdout.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "'/etc/hostname'" in warnings[0] and "'../../x'" in warnings[0], result.stdout
    saved = json.loads((project / ".kimi_writer/session.json").read_text())
    assert set(saved["file_hashes"]) <= {"chapter_01.md", "chapter_03.md"}
    assert set(saved["written"]) == {"chapter_01.md", "chapter_03.md"}
    assert saved["chapter_summaries"].keys() <= {"chapter_03.md"}
    note = user_message(server.requests[0], "[Resumed]")
    assert "chapter_01.md" in note and "chapter_02.md" not in note and "The fog came up the river" in note
    assert (project / "chapter_03.md").read_text() == "# Chapter 3\n\nThree.\n"
    assert_clean_protocol(server)


def test_status_export_and_lint_of_a_crafted_folder_never_follow_links_outside(run_cli, tmp_path, outside):
    project = crafted_project(tmp_path / "projects", outside)
    (project / "Shared_Book.html").symlink_to(outside / "notes.txt")  # the default export path, linked outside
    before, system_before = tree(outside), outside_stats()
    status = run_cli("status", str(project))
    lint = run_cli("lint", str(project))
    exports = [run_cli("export", str(project), "--format", fmt) for fmt in ("html", "md", "epub")]
    outline = run_cli("outline", str(project), env={"EDITOR": "cat"})

    assert status.returncode == 0 and lint.returncode == 0, status.stderr + lint.stderr
    assert outline.returncode == 2 and "points outside the project" in outline.stderr, outline.stderr
    assert str(project / "outline.md") not in outline.stdout
    for result in [status, lint, outline, *exports]:
        assert SECRET not in result.stdout + result.stderr and "Traceback" not in result.stderr
    for result in exports:
        assert result.returncode == 0, result.stderr
    assert SECRET not in (project / "Shared_Book.html").read_text()
    assert SECRET not in (project / "Shared_Book.md").read_text()
    assert SECRET.encode() not in (project / "Shared_Book.epub").read_bytes()
    assert "chapter_02.md" not in status.stdout and "chapter_01.md" in status.stdout
    assert tree(outside) == before and outside_stats() == system_before


@pytest.mark.parametrize("link", [".kimi_writer", ".kimi_writer/snapshots", ".kimi_writer/session.json"])
def test_a_linked_state_folder_is_refused(server, run_cli, tmp_path, outside, link):
    project = tmp_path / "projects" / "Linked"
    (project / ".kimi_writer").mkdir(parents=True)
    (project / "chapter_01.md").write_text(CHAPTER_1)
    (outside / "session.json").write_text(json.dumps(state([{"role": "user", "content": SECRET}])))
    if link == ".kimi_writer":
        (project / link).rmdir()
    (project / link).symlink_to(outside / "session.json" if link.endswith(".json") else outside)
    before = tree(outside)

    result = run_cli("write", "--recover", str(project))
    status = run_cli("status", str(project))

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "points outside the project" in result.stderr
    assert server.requests == []
    assert status.returncode == 0 and "points outside the project, so it was ignored" in status.stdout
    assert SECRET not in status.stdout
    assert tree(outside) == before


@pytest.mark.parametrize("saved, why", [
    (state([{"role": "system", "content": "s"}, {"role": "assistant", "content": "", "reasoning_content": "r",
            "tool_calls": [{"type": "function", "function": {"name": "list_files", "arguments": "{}"}}]}]),
     "tool_calls.0.id"),
    (state(iteration="three"), "iteration"),
    (state(file_hashes=["chapter_01.md"]), "file_hashes"),
    (state([{"role": "tool", "content": "x"}]), "tool_call_id"),
    (state([{"role": "user", "content": 5}]), "content"),
    ([1, 2, 3], "the file"),
])
def test_malformed_state_is_one_sentence_and_nothing_changes(server, run_cli, tmp_path, saved, why):
    project = tmp_path / "projects" / "Odd"
    (project / ".kimi_writer").mkdir(parents=True)
    (project / "chapter_01.md").write_text(CHAPTER_1)
    path = project / ".kimi_writer/session.json"
    path.write_text(json.dumps(saved))
    before = tree(project)

    result = run_cli("write", "--recover", str(project))

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and why in result.stderr
    assert tree(project) == before and server.requests == []


def test_a_state_that_is_not_utf8_is_refused_and_status_says_so(server, run_cli, tmp_path):
    project = tmp_path / "projects" / "Latin"
    (project / ".kimi_writer").mkdir(parents=True)
    (project / "chapter_01.md").write_text(CHAPTER_1)
    (project / ".kimi_writer/session.json").write_bytes(json.dumps(state()).encode().replace(b"shared", b"\xe9t\xe9"))
    before = tree(project)

    result = run_cli("write", "--recover", str(project))
    status = run_cli("status", str(project))

    assert result.returncode == 2 and "not UTF-8" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    assert "is not UTF-8 text" in status.stdout
    assert tree(project) == before and server.requests == []


def test_a_corrupt_state_is_moved_aside_and_the_book_rebuilt_from_the_files(server, run_cli, tmp_path):
    project = tmp_path / "projects" / "Lost"
    (project / ".kimi_writer").mkdir(parents=True)
    (project / "outline.md").write_text(OUTLINE)
    (project / "chapter_01.md").write_text(CHAPTER_1)
    (project / "chapter_02.md").write_text(CHAPTER_2)
    corrupt = '{"version": 1, "messages": [{"role": "sys'
    (project / ".kimi_writer/session.json").write_text(corrupt)
    server.add(tool_turn(tool_call("write_file", filename="chapter_03.md", content="# Chapter 3\n\nEnd.\n")),
               Turn(content="done"))

    result = run_cli("write", "--recover", str(project))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing to resume" not in result.stdout + result.stderr
    aside = list((project / ".kimi_writer").glob("session.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == corrupt
    assert len(aside[0].name) == len("session.json.corrupt-YYYYmmdd_HHMMSS")
    assert f"moved aside as {aside[0].name}" in result.stdout
    note = user_message(server.requests[0], "[Resumed]")
    assert "- chapter_01.md: 15 words" in note and "- chapter_02.md: 18 words" in note
    assert OUTLINE.strip() in note
    assert "## End of chapter_02.md, the latest chapter" in note and "until the lamps were lit and the tide turned." in note
    assert json.loads((project / ".kimi_writer/session.json").read_text())["written"] == {"chapter_03.md": 4}
    assert_clean_protocol(server)


def test_an_empty_folder_with_a_corrupt_state_still_has_nothing_to_resume(server, run_cli, tmp_path):
    project = tmp_path / "projects" / "Void"
    (project / ".kimi_writer").mkdir(parents=True)
    (project / ".kimi_writer/session.json").write_text("{")
    result = run_cli("write", "--recover", str(project))
    assert result.returncode == 2 and "nothing to resume" in result.stderr
    assert os.listdir(project / ".kimi_writer") == ["session.json"]


@pytest.mark.parametrize("other_book", ["state", "chapter"])
def test_a_new_book_never_takes_over_a_folder_that_holds_another(server, run_cli, tmp_path, other_book):
    other = tmp_path / "projects" / "Night_Book"
    other.mkdir(parents=True)
    if other_book == "state":
        (other / ".kimi_writer").mkdir()
        (other / ".kimi_writer/session.json").write_text(json.dumps(state()))
        (other / "outline.md").write_text(OUTLINE)
    else:
        (other / "chapter_01.md").write_text(CHAPTER_1)
    before = tree(other)
    server.add(tool_turn(tool_call("create_project", project_name="Night Book")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content="Mine.\n")),
               tool_turn(tool_call("create_project", project_name="Night Book")),
               tool_turn(tool_call("write_file", filename="chapter_02.md", content="Mine too.\n")),
               Turn(content="done"))

    result = run_cli("write", "A night book")

    assert result.returncode == 0, result.stdout + result.stderr
    assert tree(other) == before
    assert sorted(os.listdir(tmp_path / "projects")) == ["Night_Book", "Night_Book_2"]
    mine = tmp_path / "projects" / "Night_Book_2"
    assert (mine / "chapter_01.md").read_text() == "Mine.\n" and (mine / "chapter_02.md").read_text() == "Mine too.\n"
    results = tool_results(server)
    assert "already holds another book" in results["call_1"] and "'Night_Book_2'" in results["call_1"]
    assert "'Night_Book_2'" in results["call_3"]  # the same run reopens its own folder, no Night_Book_3
    assert "created project Night_Book_2: a folder named Night_Book already holds another book" in result.stdout
    assert_clean_protocol(server)


def test_an_unwritable_projects_folder_stops_before_the_first_model_call(server, run_cli, tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    for folder in ("a_file", "a_file/projects"):
        result = run_cli("write", "A book", "--projects-dir", folder)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
        assert "is not a folder" in result.stderr
    project = tmp_path / "projects" / "Blocked"
    project.mkdir(parents=True)
    (project / "chapter_01.md").write_text(CHAPTER_1)
    (project / ".kimi_writer").write_text("a file where the state folder belongs")
    result = run_cli("write", "--recover", str(project))
    assert result.returncode == 2 and "cannot be continued" in result.stderr, result.stderr
    assert server.requests == []


def test_a_name_over_255_bytes_is_a_tool_error_and_the_run_goes_on(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Emoji")),
               tool_turn(tool_call("write_file", filename="😀" * 70 + ".md", content="x")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content="x")),
               Turn(content="done"))
    result = run_cli("write", "A book")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "283 bytes; keep each folder and file name under 240 bytes" in tool_results(server)["call_2"]
    assert sorted(os.listdir(tmp_path / "projects/Emoji")) == [".kimi_writer", "chapter_01.md"]


def test_one_write_is_capped_and_the_model_is_told_to_write_in_parts(server, run_cli, tmp_path):
    long_text = "word " * 300
    server.add(tool_turn(tool_call("create_project", project_name="Capped")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=long_text)),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=long_text[:900])),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=long_text[900:], mode="append")),
               Turn(content="done"))
    result = run_cli("write", "A book", env={"KIMI_WRITER_MAX_WRITE_CHARS": "1000"})
    assert result.returncode == 0, result.stdout + result.stderr
    refusal = tool_results(server)["call_2"]
    assert "1,500 characters, over the limit of 1,000" in refusal and "'append'" in refusal
    assert (tmp_path / "projects/Capped/chapter_01.md").read_text() == long_text


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def test_a_full_disk_and_a_read_only_folder_are_tool_errors(server, run_cli, tmp_path):
    project = tmp_path / "projects" / "Machine"
    full, read_only = project / "full", project / "read_only"
    full.mkdir(parents=True)
    read_only.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=16k", "tmpfs", str(full)):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        assert _mount("--bind", str(read_only), str(read_only))
        assert _mount("-o", "remount,bind,ro", str(read_only))
        server.add(tool_turn(tool_call("create_project", project_name="Machine")),
                   tool_turn(tool_call("write_file", filename="full/chapter_01.md", content="word " * 20_000)),
                   tool_turn(tool_call("write_file", filename="read_only/chapter_01.md", content="x")),
                   tool_turn(tool_call("write_file", filename="chapter_01.md", content="Fine.\n")),
                   Turn(content="done"))
        result = run_cli("write", "A book")
        results = tool_results(server)
        left = os.listdir(full) + os.listdir(read_only)
    finally:
        subprocess.run(["umount", str(read_only)], capture_output=True)
        subprocess.run(["umount", str(full)], capture_output=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "No space left on device" in results["call_2"] and "Read-only file system" in results["call_3"]
    assert "write_file failed: the system refused it (No space left on device)" in result.stdout
    assert (project / "chapter_01.md").read_text() == "Fine.\n"
    assert left == []  # no half-written or temporary file


def test_a_chapter_that_is_not_utf8_never_stops_a_resumed_run(server, run_cli, tmp_path):
    project = tmp_path / "projects" / "Bytes"
    (project / ".kimi_writer").mkdir(parents=True)
    (project / "chapter_01.md").write_bytes(b"# Chapter 1\n\nCaf\xe9 at dawn.\n")
    (project / ".kimi_writer/session.json").write_text(json.dumps(state()))
    server.add(Turn(content="done"))
    result = run_cli("write", "--recover", str(project))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "Caf\ufffd at dawn." in json.dumps(server.requests, ensure_ascii=False)
    assert (project / "chapter_01.md").read_bytes() == b"# Chapter 1\n\nCaf\xe9 at dawn.\n"
