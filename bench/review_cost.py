"""What the critic costs: its prompt tokens per 1,000 words reviewed, and the tokens and dollars of
one revise round per chapter, on a scripted book (tests/scripted_server.py), at Kimi's prices.

Drives the installed `kimi-writer review` and `kimi-writer revise --rounds 1` against scripted
servers; tokens are the CLI's own offline estimate of each request (as bench/token_efficiency.py
counts them) and of each reply.

    python bench/review_cost.py [--chapters 10] [--words 3000] [--show]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.token_efficiency import prompt_tokens, prose  # noqa: E402
from kimi_writer.settings import DEFAULT_PRICES  # noqa: E402
from kimi_writer.core.tokens import count_text  # noqa: E402
from tests.conftest import CLI, clean_env  # noqa: E402
from tests.scripted_server import ScriptedServer, Turn, tool_call  # noqa: E402

PRICE = DEFAULT_PRICES["kimi-k2.6"]
KEYS = ("character", "setting", "stakes", "pacing", "prose", "outline_fidelity", "character_consistency",
        "world_consistency", "continuity")
LEDGER = """# Continuity

## Characters
- Hale: an inspector who never smokes; grey coat; lives above the docks.
- Ada: his sister, a clerk at the docks; hides the ledger.

## Places
- The Embankment: gas lamps, fog from the river.

## Objects
- The ledger: names the lamplighter and Hale's brother.

## Timeline
- Chapter 1: the lamplighter is found dead.

## Open threads
- Who paid the lamplighter (planted in chapter 1; pays off in the last chapter).
"""


def make_book(root: Path, chapters: int, words: int) -> int:
    """A project of `chapters` chapters of `words` words, with an outline, a bible and a ledger; its words."""
    rng = random.Random(2026)
    root.mkdir(parents=True)
    (root / "outline.md").write_text("# The Lamplighter's Debt\n\n" + "".join(
        f"{n}. **Part {n}** — Hale follows the ledger to the docks; Ada hides what she knows. (~{words:,} words)\n"
        for n in range(1, chapters + 1)), encoding="utf-8")
    (root / "characters.md").write_text("# Characters\n\n- Hale: an inspector who never smokes.\n"
                                        "- Ada: his sister, a clerk at the docks.\n", encoding="utf-8")
    (root / "continuity.md").write_text(LEDGER, encoding="utf-8")
    total = 0
    for n in range(1, chapters + 1):
        text = f"# Chapter {n}: Part {n}\n\n" + prose(rng, words) + "\n"
        (root / f"chapter_{n:02d}.md").write_text(text, encoding="utf-8")
        total += len(text.split())
    return total


def review(score: int) -> Turn:
    """A critic's reply of a realistic size: nine scores, three reasons, three notes, one new fact."""
    arguments = {"scores": {key: score for key in KEYS},
                 "reasons": {key: "the middle sags: two scenes repeat the same beat" for key in KEYS[:3]},
                 "notes": [{"quote": "Hale watched the river and said nothing and then waited under the bridge",
                            "problem": "the same beat as the last scene", "fix": "cut it, or let Hale act"}] * 3,
                 "new_facts": [{"section": "timeline", "fact": f"Hale searches the docks (score {score})"}]}
    return Turn(reasoning="Reading the chapter against its outline entry.", tool_calls=[tool_call("submit_review", **arguments)])


def reply_tokens(turn: Turn) -> int:
    return count_text(turn.reasoning + turn.content + "".join(call.arguments for call in turn.tool_calls))


def run(turns: list[Turn], args: list[str], home: Path, show: bool) -> tuple[list[dict], str]:
    """Run the CLI against a fresh server; the requests it sent and its output."""
    with ScriptedServer(turns) as server:
        env = clean_env(home, KIMI_WRITER_API_KEY="bench", KIMI_WRITER_BASE_URL=server.base_url)
        result = subprocess.run([str(CLI), *args], cwd=home, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"kimi-writer {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}")
        server.assert_complete()
        if show:
            print(f"$ kimi-writer {' '.join(args)}\n{result.stdout}")
        return server.requests, result.stdout


def dollars(prompt: int, completion: int) -> float:
    return (prompt * PRICE.input + completion * PRICE.output) / 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=10)
    parser.add_argument("--words", type=int, default=3000)
    parser.add_argument("--show", action="store_true", help="print the commands' output too")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, root = Path(tmp), Path(tmp) / "projects" / "Bench_Book"
        words = make_book(root, options.chapters, options.words)
        reviews = [review(5) for _ in range(options.chapters)]
        requests, _ = run(reviews, ["review", str(root)], home, options.show)
        critic_in = sum(prompt_tokens(r) for r in requests)
        critic_out = sum(reply_tokens(t) for t in reviews)
        rng = random.Random(7)
        round_turns = []
        for n in range(1, options.chapters + 1):
            round_turns += [Turn(content=f"# Chapter {n}: Part {n}\n\n" + prose(rng, options.words) + "\n"), review(7)]
        requests, _ = run(round_turns, ["revise", str(root), "--below", "8", "--rounds", "1"], home, options.show)
        round_in = sum(prompt_tokens(r) for r in requests)
        round_out = sum(reply_tokens(t) for t in round_turns)
    per_chapter_in, per_chapter_out = round_in / options.chapters, round_out / options.chapters
    print(json.dumps({"chapters": options.chapters, "words": words}))
    print(f"review: {critic_in:,} prompt tokens for {words:,} words = {critic_in * 1000 / words:,.0f} per 1,000 words "
          f"reviewed; {critic_out / options.chapters:,.0f} output tokens per chapter; "
          f"${dollars(critic_in, critic_out) / options.chapters:.4f} per chapter")
    print(f"one revise round (writer + critic): {per_chapter_in:,.0f} prompt + {per_chapter_out:,.0f} output tokens "
          f"per chapter = ${dollars(per_chapter_in, per_chapter_out):.4f} per chapter at ${PRICE.input}/"
          f"${PRICE.output} per million tokens in/out")


if __name__ == "__main__":
    main()
