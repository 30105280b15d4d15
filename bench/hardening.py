"""The three speed figures of issue 28 (hardening, round two), printed as a table.

- building the ledger excerpt (`ledger_for`) from a continuity.md of 562 and of 9,000 items;
- `kimi-writer review --mechanical-only --chapters 150` on a book of 300 chapters x 3,000 words
  (through the installed CLI, start-up included; the peak memory of the child process);
- HTML, EPUB and DOCX export (they render the Markdown) of one paragraph of 51,000 `[`.

    python bench/hardening.py [--chapters 300] [--words 3000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lint_speed import write_long_book  # noqa: E402
from kimi_writer.book.ledger import SECTIONS, ledger_for  # noqa: E402
from kimi_writer.book.manuscript import Chapter, Manuscript  # noqa: E402
from kimi_writer.book.project import Project  # noqa: E402
from kimi_writer.export.formats import Format, export  # noqa: E402
from tests.conftest import CLI, clean_env  # noqa: E402


def seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def ledger_book(root: Path, items: int) -> Project:
    """A project whose continuity.md has `items` items spread over the five sections."""
    root.mkdir(parents=True)
    (root / "outline.md").write_text("# Outline\n\n1. The Fog: Hale and Mara at the quay.\n", encoding="utf-8")
    lines = ["# Continuity", ""]
    for number, heading in enumerate(SECTIONS.values()):
        lines += [f"## {heading}", ""]
        lines += [f"- Item {n} of {heading}: Hale saw a thing on the quay {n}." for n in range(items // 5 + (number < items % 5))]
        lines.append("")
    (root / "continuity.md").write_text("\n".join(lines), encoding="utf-8")
    return Project(root)


def ledger_row(folder: Path) -> tuple[str, str]:
    small, large = ledger_book(folder / "small", 562), ledger_book(folder / "large", 9_000)
    small_time = seconds(lambda: ledger_for(small, "chapter_01.md"))
    large_time = seconds(lambda: ledger_for(large, "chapter_01.md"))
    return "building the ledger excerpt, 9,000 items", f"{large_time:.2f} s ({small_time:.2f} s at 562)"


def mechanical_row(folder: Path, chapters: int, words: int) -> tuple[str, str]:
    root = write_long_book(folder / "projects" / "Big_Book", chapters, words, "Big Book")
    command = [str(CLI), "review", str(root), "--mechanical-only", "--chapters", str(chapters // 2)]
    cold, cold_mb = timed_run(command, folder)  # builds the n-gram index of the other chapters
    warm, warm_mb = timed_run(command, folder)
    return (f"`review --mechanical-only` of one chapter of a book of {chapters} chapters of {words:,} words",
            f"{warm:.1f} s, {warm_mb:.0f} MB ({cold:.1f} s, {cold_mb:.0f} MB building the index)")


def timed_run(command: list[str], folder: Path) -> tuple[float, float]:
    """Seconds and peak megabytes of one run of `command` (in its own watcher, so each run is measured alone)."""
    watcher = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True); "
               "sys.exit(done.stderr.decode()) if done.returncode else "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", watcher, *command], env=clean_env(folder), capture_output=True,
                            text=True, timeout=900)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return elapsed, int(result.stdout.strip()) / 1024


def export_row(folder: Path) -> tuple[str, str]:
    book = Manuscript("Brackets", [Chapter("chapter_1.md", "Chapter 1", "# Chapter 1\n\n" + "[" * 51_000 + "\n", 1)])
    times = [seconds(lambda fmt=fmt: export(book, fmt, folder / f"book.{fmt.value}"))
             for fmt in (Format.html, Format.epub, Format.docx)]
    return ("HTML, EPUB or DOCX export of one 51,000-character paragraph of `[`",
            " / ".join(f"{t:.2f} s" for t in times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--words", type=int, default=3_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = [ledger_row(folder / "ledger"), mechanical_row(folder, args.chapters, args.words),
                export_row(folder)]
    print("| what | this branch |\n| --- | ---: |")
    for what, figure in rows:
        print(f"| {what} | {figure} |")


if __name__ == "__main__":
    main()
