"""Token efficiency of the two context policies on a scripted book of 20 chapters x 4,000 words.

Drives the installed `kimi-writer` CLI against the scripted server (tests/scripted_server.py)
and prints, for `--context full` and `--context compact`: prompt tokens sent (in total and per
1,000 words written), requests, wall time, and the CLI's CPU time per iteration with a server
that answers instantly, including a run resumed on a history of about 100k tokens.

    python bench/token_efficiency.py [--chapters 20] [--words 4000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tests.scripted_server as scripted  # noqa: E402
from kimi_writer.core.tokens import count_text, estimate_message  # noqa: E402
from tests.conftest import CLI, clean_env  # noqa: E402
from tests.scripted_server import ScriptedServer, Turn, tool_call  # noqa: E402

VOCABULARY = ("the fog lamp river docks ledger brother clerk bridge dawn pipe coat rain stone bell "
              "inspector Hale watched waited said nothing and then under over through slowly "
              "a an of in on at with without because although yet").split()


def prose(rng: random.Random, words: int) -> str:
    paragraphs, count = [], 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            sentence = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 20))]
            sentences.append(" ".join(sentence).capitalize() + ".")
            count += len(sentence)
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def book_script(chapters: int, words: int) -> tuple[list[Turn], int]:
    """The scripted model's turns, and the words its chapters hold."""
    rng = random.Random(2026)
    outline = "# The Lamplighter's Debt\n\n" + "".join(
        f"{n}. **Part {n}** — Hale follows the {rng.choice(VOCABULARY)} to the {rng.choice(VOCABULARY)}.\n"
        for n in range(1, chapters + 1))
    bible = "# Characters\n\n- Hale: an inspector who never smokes.\n- Ada: his sister, a clerk at the docks.\n"

    def turn(**arguments) -> Turn:
        return Turn(reasoning="Next step, as planned.", tool_calls=[tool_call("write_file", **arguments)])

    turns = [Turn(reasoning="Plan.", tool_calls=[tool_call("create_project", project_name="Bench Book")]),
             turn(filename="outline.md", content=outline), turn(filename="characters.md", content=bible)]
    total = 0
    for n in range(1, chapters + 1):
        text = f"# Chapter {n}: Part {n}\n\n" + prose(rng, words) + "\n"
        total += len(text.split())
        turns.append(turn(filename=f"chapter_{n:02d}.md", content=text,
                          summary=f"Hale follows a lead in part {n}; Ada hides what she knows."))
    turns.append(Turn(reasoning="Done.", content="The book is finished."))
    return turns, total


def prompt_tokens(request: dict) -> int:
    """Tokens of one request by the same offline estimate the CLI uses (messages + tool schemas)."""
    tools = count_text(json.dumps(request.get("tools") or [])) if request.get("tools") else 0
    return tools + sum(estimate_message(m) for m in request["messages"])


def arc_summary(body: dict) -> Turn | None:
    """The answer to a request without tools (an arc summary, issue 26); the script answers the rest."""
    return None if body.get("tools") else Turn(content="Hale follows the lamplighters' debts from the docks to "
                                                        "the bridge; Ada hides the ledger; the clerk lies.")


def run(turns: list[Turn], args: list[str], home: Path) -> dict:
    """Run the CLI once against a fresh server; wall time, child CPU time, requests, tokens."""
    with ScriptedServer(turns, responder=arc_summary) as server:
        env = clean_env(home, KIMI_WRITER_API_KEY="bench", KIMI_WRITER_BASE_URL=server.base_url)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run([str(CLI), *args], cwd=home, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode not in (0, 3):
            raise SystemExit(f"kimi-writer {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}")
        server.assert_complete()
        return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "requests": len(server.requests), "tokens": sum(prompt_tokens(r) for r in server.requests),
                "largest": max(prompt_tokens(r) for r in server.requests)}


def overhead_at_history(project: Path, home: Path, policy: str, iterations: int) -> tuple[float, int]:
    """CPU seconds per iteration of a run resumed on `project`'s saved history, net of start-up."""
    def script(n: int) -> list[Turn]:
        return [Turn(reasoning="Check.", tool_calls=[tool_call("list_files")]) for _ in range(n)] + [Turn(content="ok")]

    state = project / ".kimi_writer" / "session.json"
    saved = state.read_text()
    history = sum(estimate_message(m) for m in json.loads(saved)["messages"])
    base = run(script(0), ["write", "--recover", str(project), "--context", policy], home)
    state.write_text(saved)
    loaded = run(script(iterations), ["write", "--recover", str(project), "--context", policy], home)
    state.write_text(saved)
    return (loaded["cpu"] - base["cpu"]) / iterations, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=20)
    parser.add_argument("--words", type=int, default=4000)
    parser.add_argument("--iterations", type=int, default=30, help="for the overhead at 100k tokens")
    options = parser.parse_args()
    scripted.PIECE = 4096  # large chunks: measure orchestration, not SSE parsing
    turns, words = book_script(options.chapters, options.words)
    print(f"Scripted book: {options.chapters} chapters, {words:,} words; CLI {CLI}")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for policy in ("full", "compact"):
            home = Path(tmp) / policy
            home.mkdir()
            figures = run(book_script(options.chapters, options.words)[0],
                          ["write", "A Victorian mystery", "--context", policy], home)
            iterations = len(turns)
            figures["per_iteration_cpu"] = figures["cpu"] / iterations
            figures["overhead"], figures["history"] = overhead_at_history(
                home / "projects" / "Bench_Book", home, policy, options.iterations)
            rows[policy] = figures
    print(f"\n{'policy':<8} {'prompt tokens':>14} {'per 1k words':>13} {'largest':>9} {'requests':>9} "
          f"{'wall s':>7} {'CPU ms/iter':>12} {'overhead ms/iter':>18}")
    for policy, f in rows.items():
        print(f"{policy:<8} {f['tokens']:>14,} {f['tokens'] * 1000 / words:>13,.0f} {f['largest']:>9,} "
              f"{f['requests']:>9} {f['wall']:>7.2f} {f['per_iteration_cpu'] * 1000:>12.1f} "
              f"{f['overhead'] * 1000:>9.1f} at {f['history'] / 1000:,.0f}k")
    ratio = rows["full"]["tokens"] / rows["compact"]["tokens"]
    print(f"\ncompact sends {ratio:.1f}x fewer prompt tokens than full history.")
    print("CPU ms/iter: the whole book run's CPU time (start-up included) / iterations.")
    print("overhead ms/iter: CPU per extra iteration of a run resumed on the saved history "
          "(its size in tokens after 'at'), net of start-up and loading.")


if __name__ == "__main__":
    main()
