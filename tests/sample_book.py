"""A small finished book on disk, and a runner for the CLI with no API key, for export and lint tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import CLI, clean_env

OUTLINE = """# Fog Over London — Outline

1. **The Fog** — A body on the Embankment. (~3,000 words)
2. The Docks: Hale does not believe the clerk. (2000 words)
3. The Reveal - It was the brother.
"""

# Outline order is 1, 2, 3; sorted file names give ch3.md, chapter_1.md, chapters/chapter_02.md.
CHAPTERS = {
    "chapter_1.md": "# Chapter 1: The Fog\n\nThe fog came up the river at dusk.\n",
    "chapters/chapter_02.md": "# Chapter 2: The Docks\n\nInspector Hale did not believe the clerk.\n"
                              "His story was a testament to practice, not to truth.\n",
    "ch3.md": "# Chapter 3: The Reveal\n\nIt was the brother, of course; it always was.\n",
}
IN_ORDER = ["chapter_1.md", "chapters/chapter_02.md", "ch3.md"]
TITLES = ["Chapter 1: The Fog", "Chapter 2: The Docks", "Chapter 3: The Reveal"]


def write_sample_book(projects: Path, name: str = "Fog_Over_London") -> Path:
    """A three-chapter project with an outline, a story-bible file and one planted stock phrase."""
    root = projects / name
    (root / "chapters").mkdir(parents=True)
    (root / "outline.md").write_text(OUTLINE, encoding="utf-8")
    (root / "characters.md").write_text("# Characters\n\n- Hale: a tapestry of bad habits.\n", encoding="utf-8")
    for file, text in CHAPTERS.items():
        (root / file).write_text(text, encoding="utf-8")
    return root


def run_offline(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run `kimi-writer ARGS` in `cwd` with no API key and no kimi-writer settings."""
    return subprocess.run([str(CLI), *args], cwd=cwd, env=clean_env(cwd, **env), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
