"""How long the mechanical checks take on a book of 20 chapters x 4,000 words (80,000 words).

The chapters are paragraphs of the prose samples in tests/checks_prose.py, shuffled (so sentences
are real-looking, and repeats across chapters are many: a worst case for the phrase checks).
Prints the time of `check_book` in this process (best of 3) and of `kimi-writer lint` through the
installed CLI, start-up included.

    python bench/lint_speed.py [--chapters 20] [--words 4000]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tests.checks_prose as samples  # noqa: E402
from kimi_writer.guard.checks import check_book  # noqa: E402
from kimi_writer.book.project import count_words  # noqa: E402
from kimi_writer.guard.style import banned_phrases  # noqa: E402
from tests.conftest import CLI, clean_env  # noqa: E402

PARAGRAPHS = [p for text in samples.VARIED + samples.FLAT + [samples.EVEN, samples.REPETITIVE]
              for p in text.split("\n\n") if p.strip() and not p.startswith("#")]


def chapter(rng: random.Random, number: int, words: int) -> str:
    """A chapter of about `words` words: a heading, then shuffled sample paragraphs."""
    parts, count = [f"# Chapter {number}: Part {number}"], 0
    while count < words:
        paragraph = rng.choice(PARAGRAPHS)
        parts.append(paragraph)
        count += count_words(paragraph)
    return "\n\n".join(parts) + "\n"


def write_long_book(root: Path, chapters: int, words: int, title: str = "Book") -> Path:
    """A project folder of `chapters` chapters of about `words` words each, with an outline (seed 28)."""
    root.mkdir(parents=True)
    rng = random.Random(28)
    outline = "\n".join(f"{n}. Part {n}: the story goes on." for n in range(1, chapters + 1))
    (root / "outline.md").write_text(f"# {title}\n\n{outline}\n", encoding="utf-8")
    for number in range(1, chapters + 1):
        (root / f"chapter_{number:03d}.md").write_text(chapter(rng, number, words), encoding="utf-8")
    return root


def write_book(root: Path, chapters: int, words: int) -> list[tuple[str, str, int | None]]:
    """The book on disk (an outline with targets, chapter_NN.md), and its chapters for check_book."""
    rng = random.Random(2026)
    texts = [(f"chapter_{n:02d}.md", chapter(rng, n, words), words) for n in range(1, chapters + 1)]
    root.mkdir(parents=True)
    (root / "outline.md").write_text("# Bench\n\n" + "".join(
        f"{n}. Part {n} — The story goes on. (~{words:,} words)\n" for n in range(1, chapters + 1)), encoding="utf-8")
    for name, text, _ in texts:
        (root / name).write_text(text, encoding="utf-8")
    return texts


def best_of(runs: int, action) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=20)
    parser.add_argument("--words", type=int, default=4000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        texts = write_book(Path(home) / "projects" / "Bench", options.chapters, options.words)
        words = sum(count_words(text) for _, text, _ in texts)
        phrases = banned_phrases()
        seconds, checked = best_of(3, lambda: check_book(texts, phrases))
        findings = sum(len(report.findings) for report in checked)
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        lint = subprocess.run([str(CLI), "lint", "Bench"], cwd=home, env=clean_env(Path(home)),
                              capture_output=True, text=True, timeout=600)
        cli_seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(f"Book: {options.chapters} chapters, {words:,} words; {findings:,} findings")
    print(f"check_book (best of 3): {seconds:.2f} s ({seconds * 1000 / options.chapters:.0f} ms per chapter)")
    print(f"kimi-writer lint (CLI, start-up included): {cli_seconds:.2f} s, exit {lint.returncode}, "
          f"{len(lint.stdout.splitlines()):,} lines; {cpu:.2f} s of CPU (the figure to trust on a busy machine)")


if __name__ == "__main__":
    main()
