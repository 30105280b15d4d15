"""The wheel ships the prompt templates: build it, install it in a fresh venv, write a book with it.

The editable install the other tests use finds the templates in the checkout's
``prompts/`` folder, so only a real wheel in a separate venv proves that
``force-include`` puts them inside the package as ``kimi_writer/prompts``.
The wheel and the venv are built once per module (about 10 s with a warm pip
cache; dependencies come from the package index).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY, clean_env
from tests.scripted_server import Turn, tool_call

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "prompts"
SCRIPTS = "Scripts" if os.name == "nt" else "bin"


@dataclass
class Installed:
    wheel: Path
    venv: Path
    templates: list[str]  # prompts/ as it was when the wheel was built

    @property
    def python(self) -> Path:
        return self.venv / SCRIPTS / "python"

    @property
    def cli(self) -> Path:
        return self.venv / SCRIPTS / "kimi-writer"


def run(cmd: list, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd``, failing the test with its output if it exits non-zero."""
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL, **kwargs)
    assert result.returncode == 0, f"{cmd} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def outside_env(home: Path, **extra: str) -> dict[str, str]:
    """clean_env without PYTHONPATH, so nothing can point the fresh venv back at the checkout."""
    env = clean_env(home, **extra)
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """The wheel built from the checkout, installed (with its dependencies) in a fresh venv."""
    base = tmp_path_factory.mktemp("wheel")
    dist, venv, home = base / "dist", base / "venv", base / "home"
    home.mkdir()
    templates = sorted(p.relative_to(PROMPTS).as_posix() for p in PROMPTS.rglob("*") if p.is_file())
    run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT], timeout=300, cwd=ROOT)
    wheels = sorted(dist.glob("kimi_writer-*.whl"))
    assert len(wheels) == 1, wheels
    run([sys.executable, "-m", "venv", venv], timeout=120, cwd=base)
    env = outside_env(home, PIP_DISABLE_PIP_VERSION_CHECK="1")
    run([venv / SCRIPTS / "python", "-m", "pip", "install", wheels[0]], timeout=300, cwd=base, env=env)
    return Installed(wheels[0], venv, templates)


def test_wheel_contains_every_template(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    assert "kimi_writer/prompts/system.md.j2" in names
    assert installed.templates, "the checkout has no prompts/ templates"
    missing = [t for t in installed.templates if f"kimi_writer/prompts/{t}" not in names]
    assert missing == [], f"templates missing from {installed.wheel.name}"


def test_wheel_ships_the_slop_lists_and_the_installed_guard_reads_them(installed, tmp_path):
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    assert {"kimi_writer/data/slop_words_en.txt", "kimi_writer/data/slop_trigrams_en.txt"} <= names
    code = ("from kimi_writer.guard.language import ENGLISH, over_used; words, trigrams = over_used(ENGLISH); "
            "print(len(words) > 100, len(trigrams) > 100, 'flickered' in words)")
    result = run([installed.python, "-c", code], timeout=60, cwd=tmp_path, env=outside_env(tmp_path))
    assert result.stdout.split() == ["True", "True", "True"]


def test_fresh_venv_does_not_import_the_checkout(installed, tmp_path):
    result = run([installed.python, "-c", "import kimi_writer, sys; print(kimi_writer.__file__)"],
                 timeout=60, cwd=tmp_path, env=outside_env(tmp_path))
    package = Path(result.stdout.strip()).resolve().parent
    assert package.is_relative_to(installed.venv.resolve()), package
    assert not package.is_relative_to(ROOT), package
    # The templates are found next to the package, not in a ../prompts folder.
    assert (package / "prompts" / "system.md.j2").is_file()
    assert not (package.parent / "prompts").exists()


def test_installed_cli_writes_a_book(installed, server, tmp_path):
    assert not tmp_path.resolve().is_relative_to(ROOT)
    server.add(
        Turn(reasoning="plan", tool_calls=[tool_call("create_project", project_name="Tiny")]),
        Turn(reasoning="write", tool_calls=[tool_call("write_file", filename="chapter_01.md", content="Once.\n")]),
        Turn(content="done"),
    )
    env = outside_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url)
    result = subprocess.run([str(installed.cli), "write", "A tiny story"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert (tmp_path / "projects" / "Tiny" / "chapter_01.md").read_text() == "Once.\n"
    server.assert_complete()
    system = server.requests[0]["messages"][0]
    first_line = (PROMPTS / "system.md.j2").read_text().splitlines()[0]
    assert first_line.strip() and "{{" not in first_line and "{%" not in first_line
    assert system["role"] == "system"
    assert system["content"].startswith(first_line)


def test_the_installed_studio_serves_its_pages_styles_and_script(installed, tmp_path):
    studio = ROOT / "kimi_writer" / "studio"
    shipped = sorted(p.relative_to(studio).as_posix() for folder in ("templates", "static")
                     for p in (studio / folder).iterdir())
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    assert shipped and [name for name in shipped if f"kimi_writer/studio/{name}" not in names] == []
    (tmp_path / "projects" / "Tiny").mkdir(parents=True)
    process = subprocess.Popen([str(installed.cli), "studio", "--port", "0", "--no-browser"], cwd=tmp_path,
                               env=outside_env(tmp_path), text=True, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        base, token = process.stdout.readline().strip().removeprefix("Studio: ").split("/?token=")
        for path in ("/", "/static/studio.js", "/static/studio.css", "/books/Tiny"):
            request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200 and response.read(), path
    finally:
        process.terminate()
        process.wait(60)
