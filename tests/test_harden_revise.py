"""Hardening of revise: nothing the author wrote is lost (issue 28, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sample_book import write_sample_book
from tests.test_revise import row, scored, version


def book(tmp_path: Path) -> Path:
    return write_sample_book(tmp_path / "projects")


def version_bytes(root: Path, stem: str) -> list[bytes]:
    return [path.read_bytes() for path in sorted((root / ".kimi_writer" / "versions" / stem).glob("*.md"))]


def test_a_chapter_that_is_not_utf8_keeps_its_exact_bytes_in_the_versions(tmp_path, server, run_cli):
    root = book(tmp_path)
    original = b"# Chapter 1: The Fog\n\nCaf\xe9 au lait at dusk, \xff\xfe.\n"
    (root / "chapter_1.md").write_bytes(original)
    server.add(scored(5), version("# Chapter 1: The Fog\n\nBetter.\n"), scored(8))
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1")
    assert result.returncode == 0, result.stderr
    assert (root / "chapter_1.md").read_text(encoding="utf-8") == "# Chapter 1: The Fog\n\nBetter.\n"
    assert original in version_bytes(root, "chapter_1")
