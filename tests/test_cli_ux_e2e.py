"""The first hour (issue 13): --version, errors in the user's words, --help, draft, the end-of-run
summary, status on a finished book, and the live display as a terminal shows it."""

from __future__ import annotations

import importlib.util
import json
import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

import pytest

from kimi_writer import __version__
from kimi_writer.core.tokens import count_text, estimate_message
from tests.conftest import CLI, TEST_KEY, clean_env
from tests.sample_book import run_offline, write_sample_book
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn

OUTLINE = "# Fog\n\n1. The Fog: a body.\n2. The Docks: a lie.\n3. The Reveal: the brother.\n"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
LOCAL_INSTALLED = importlib.util.find_spec("llama_cpp") is not None


def book_turns(*chapters: int, usage: tuple[int, int] | None = (1000, 100), usage_in: str = "chunk") -> list[Turn]:
    """create_project, the outline, the chapters given, then "done"."""
    turns = [tool_turn(tool_call("create_project", project_name="Fog"), usage=usage, usage_in=usage_in),
             tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE), usage=usage, usage_in=usage_in)]
    turns += [tool_turn(tool_call("write_file", filename=f"chapter_{n:02d}.md", content=f"# Chapter {n}\n\nText {n}.\n"),
                        usage=usage, usage_in=usage_in) for n in chapters]
    return turns + [Turn(content="The book is done.", usage=usage, usage_in=usage_in)]


# -- --version and errors


def test_version_prints_the_version_and_help_still_shows_alone(tmp_path):
    result = run_offline(tmp_path, "--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"kimi-writer {__version__}\n", "")
    alone = run_offline(tmp_path)
    assert "Usage: kimi-writer [OPTIONS] COMMAND" in alone.stdout and "write" in alone.stdout


@pytest.mark.parametrize(("args", "env", "dotenv", "expected"), [
    (["--max-iterations", "-3"], {}, "", "--max-iterations must be at least 1 (got -3)"),
    (["--max-iterations=-3"], {}, "", "--max-iterations must be at least 1 (got -3)"),
    ([], {"KIMI_WRITER_MAX_ITERATIONS": "abc"}, "", 'KIMI_WRITER_MAX_ITERATIONS must be a whole number (got "abc")'),
    (["--compress-at", "300000"], {}, "", "--compress-at (300,000) must not exceed --token-limit (200,000)"),
    (["--max-iterations", "abc"], {}, "", '--max-iterations must be a whole number (got "abc")'),
    (["--max-cost", "cheap"], {}, "", '--max-cost must be a number (got "cheap")'),
    (["--context", "some"], {}, "", "--context must be 'full' or 'compact' (got \"some\")"),
    (["--parallel", "40"], {}, "", "--parallel must be at most 16 (got 40)"),
    ([], {"KIMI_WRITER_PLAN_ONLY": "maybe"}, "", 'KIMI_WRITER_PLAN_ONLY must be true or false (got "maybe")'),
    ([], {}, "KIMI_WRITER_TOKEN_LIMIT=5\n", "KIMI_WRITER_TOKEN_LIMIT in .env must be at least 1,000 (got 5)"),
    (["--token-limit", "150000"], {"KIMI_WRITER_COMPRESS_AT": "160000"}, "",
     "KIMI_WRITER_COMPRESS_AT (160,000) must not exceed --token-limit (150,000)"),
    ([], {"KIMI_WRITER_PRICES": "{oops"}, "", "KIMI_WRITER_PRICES is not valid JSON"),
    (["--max-iteration", "3"], {}, "", "no such option: --max-iteration (Possible options: --max-iterations"),
])
def test_a_bad_setting_is_named_as_the_user_typed_it(server, run_cli, tmp_path, args, env, dotenv, expected):
    if dotenv:
        (tmp_path / ".env").write_text(dotenv)
    result = run_cli("write", "A mystery", *args, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {expected}"), result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "invalid setting" not in result.stderr and server.requests == []


@pytest.mark.parametrize(("args", "expected"), [
    (["status", "Fog_Over_London", "--chapter-words", "abc"], '--chapter-words must be a whole number (got "abc")'),
    (["draft", "Fog_Over_London", "--parallel", "0"], "--parallel must be at least 1 (got 0)"),
    (["export", "Fog_Over_London", "--format", "pdf"], "invalid value for '--format': 'pdf' is not one of"),
])
def test_other_commands_name_a_bad_flag_in_one_line(tmp_path, args, expected):
    write_sample_book(tmp_path / "projects")
    result = run_offline(tmp_path, *args)
    assert result.returncode == 2 and result.stderr.startswith(f"Error: {expected}"), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_help_shows_plain_flags_env_vars_defaults_and_argument_names(tmp_path):
    result = run_offline(tmp_path, "write", "--help", COLUMNS="250")
    assert result.returncode == 0
    assert "<bool>" not in result.stdout and "Usage: kimi-writer write [OPTIONS] [PROMPT]" in result.stdout
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│ --")}
    assert set(rows) >= {"--recover", "--plan-only", "--show-reasoning", "--max-iterations", "--help"}
    for flag, row in rows.items():
        if flag not in ("--recover", "--help"):
            variable = "KIMI_WRITER_" + flag[2:].replace("-", "_").upper()
            assert f"[env var: {variable}" in row and "[default: " in row, row
    assert "[default: 300]" in rows["--max-iterations"] and "[default: off]" in rows["--plan-only"]
    assert "[env var: KIMI_WRITER_BASE_URL or MOONSHOT_BASE_URL]" in rows["--base-url"]
    draft = run_offline(tmp_path, "draft", "--help", COLUMNS="250")
    assert "<bool>" not in draft.stdout and "PROJECT" in draft.stdout and "[env var: KIMI_WRITER_PARALLEL]" in draft.stdout


# -- draft


def test_draft_names_an_unknown_project_before_a_missing_key(tmp_path):
    result = run_offline(tmp_path, "draft", "Nothing_Here")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: there is no project Nothing_Here"), result.stderr


@pytest.mark.skipif(LOCAL_INSTALLED, reason="with the local extra, draft uses the bundled model instead")
def test_draft_without_a_key_or_the_local_extra_asks_for_a_key(tmp_path):
    write_sample_book(tmp_path / "projects")
    result = run_offline(tmp_path, "draft", "Fog_Over_London", "--overwrite")
    assert result.returncode == 2 and result.stderr.startswith("Error: no API key is set"), result.stderr


@pytest.mark.skipif(not LOCAL_INSTALLED, reason="llama_cpp is not installed; install the local extra")
def test_draft_without_a_key_uses_the_local_model(tmp_path):
    root = write_sample_book(tmp_path / "projects")
    before = (root / "chapter_1.md").read_text()
    result = subprocess.run([str(CLI), "draft", "Fog_Over_London", "--chapters", "1", "--overwrite"], cwd=tmp_path,
                            env=clean_env(tmp_path), capture_output=True, text=True, timeout=900,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "No API key is set, so kimi-writer drafts with the bundled local model" in result.stdout
    assert "1 of 1 chapters drafted." in result.stdout
    after = (root / "chapter_1.md").read_text()
    assert after != before and len(after.split()) > 20


# -- the end of a run, and status


def summary_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("This run:", "Whole book:"))]


def test_recover_summary_shows_this_run_and_the_whole_book(server, run_cli, tmp_path):
    server.add(*book_turns(1, 2, 3)[:2])
    first = run_cli("write", "A mystery", "--max-iterations", "2")
    assert first.returncode == 3
    assert summary_lines(first.stdout) == ["This run: 2 iterations · tokens in 2,000, out 200 · estimated cost $0.0017"]
    server.add(*book_turns(1, 2, 3)[2:])
    second = run_cli("write", "--recover", "Fog")
    assert second.returncode == 0, second.stderr
    assert summary_lines(second.stdout) == [
        "This run: 4 iterations · tokens in 4,000, out 400 · estimated cost $0.0034",
        "Whole book: 6 iterations over 2 runs · tokens in 6,000, out 600 · estimated cost $0.0051",
    ]
    assert "Finished: the model says the book is done." in second.stdout


def test_without_usage_from_the_server_the_counts_are_estimated(server, run_cli, tmp_path):
    server.add(*book_turns(1, 2, 3, usage_in="none"))
    result = run_cli("write", "A mystery")
    assert result.returncode == 0, result.stderr
    expected_in = sum(count_text(json.dumps(r["tools"])) + sum(estimate_message(m) for m in r["messages"])
                      for r in server.requests)
    [line] = summary_lines(result.stdout)
    match = re.fullmatch(r"This run: 6 iterations · tokens in ([\d,]+), out ([\d,]+) "
                         r"\(estimated: the server reported no usage\) · estimated cost \$\d\.\d{4}", line)
    assert match, line
    assert int(match.group(1).replace(",", "")) == expected_in and int(match.group(2).replace(",", "")) > 0
    state = json.loads((tmp_path / "projects/Fog/.kimi_writer/session.json").read_text())
    assert state["runs"][-1]["estimated"] is True and state["runs"][-1]["prompt_tokens"] == expected_in
    status = run_offline(tmp_path, "status", "Fog")
    assert f"tokens in {expected_in:,}, out " in status.stdout
    assert "(estimated: the server reported no usage)" in status.stdout


def test_done_with_planned_chapters_missing_says_which(server, run_cli, tmp_path):
    server.add(*book_turns(2, 3))
    result = run_cli("write", "A mystery")
    assert result.returncode == 6, result.stderr  # a script must not see success (issue 29)
    project = tmp_path / "projects/Fog"
    assert (f"Finished, but 1 of 3 planned chapters is not written (chapter 1): continue with "
            f"kimi-writer write --recover {project}") in result.stdout
    assert "the model says the book is done" not in result.stdout
    status = run_offline(tmp_path, "status", "Fog")
    assert f"Continue with: kimi-writer write --recover {project}" in status.stdout


def test_a_plan_only_run_ends_with_the_plan_alone(server, run_cli, tmp_path):
    server.add(*book_turns()[:2], Turn(content="The plan is done."))
    result = run_cli("write", "A mystery", "--plan-only")
    assert result.returncode == 0, result.stderr
    project = tmp_path / "projects/Fog"
    assert "Finished" not in result.stdout
    assert result.stdout.rstrip().splitlines()[-2:] == [
        f"The plan is ready: {project / 'outline.md'}",
        f"Read and edit it, then draft the chapters with: kimi-writer write --recover {project}"]


def test_status_of_a_finished_book_suggests_export(server, run_cli, tmp_path):
    server.add(*book_turns(1, 2, 3))
    assert run_cli("write", "A mystery").returncode == 0
    status = run_offline(tmp_path, "status", "Fog")
    project = tmp_path / "projects/Fog"
    assert "The book is finished: all 3 planned chapters are written." in status.stdout
    assert f"Export it with: kimi-writer export {project} --format epub" in status.stdout
    assert "Continue with" not in status.stdout


# -- the live display, as a terminal shows it


def run_in_terminal(cwd: Path, env: dict[str, str], *args: str, timeout: float = 120) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal; its exit code and everything it drew, control codes removed."""
    master, slave = pty.openpty()
    process = subprocess.Popen([str(CLI), *args], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        try:
            data = os.read(master, 65536) if ready else b""
        except OSError:  # the terminal closed: the process is gone
            break
        if ready and not data:
            break
        chunks.append(data)
    os.close(master)
    code = process.wait(timeout=10)
    return code, ANSI.sub("", b"".join(chunks).decode("utf-8", "replace"))


def terminal_env(tmp_path: Path, server, **extra: str) -> dict[str, str]:
    return clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url,
                     TERM="xterm-256color", **extra)


REASONING = "The docks at night, then the clerk's lie, then the brother. Start with fog."


def test_live_display_shows_the_iteration_once_and_how_long_the_model_thought(server, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Fog"), reasoning=REASONING, delay=0.3),
               Turn(reasoning="Done.", content="The book is done."))
    code, screen = run_in_terminal(tmp_path, terminal_env(tmp_path, server), "write", "A mystery")
    assert code == 0, screen
    assert screen.count("Iteration 1/300") == 1 and screen.count("Iteration 2/300") == 1, screen
    found = re.search(r"thought for (\d+(?:\.\d)?) s \(about 14 words\)", screen)
    assert found and float(found.group(1)) >= 1.0, screen
    assert "chars" not in screen.split("thought for", 1)[1].splitlines()[0]
    assert re.search(r"tokens \(\d+%\)\nthought for", screen), screen  # the reasoning collapsed


@pytest.mark.parametrize("how", ["flag", "env"])
def test_show_reasoning_keeps_the_reasoning_in_the_scrollback(server, tmp_path, how):
    server.add(tool_turn(tool_call("create_project", project_name="Fog"), reasoning=REASONING),
               Turn(reasoning="Done.", content="The book is done."))
    env = terminal_env(tmp_path, server, **({"KIMI_WRITER_SHOW_REASONING": "1"} if how == "env" else {}))
    code, screen = run_in_terminal(tmp_path, env, "write", "A mystery", *(["--show-reasoning"] if how == "flag" else []))
    assert code == 0, screen
    assert re.search(r"tokens \(\d+%\)\n" + re.escape(REASONING) + r"\nthought for [\d.]+ s", screen), screen
