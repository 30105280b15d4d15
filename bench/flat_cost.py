"""Flat cost: prompt tokens per 1,000 words for books of 10 to 200 chapters (issue 26).

Drives the installed `kimi-writer` CLI (compact context) against the scripted server, on books of
3,000-word chapters whose outline entries have ~60-word synopses, while continuity.md grows as the
critic grows it (ledger.add_facts, the critic's own code path: two timeline facts a chapter, a
character, a place and an open thread every few chapters). The scripted planner also answers the
arc-summary requests (plain requests without tools) with a ~60-word paragraph. Prints, per book:
prompt tokens per 1,000 words (every planner request, cl100k), the last and the largest request,
the share of prompt tokens that repeat the previous request's prefix (cacheable), arc requests,
and the CLI's CPU overhead per extra iteration of a run resumed on the finished book.

    python bench/flat_cost.py [--chapters 10,30,60,120,200] [--words 3000]
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
from bench.token_efficiency import VOCABULARY, prompt_tokens, prose  # noqa: E402
from kimi_writer.book.ledger import add_facts  # noqa: E402
from kimi_writer.book.project import Project  # noqa: E402
from kimi_writer.core.tokens import count_text, estimate_message  # noqa: E402
from tests.conftest import CLI, clean_env  # noqa: E402
from tests.scripted_server import ScriptedServer, Turn, tool_call  # noqa: E402

NAMES = "Hale Ada Mara Tobin Ines Silas Judith Owen Clara Felix Rosa Edgar".split()
PLACES = "the Embankment|Wapping Stairs|the Customs House|Blackfriars Bridge|the Grey Goose inn".split("|")
BIBLE = ("# Characters\n\n- Hale: an inspector who never smokes; lost his brother to the river.\n"
         "- Ada: his sister, a clerk at the docks, who keeps a ledger of debts.\n"
         "- Tobin: a lamplighter who owes the docks money.\n")
ARC_REPLY = ("Across these chapters Hale follows the smugglers from the docks to the Customs House, "
             "learns that Ada has hidden the ledger of debts, and loses Tobin's trust at the lamplighters' "
             "hall. The fog hides a second ship. Ada lies to protect her brother, and the harbour master "
             "now watches Hale. Open at the end: who paid the clerk.")  # 62 words (the prompt asks for 70 at most)


def synopsis(rng: random.Random, n: int) -> str:
    """About 60 words, naming two characters and a place; every fourth one recalls an earlier chapter."""
    who, other, place = rng.choice(NAMES), rng.choice(NAMES), rng.choice(PLACES)
    words = " ".join(rng.choice(VOCABULARY) for _ in range(34))
    echo = f" The clue from chapter {n - 7} returns." if n > 7 and n % 4 == 0 else ""
    return f"{who} meets {other} at {place} on night {n}, where {words}.{echo}"


def outline(chapters: int) -> str:
    rng = random.Random(26)
    return "# The Long Estuary\n\n" + "".join(
        f"{n}. **{rng.choice(VOCABULARY).title()} {rng.choice(VOCABULARY).title()}** — {synopsis(rng, n)} "
        f"(~3,000 words)\n" for n in range(1, chapters + 1))


def book_script(chapters: int, words: int) -> tuple[list[Turn], int]:
    rng = random.Random(2026)

    def turn(**arguments) -> Turn:
        return Turn(reasoning="Next step, as planned.", tool_calls=[tool_call("write_file", **arguments)])

    turns = [Turn(reasoning="Plan.", tool_calls=[tool_call("create_project", project_name="Long Book")]),
             turn(filename="outline.md", content=outline(chapters)), turn(filename="characters.md", content=BIBLE)]
    total = 0
    for n in range(1, chapters + 1):
        text = f"# Chapter {n}\n\n" + prose(rng, words) + "\n"
        total += len(text.split())
        turns.append(turn(filename=f"chapter_{n:02d}.md", content=text,
                          summary=f"Hale follows a lead at {PLACES[n % len(PLACES)]}; {NAMES[n % 12]} "
                                  f"hides what {NAMES[(n + 3) % 12]} knows about night {n}."))
    turns.append(Turn(reasoning="Done.", content="The book is finished."))
    return turns, total


def critic_facts(n: int) -> list[tuple[str, str]]:
    """What a critic adds to the ledger after chapter n."""
    facts = [("timeline", f"Ch {n}: Hale questions {NAMES[n % 12]} at {PLACES[n % len(PLACES)]}."),
             ("timeline", f"Ch {n}: {NAMES[(n + 5) % 12]} hides the key of night {n}.")]
    if n % 3 == 0:
        facts.append(("characters", f"{NAMES[n % 12]} {['Quill', 'Pike', 'Rook', 'Vane'][n % 4]} {n}: "
                                    f"met in chapter {n}, fears the river."))
        facts.append(("threads", f"Who paid {NAMES[(n + 1) % 12]} on night {n}? (planted ch {n})"))
    if n % 5 == 0:
        facts.append(("places", f"{PLACES[n % len(PLACES)].title()} annex {n} — where the ledger was seen."))
    return facts


class Responder:
    """Answers arc-summary requests (no tools) and grows continuity.md after each chapter lands."""

    def __init__(self, root: Path):
        self.root, self.grown, self.arcs = root, 0, 0

    def __call__(self, body: dict) -> Turn | None:
        project = self.root / "projects" / "Long_Book"
        written = sorted(int(p.stem.split("_")[1]) for p in project.glob("chapter_*.md")) if project.is_dir() else []
        for n in written[self.grown:]:
            add_facts(Project(project), critic_facts(n))
        self.grown = len(written)
        if not body.get("tools"):
            self.arcs += 1
            return Turn(content=ARC_REPLY)
        return None


def common_prefix_tokens(previous: dict, request: dict) -> int:
    """Tokens at the start of `request` that repeat `previous` (tools, whole messages, then text)."""
    if json.dumps(previous.get("tools")) != json.dumps(request.get("tools")):
        return 0
    shared = count_text(json.dumps(request["tools"])) if request.get("tools") else 0
    for old, new in zip(previous["messages"], request["messages"]):
        if old == new:
            shared += estimate_message(new)
            continue
        if old.get("role") == new.get("role") and isinstance(old.get("content"), str) and isinstance(new.get("content"), str):
            a, b, i = old["content"], new["content"], 0
            while i < min(len(a), len(b)) and a[i] == b[i]:
                i += 1
            shared += count_text(b[:i])
        break
    return shared


def pairs(requests: list[dict]) -> list[tuple[dict, dict]]:
    """Each request after the first of its stream, with the one before it in that stream (planner turns
    with tools; plain requests, such as arc summaries, without)."""
    found, last = [], {}
    for request in requests:
        stream = bool(request.get("tools"))
        if stream in last:
            found.append((last[stream], request))
        last[stream] = request
    return found


def run(turns: list[Turn], args: list[str], home: Path) -> dict:
    responder = Responder(home)
    with ScriptedServer(turns, responder=responder) as server:
        env = clean_env(home, KIMI_WRITER_API_KEY="bench", KIMI_WRITER_BASE_URL=server.base_url)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run([str(CLI), *args], cwd=home, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode not in (0, 3):
            raise SystemExit(f"kimi-writer {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}")
        server.assert_complete()
        sizes = [prompt_tokens(r) for r in server.requests]
        prefix = sum(common_prefix_tokens(a, b) for a, b in pairs(server.requests))
        return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "requests": len(sizes), "tokens": sum(sizes), "largest": max(sizes), "last": sizes[-1],
                "prefix": prefix / max(1, sum(sizes[1:])), "arcs": responder.arcs}


def overhead(project: Path, home: Path, iterations: int) -> float:
    """CPU seconds per extra iteration of a run resumed on the finished book, net of start-up."""
    def script(n: int) -> list[Turn]:
        return [Turn(reasoning="Check.", tool_calls=[tool_call("list_files")]) for _ in range(n)] + [Turn(content="ok")]

    state = project / ".kimi_writer" / "session.json"
    saved = state.read_text()
    base = run(script(0), ["write", "--recover", str(project)], home)
    state.write_text(saved)
    loaded = run(script(iterations), ["write", "--recover", str(project)], home)
    state.write_text(saved)
    return (loaded["cpu"] - base["cpu"]) / iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", default="10,30,60,120,200")
    parser.add_argument("--words", type=int, default=3000)
    parser.add_argument("--iterations", type=int, default=60, help="for the overhead per iteration")
    options = parser.parse_args()
    scripted.PIECE = 4096
    print(f"{'chapters':>8} {'per 1k words':>12} {'last':>6} {'largest':>8} {'cacheable':>9} {'requests':>8} "
          f"{'arc req.':>8} {'wall s':>7} {'overhead ms/iter':>16}")
    rows = []
    for chapters in (int(c) for c in options.chapters.split(",")):
        turns, words = book_script(chapters, options.words)
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            f = run(turns, ["write", "A long Victorian mystery", "--max-iterations", str(chapters + 20)], home)
            f["overhead"] = overhead(home / "projects" / "Long_Book", home, options.iterations)
        f["per_k"] = f["tokens"] * 1000 / words
        rows.append(f)
        print(f"{chapters:>8} {f['per_k']:>12,.0f} {f['last']:>6,} {f['largest']:>8,} {f['prefix']:>9.0%} "
              f"{f['requests']:>8} {f['arcs']:>8} {f['wall']:>7.1f} {f['overhead'] * 1000:>16.1f}", flush=True)
    spread = max(r["per_k"] for r in rows) / min(r["per_k"] for r in rows) - 1
    print(f"\nlargest per-1k figure is {spread:.0%} above the smallest (issue 26: at most 20%, each at most 1,200).")
    print("cacheable: prompt tokens that repeat the previous request's prefix (tools, messages, then text).")


if __name__ == "__main__":
    main()
