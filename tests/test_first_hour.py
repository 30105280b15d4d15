"""Issue 29, the first hour: each defect a new user met, against the scripted server."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import time

import pytest

from kimi_writer.model.api_errors import Scrubber
from tests.conftest import CLI, TEST_KEY, clean_env, user_message
from tests.sample_book import run_offline, write_sample_book
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn

BODY = "The fog lay on the river like a held breath, and nobody on the Embankment moved.\n"


def chapter_turns(*numbers: int, project: str = "Fog", delay: float = 0.0) -> list[Turn]:
    turns = [tool_turn(tool_call("create_project", project_name=project), delay=delay)]
    return turns + [tool_turn(tool_call("write_file", filename=f"chapter_{n:02d}.md", content=f"# Chapter {n}\n\n{BODY}"),
                              delay=delay) for n in numbers]


# -- 1. the demo's own key broke the resume commands


def test_a_short_key_never_cuts_a_word_out_of_a_path():
    assert Scrubber(["demo"])("Resume with: kimi-writer write --recover /home/me/demo/projects/Fog") == \
        "Resume with: kimi-writer write --recover /home/me/demo/projects/Fog"
    key = "sk-abcdefghijklmnop"  # 19 characters: a key, scrubbed as a whole token only
    scrub = Scrubber([key])
    assert scrub(f"Bearer {key}. and key={key}") == "Bearer sk-…. and key=sk-…"
    assert scrub(f"/home/{key}x/book and {key}_2") == f"/home/{key}x/book and {key}_2"


def test_the_resume_command_printed_with_a_demo_key_works_when_pasted(server, run_cli, tmp_path):
    server.add(*chapter_turns(1))
    first = run_cli("write", "A mystery", "--max-iterations", "2", "--projects-dir", "demo/projects",
                    env={"KIMI_WRITER_API_KEY": "demo"})
    assert first.returncode == 3, first.stdout + first.stderr
    project = tmp_path / "demo/projects/Fog"
    resume = f"Resume with: kimi-writer write --recover {project}"
    assert resume in first.stdout
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content=BODY)), Turn(content="done"))
    pasted = run_cli(*shlex.split(resume.split(": ", 1)[1])[1:], env={"KIMI_WRITER_API_KEY": "demo"})
    assert pasted.returncode == 0, pasted.stdout + pasted.stderr
    assert (project / "chapter_02.md").read_text() == BODY


# -- 2. explicit settings were silently ignored


@pytest.mark.parametrize("setting, env", [
    (["--base-url", "http://127.0.0.1:9/v1"], {}),
    (["--model", "my-model"], {}),
    ([], {"KIMI_WRITER_BASE_URL": "http://127.0.0.1:9/v1"}),
])
def test_an_explicit_server_or_model_without_a_key_is_a_usage_error(tmp_path, setting, env):
    result = subprocess.run([str(CLI), "write", "A mystery", *setting], cwd=tmp_path, env=clean_env(tmp_path, **env),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "export KIMI_WRITER_API_KEY=" in result.stderr
    assert "local model" not in result.stdout and not (tmp_path / "projects").exists()


def test_the_local_model_notice_comes_only_after_the_arguments_are_checked(tmp_path):
    result = run_offline(tmp_path, "write", "--recover", "Nowhere")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "local model" not in result.stdout
    assert "Nowhere does not exist" in result.stderr or "no API key is set" in result.stderr


# -- 4. planned chapters unwritten: exit 6 (see also test_cli_ux_e2e.test_done_with_planned_chapters_missing_says_which)


def test_a_book_with_planned_chapters_unwritten_exits_6(server, run_cli, tmp_path):
    outline = "# Fog\n\n1. One — a.\n2. Two — b.\n"
    server.add(tool_turn(tool_call("create_project", project_name="Fog")),
               tool_turn(tool_call("write_file", filename="outline.md", content=outline)),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=BODY)), Turn(content="done"))
    result = run_cli("write", "A mystery")
    assert result.returncode == 6, result.stdout + result.stderr
    assert "Finished, but 1 of 2 planned chapters is not written (chapter 2)" in result.stdout


# -- 5. bad URLs retried for a minute


@pytest.mark.parametrize("url", ["htp://host/v1", "host:8080/v1", "http//host/v1", "http://:80/v1"])
def test_a_malformed_url_is_exit_2_at_once(run_cli, server, url):
    started = time.monotonic()
    result = run_cli("write", "A mystery", "--base-url", url)
    assert time.monotonic() - started < 15  # the CLI's start-up only: no request, no retry
    assert result.returncode == 2, result.stdout + result.stderr
    said = result.stderr  # one sentence, with the example of a whole URL (Moonshot's) between these two parts
    assert said.startswith("Error: --base-url must be a whole URL that starts with http:// or https://, such as ")
    assert said.endswith(f'/v1 (got "{url}")\n') and said.count("\n") == 1
    assert server.requests == []


def test_a_refused_connection_gives_up_within_10_seconds_and_names_the_url(run_cli):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    started = time.monotonic()
    result = run_cli("write", "A mystery", "--base-url", url, env={"KIMI_WRITER_RETRY_BASE_DELAY": "1"})
    assert time.monotonic() - started < 10 + 3  # 3 s for the CLI's start-up on a busy machine
    assert result.returncode == 4, result.stdout + result.stderr
    assert f"Could not connect to {url} (the connection was refused)" in result.stdout


def test_a_404_with_no_model_list_suggests_v1(server, run_cli):
    root = server.base_url.removesuffix("/v1")
    result = run_cli("write", "A mystery", "--base-url", root)
    assert result.returncode == 4, result.stdout + result.stderr
    assert f"The server at {root} answered 404 (not found) for /chat/completions" in result.stdout
    assert f"may need /v1 at its end (such as {root}/v1)" in result.stdout and "has no model" not in result.stdout


# -- 6. outline with an $EDITOR that does not exist


def test_outline_with_a_missing_editor_is_one_sentence(tmp_path):
    write_sample_book(tmp_path / "projects")
    primary, secondary = os.openpty()  # the editor runs only on a terminal
    try:
        result = subprocess.run([str(CLI), "outline", "Fog_Over_London"], cwd=tmp_path, stdin=secondary,
                                env=clean_env(tmp_path, EDITOR="no-such-editor-29"), capture_output=True,
                                text=True, timeout=60)
    finally:
        os.close(primary)
        os.close(secondary)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error: the editor in $EDITOR (no-such-editor-29) could not be started")
    assert "$VISUAL or $EDITOR" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- 7. export --output outdir/


def test_export_output_to_a_folder(tmp_path):
    write_sample_book(tmp_path / "projects")
    (tmp_path / "shelf").mkdir()
    existing = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "md", "--output", "shelf")
    assert existing.returncode == 0, existing.stderr
    assert (tmp_path / "shelf/Fog_Over_London.md").is_file()
    new = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "html", "--output", "outdir/")
    assert new.returncode == 0, new.stderr
    assert (tmp_path / "outdir/Fog_Over_London.html").is_file()


@pytest.mark.parametrize("output", ["missing/book.epub", "missing/deeper/"])
def test_export_to_a_missing_folder_is_exit_2(tmp_path, output):
    write_sample_book(tmp_path / "projects")
    result = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "epub", "--output", output)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error: the folder missing") and "does not exist" in result.stderr
    assert not (tmp_path / "missing").exists()


# -- 10. the end-of-run list read the word counts from the state


def test_the_end_of_run_list_counts_the_files_as_they_are(server, run_cli, tmp_path):
    server.add(*chapter_turns(1))
    assert run_cli("write", "A mystery", "--max-iterations", "2").returncode == 3
    chapter = tmp_path / "projects/Fog/chapter_01.md"
    chapter.write_text(chapter.read_text() + "The author added these seven words by hand.\n")
    server.add(tool_turn(tool_call("write_file", filename="chapter_02.md", content=BODY)), Turn(content="done"))
    result = run_cli("write", "--recover", "Fog")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  chapter_01.md: 27 words\n" in result.stdout  # 19 written by the model + 8 by the author
    assert "  chapter_02.md: 16 words\n" in result.stdout


# -- 11. `kimi-writer write ... | head`


def test_a_closed_pipe_saves_the_book_and_recover_goes_on(server, tmp_path):
    server.add(*chapter_turns(1, 2, 3, delay=0.05), Turn(content="done"))
    env = clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url)
    run = subprocess.Popen([str(CLI), "write", "A mystery"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (tmp_path / "projects/Fog/.kimi_writer/session.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    run.stdout.close()  # `| head` has read what it wanted
    stderr = run.stderr.read().decode()
    assert run.wait(timeout=60) == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    summaries = list((tmp_path / "projects/Fog").glob(".context_summary_*.md"))
    assert len(summaries) == 1  # the checkpoint
    served = len(server.requests)
    assert server.drop_remaining() > 1  # the run stopped when the pipe closed, not at the end of the book
    written = {p.name for p in (tmp_path / "projects/Fog").glob("chapter_*.md")}
    server.add(*[tool_turn(tool_call("write_file", filename=f"chapter_{n:02d}.md", content=f"# Chapter {n}\n\n{BODY}"))
                 for n in (1, 2, 3) if f"chapter_{n:02d}.md" not in written], Turn(content="done"))
    recovered = subprocess.run([str(CLI), "write", "--recover", "Fog"], cwd=tmp_path, env=env, capture_output=True,
                               text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert "resumed in the same project, 'Fog'" in user_message(server.requests[served], "[Resumed]")
    assert server.remaining == 0
    for number in (1, 2, 3):
        assert (tmp_path / f"projects/Fog/chapter_{number:02d}.md").read_text() == f"# Chapter {number}\n\n{BODY}"


# -- 12. small things


def test_lint_says_stories_for_a_collection(tmp_path):
    book = tmp_path / "projects/Signals"
    book.mkdir(parents=True)
    (book / "outline.md").write_text("# Signals\n\n## Story 1 — One\nA.\n\n## Story 2 — Two\nB.\n")
    for number in (1, 2):
        (book / f"story_0{number}.md").write_text(f"# Story {number}\n\n{BODY}")
    result = run_offline(tmp_path, "lint", "Signals")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings in 2 stories (" in result.stderr and "chapters" not in result.stderr


def test_the_format_help_is_one_line(tmp_path):
    result = run_offline(tmp_path, "export", "--help", COLUMNS="80")
    lines = [line for line in result.stdout.splitlines() if "--format" in line]
    assert len(lines) == 1 and "epub, html, md or docx (Word)." in lines[0]


def test_no_byline_unless_author_is_given(tmp_path):
    write_sample_book(tmp_path / "projects")
    plain = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "md", "--output", "plain.md")
    assert plain.returncode == 0, plain.stderr
    text = (tmp_path / "plain.md").read_text()
    assert "kimi-writer" not in text and text.startswith("# Fog Over London\n\n## Contents\n")
    named = run_offline(tmp_path, "export", "Fog_Over_London", "--format", "html", "--output", "named.html",
                        "--author", "Ada Hale")
    assert named.returncode == 0, named.stderr
    assert '<p class="author">Ada Hale</p>' in (tmp_path / "named.html").read_text()


# -- 3. the demo: `kimi-writer demo` (its flows: tests/test_readme.py)


def test_the_demo_on_a_taken_port_is_one_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = subprocess.run([str(CLI), "demo", "--port", port], cwd=tmp_path, env=clean_env(tmp_path),
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"Error: port {port} on 127.0.0.1 is not free") and "--port" in result.stderr
