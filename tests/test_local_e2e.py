"""End to end with the real bundled model (SmolLM2-135M through llama-cpp-python): the installed
`kimi-writer` writes a book with no API key and no network. Runs fail when they stop making
progress (tests/local_runner.py), not at a fixed time: a busy machine is slow, not hung."""

from __future__ import annotations

import importlib.util
import re
import subprocess

import pytest

from kimi_writer.book.outline import chapter_number, parse_outline
from tests.local_runner import LocalRun

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                reason="llama_cpp is not installed; install the local extra: pip install -e '.[local]'")


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """The run to its end, as subprocess.run would give it, failing only if it stops making progress."""
    local = LocalRun(tmp_path, *args)
    code = local.finish()
    print(f"kimi-writer {' '.join(args)}: {local.seconds:.0f} s")  # shown with pytest -s: the README's times
    return subprocess.CompletedProcess(local.process.args, code, local.stdout, local.stderr)


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


def test_plan_only_stops_after_the_outline_then_recover_drafts_the_edited_plan(tmp_path):
    planned = run(tmp_path, "write", "A 2-chapter fable about a fox", "--provider", "local", "--plan-only",
                  "--max-iterations", "8")

    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
    assert len(re.findall(r"^Iteration \d+/", planned.stdout, re.M)) == 3  # project, outline, closing message
    [project] = (tmp_path / "projects").iterdir()
    assert "The plan is ready" in planned.stdout and "refused" not in planned.stdout
    assert [p.name for p in project.glob("*.md") if chapter_number(p.name)] == []
    outline = project / "outline.md"
    edited = re.sub(r"^1\. \*\*.*?\*\*", "1. **The Stolen Cheese**", outline.read_text(), count=1, flags=re.M)
    outline.write_text(edited)

    drafted = run(tmp_path, "write", "--recover", str(project), "--provider", "local", "--max-iterations", "1")

    assert drafted.returncode == 3, drafted.stdout[-3000:] + drafted.stderr[-3000:]  # the iteration limit
    assert (project / "chapter_01.md").read_text().startswith("# Chapter 1: The Stolen Cheese\n")
