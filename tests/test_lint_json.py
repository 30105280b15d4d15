"""`lint --json`: its shape on disk (docs/schema/lint.json) and what a run prints."""

from __future__ import annotations

import json
from pathlib import Path

from kimi_writer.guard.lint_json import LintReport
from tests.sample_book import run_offline

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "schema" / "lint.json"
SAME_OPENER = " ".join(f"The old man walked {n} steps and stopped by the gate." for n in range(8))


def test_the_schema_file_is_the_model():
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == LintReport.model_json_schema(), \
        "regenerate docs/schema/lint.json from kimi_writer.guard.lint_json.LintReport"


def _book(tmp_path: Path, chapters: dict[str, str]) -> Path:
    folder = tmp_path / "projects" / "book"
    folder.mkdir(parents=True)
    for name, text in chapters.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "projects"


def test_json_lists_each_chapter_with_findings_and_its_slop_index(tmp_path):
    projects = _book(tmp_path, {"chapter_01.md": "# Chapter 1\n\n" + SAME_OPENER + "\n",
                                "chapter_02.md": "# Chapter 2\n\nShe went home. It rained all night, and nobody came.\n",
                                "banned_phrases.txt": "rained all night\n"})
    result = run_offline(tmp_path, "lint", "book", "--projects-dir", str(projects), "--json")
    report = LintReport.model_validate_json(result.stdout)
    assert result.returncode == 1 == report.exit_code
    first, second = report.chapters
    assert (first.file, second.file) == ("chapter_01.md", "chapter_02.md")
    opener = [f for f in first.findings if f.check == "opener"]
    assert [(f.line, f.quote, f.severity) for f in opener] == [(3, "The old man", "warning")]
    assert first.slop_index > 0 and first.slop_parts.openers > 0
    assert [(f.check, f.line, f.quote, f.severity) for f in second.findings] == [
        ("banned_phrase", 3, "rained all night", "error")]
    assert second.slop_index == 0 and set(second.slop_parts.model_dump().values()) == {0}
    assert (report.errors, report.warnings) == (1, len(first.findings))
