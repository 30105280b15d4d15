"""The README works as written: every command and flag its shell blocks name exists, and every flow runs,
in order, against one `kimi-writer demo` that stays up, each block in a new shell (issue 29)."""

from __future__ import annotations

import functools
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CLI, clean_env

README = Path(__file__).resolve().parent.parent / "README.md"
CI = README.parent / ".ci" / "run"
DEMO_PORT = "8808"  # the port the README's blocks name
INTERRUPTED = 'kimi-writer write "A collection of 5 short stories"'  # the README says: press Ctrl+C during it
SLOW = 300  # seconds for one command on a busy machine


def shell_blocks() -> list[list[str]]:
    """The README's ```bash blocks, as lists of command lines (comments dropped)."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)
    return [[line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
            for block in blocks]


def words(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def cli_calls(line: str) -> list[list[str]]:
    """The kimi-writer invocations in a line (`a && kimi-writer b`), each without the program name."""
    calls = []
    for part in re.split(r"&&|;", line):
        tokens = words(part)
        if tokens and Path(tokens[0]).name == "kimi-writer":
            calls.append(tokens[1:])
    return calls


@functools.lru_cache(maxsize=None)
def help_text(command: str) -> str:
    args = [command, "--help"] if command else ["--help"]
    result = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=60,
                            env=clean_env(Path("/tmp"), COLUMNS="200"), stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"kimi-writer {' '.join(args)}: {result.stderr}"
    return result.stdout


def test_every_command_and_flag_in_the_readme_exists():
    calls = [call for block in shell_blocks() for line in block for call in cli_calls(line)]
    assert len(calls) >= 15  # the README's flows, all of them checked
    for call in calls:
        command = call[0]
        assert re.search(rf"│ {re.escape(command)} ", help_text("")), f"kimi-writer has no command {command!r}"
        for flag in (token.split("=")[0] for token in call[1:] if token.startswith("--")):
            assert re.search(rf"{re.escape(flag)}\b", help_text(command)), f"kimi-writer {command} has no {flag}"


def test_the_readme_installs_and_tests_as_ci_does():
    ci = [line.strip() for line in CI.read_text().splitlines() if line.strip() and not line.startswith("#")]
    lines = [line for block in shell_blocks() for line in block]
    install = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev,local]'"
    test = ". .venv/bin/activate && pytest"
    assert install in lines and test in lines
    assert ci[-2:] == [install, test]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    """`kimi-writer demo` on a free port, up for the whole test; yields the port."""
    port = str(free_port())
    process = subprocess.Popen([str(CLI), "demo", "--port", port], cwd=tmp_path, env=clean_env(tmp_path),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    try:
        first = process.stdout.readline()
        assert first.startswith(f"Demo model ready at http://127.0.0.1:{port}/v1"), first
        yield port
        assert process.poll() is None  # still up after every flow
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def exported(line: str, port: str) -> dict[str, str]:
    pairs = [token.split("=", 1) for token in words(line)[1:]]
    return {name: value.replace(f":{DEMO_PORT}/", f":{port}/") for name, value in pairs}


def run_interrupted(args: list[str], cwd: Path, env: dict[str, str]) -> int:
    """Run a write and press Ctrl+C once its project is saved, as the README asks."""
    saved = set(cwd.glob("projects/*/.kimi_writer/session.json"))
    process = subprocess.Popen([str(CLI), *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + SLOW
    while set(cwd.glob("projects/*/.kimi_writer/session.json")) == saved and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=SLOW)


def run_block(block: list[str], cwd: Path, port: str) -> list[tuple[str, int, str]]:
    """Each kimi-writer line of a block, in a new shell's environment: (line, exit code, output)."""
    env, results = clean_env(cwd), []
    for line in block:
        if line.startswith("export "):
            env.update(exported(line, port))
        elif line.startswith("unset "):
            for name in words(line)[1:]:
                env.pop(name, None)
        for call in cli_calls(line):
            if line == INTERRUPTED:
                results.append((line, run_interrupted(call, cwd, env), ""))
                continue
            done = subprocess.run([str(CLI), *call], cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=SLOW, stdin=subprocess.DEVNULL)
            results.append((line, done.returncode, done.stdout + done.stderr))
    return results


def demo_blocks() -> list[list[str]]:
    """The blocks a new user runs against the demo: not the set-up, the demo itself or the real key."""
    skipped = ("pip install", "pytest", "kimi-writer demo", "MOONSHOT_API_KEY=")
    return [block for block in shell_blocks() if not any(s in line for line in block for s in skipped)]


def test_every_readme_flow_works_in_order_against_one_demo(demo, tmp_path):
    from kimi_writer import local

    results = [result for block in demo_blocks() for result in run_block(block, tmp_path, demo)]
    outputs = {line: output for line, _, output in results}
    for line, code, output in results:
        expected = 130 if line == INTERRUPTED else 0 if "doctor" not in line or local.available() else 1
        assert code == expected, f"{line}: exit {code}\n{output[-3000:]}"
    assert len(results) >= 13
    projects = tmp_path / "projects"
    assert sorted(p.name for p in (projects / "The_Lamplighters_Debt").glob("chapter_*.md")) == \
        ["chapter_01.md", "chapter_02.md", "chapter_03.md"]
    fen = projects / "The_House_at_Marrow_Fen"
    assert len(list(fen.glob("chapter_*.md"))) == 5 and (fen / "review.md").is_file()
    assert (fen / ".kimi_writer/versions").is_dir()  # revise wrote new versions
    assert len(list((projects / "Signals_From_the_Quiet_Earth").glob("story_*.md"))) == 5  # after Ctrl+C, --recover
    assert (fen / "The_House_at_Marrow_Fen.epub").is_file()
    assert (tmp_path / "manuscripts/The_House_at_Marrow_Fen.docx").is_file()
    status = outputs["kimi-writer status The_House_at_Marrow_Fen"]
    for shown in re.findall(r"```\n(Written: .*?)```", README.read_text(), re.S)[0].splitlines():
        assert shown.replace("projects/", f"{projects}/") in status  # the README shows what status says
