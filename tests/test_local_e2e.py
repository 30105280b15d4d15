"""End to end with the real bundled model (SmolLM2-135M through llama-cpp-python): the installed
`kimi-writer` writes a book with no API key and no network."""

from __future__ import annotations

import importlib.util
import subprocess

import pytest

from kimi_writer.outline import chapter_number, parse_outline
from tests.conftest import CLI, clean_env

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                reason="llama_cpp is not installed; install the local extra: pip install -e '.[local]'")


def run(tmp_path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], cwd=tmp_path, env=clean_env(tmp_path), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_the_bundled_model_writes_a_book(tmp_path):
    result = run(tmp_path, "write", "A short fable about a fox", "--provider", "local", "--max-iterations", "12")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [project] = (tmp_path / "projects").iterdir()
    outline = (project / "outline.md").read_text()
    assert outline.startswith("# ") and len(parse_outline(outline)) >= 1
    chapters = sorted((p for p in project.rglob("*.md") if chapter_number(p.name)), key=lambda p: chapter_number(p.name))
    assert chapters and all(c.read_text().startswith("# Chapter") for c in chapters)
    assert len(chapters[0].read_text().split()) > 20
    assert "Iteration 1/12" in result.stdout and "tool call: write_file" in result.stdout
    assert "wrote chapter_01.md" in result.stdout and "Finished: the model says the book is done." in result.stdout
    assert "uses the bundled local model" not in result.stdout  # chosen by --provider, so no notice


def test_without_a_key_the_local_model_is_used_and_says_so(tmp_path):
    result = run(tmp_path, "write", "A poem about rain", "--max-iterations", "1")

    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]  # the iteration limit
    assert "No API key is set, so kimi-writer uses the bundled local model" in result.stdout
    assert len(list((tmp_path / "projects").iterdir())) == 1


def test_a_missing_model_file_is_a_usage_error(tmp_path):
    result = run(tmp_path, "write", "x", "--provider", "local", "--model-path", str(tmp_path / "none.gguf"))

    assert result.returncode == 2
    assert "none.gguf: no such file" in result.stderr
