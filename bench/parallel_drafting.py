"""Parallel drafting against a writer server throttled to a fixed rate: sequential vs --parallel N.

Runs `kimi-writer draft PROJECT` on a 12-chapter outline against the scripted server, which
streams every response at RATE tokens per second (the server counts 4 characters as a token),
and prints each run's wall time and its ratio to the ideal: output tokens / (RATE x N).

    python bench/parallel_drafting.py [--chapters 12] [--words 500] [--rate 200] [--parallel 4]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tests.scripted_server as scripted  # noqa: E402
from tests.conftest import CLI, clean_env  # noqa: E402
from tests.scripted_server import ScriptedServer, Turn  # noqa: E402

PIECE_CHARS = 40  # 10 tokens per streamed chunk


def chapter(number: int, words: int) -> str:
    sentence = "The lamps burned low along the river while Hale waited for the tide."
    body = " ".join([sentence] * (words // len(sentence.split()) + 1))
    return f"# Chapter {number}\n\n{body}\n"


def run(chapters: int, words: int, rate: float, parallel: int) -> tuple[float, int]:
    """Wall seconds of one `draft` run, and the output tokens it streamed."""
    delay = (PIECE_CHARS / 4) / rate
    texts = [chapter(n, words) for n in range(1, chapters + 1)]
    with tempfile.TemporaryDirectory() as tmp, ScriptedServer([Turn(content=t, delay=delay) for t in texts]) as server:
        project = Path(tmp) / "projects" / "Bench"
        project.mkdir(parents=True)
        (project / "outline.md").write_text("# Bench\n\n" + "".join(
            f"{n}. **Part {n}** — Hale waits for the tide.\n" for n in range(1, chapters + 1)))
        env = clean_env(Path(tmp), KIMI_WRITER_API_KEY="bench", KIMI_WRITER_BASE_URL=server.base_url)
        started = time.perf_counter()
        result = subprocess.run([str(CLI), "draft", "Bench", "--parallel", str(parallel)], cwd=tmp, env=env,
                                capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"draft failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        server.assert_complete()
        return wall, sum(len(t) // 4 for t in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=12)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--rate", type=float, default=200.0, help="tokens per second per stream")
    parser.add_argument("--parallel", type=int, default=4)
    options = parser.parse_args()
    scripted.PIECE = PIECE_CHARS
    print(f"{options.chapters} chapters x {options.words} words, {options.rate:.0f} tokens/s per stream")
    print(f"{'run':<12} {'wall s':>8} {'ideal s':>8} {'ratio':>6}")
    for parallel in (1, options.parallel):
        wall, tokens = run(options.chapters, options.words, options.rate, parallel)
        ideal = tokens / (options.rate * parallel)
        label = "sequential" if parallel == 1 else f"parallel {parallel}"
        print(f"{label:<12} {wall:>8.1f} {ideal:>8.1f} {wall / ideal:>6.2f}")


if __name__ == "__main__":
    main()
