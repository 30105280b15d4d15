"""What the continuity ledger costs: prompt tokens per 1,000 words, compact context, with and without it.

The scripted book of bench/token_efficiency.py is written twice: once as it is, once with a
realistic `continuity.md` written next to the outline (20 characters, 10 places, 6 objects,
40 timeline entries, 8 open threads). Every chapter request then carries the ledger's excerpt.

    python bench/ledger_tokens.py [--chapters 20] [--words 4000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tests.scripted_server as scripted  # noqa: E402
from bench.token_efficiency import book_script, run  # noqa: E402
from kimi_writer.core.tokens import count_text  # noqa: E402
from tests.scripted_server import Turn, tool_call  # noqa: E402

FIRST = ("Hale Ada Mara Tobin Ines Silas Judith Owen Clara Felix Rosa Edgar Nell Victor Agnes Hugo Lydia "
         "Walter Beatrice Cyril").split()
LAST = "Quill Marsh Pike Rook Vane Thorne Ashby Crane Holt Lark".split()
TRAITS = ["never smokes", "limps since the war", "hums when lying", "keeps a ledger of debts",
          "fears water", "collects lamp wicks", "speaks French to her cat", "owes the docks money"]
PLACES = ("the Embankment, the Lamplighters' Hall, Wapping Stairs, the Customs House, Blackfriars Bridge, "
          "St Olave's church, the Grey Goose inn, Ada's lodgings, the Thames Police office, the bonded warehouse").split(", ")
OBJECTS = ["the brass lamp key", "Ada's ledger", "a torn playbill", "the clerk's watch", "a bottle of laudanum",
           "the harbour master's seal"]


def ledger_text(chapters: int) -> str:
    """A continuity.md as a careful planner keeps it, two timeline entries a chapter."""
    lines = ["# Continuity ledger", "", "## Characters"]
    for n, first in enumerate(FIRST):
        lines.append(f"- **{first} {LAST[n % len(LAST)]}** — {30 + n}, {TRAITS[n % len(TRAITS)]}; "
                     f"lives near {PLACES[n % len(PLACES)]}; knows {FIRST[(n + 3) % len(FIRST)]}.")
    lines += ["", "## Places"] + [f"- {place.capitalize()} — fog-bound, watched after dark." for place in PLACES]
    lines += ["", "## Objects"] + [f"- {thing.capitalize()} — last seen with {FIRST[n]}." for n, thing in enumerate(OBJECTS)]
    lines += ["", "## Timeline"]
    for n in range(1, max(chapters, 20) + 1):
        lines.append(f"- Ch {n}: Hale questions {FIRST[n % (len(FIRST) - 1) + 1]} at {PLACES[n % len(PLACES)]}.")
        lines.append(f"- Ch {n}: {FIRST[(n + 5) % len(FIRST)]} hides {OBJECTS[n % len(OBJECTS)]}.")
    lines += ["", "## Open threads"]
    for n in range(1, 9):
        lines.append(f"- Who paid {FIRST[n + 1]} to lie about {OBJECTS[n % len(OBJECTS)]}? "
                     f"(planted ch {n}; payoff ch {min(chapters, n + 10)})")
    return "\n".join(lines) + "\n"


def with_ledger(turns: list[Turn], chapters: int) -> list[Turn]:
    """The same script, with continuity.md written in the turn that writes the outline."""
    outline_turn = turns[1]
    write = tool_call("write_file", filename="continuity.md", content=ledger_text(chapters))
    return [turns[0], Turn(reasoning=outline_turn.reasoning, tool_calls=[*outline_turn.tool_calls, write]),
            *turns[2:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=20)
    parser.add_argument("--words", type=int, default=4000)
    options = parser.parse_args()
    scripted.PIECE = 4096
    turns, words = book_script(options.chapters, options.words)
    print(f"Scripted book: {options.chapters} chapters, {words:,} words; continuity.md of "
          f"{count_text(ledger_text(options.chapters)):,} tokens")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, script in (("without", turns), ("with", with_ledger(turns, options.chapters))):
            home = Path(tmp) / label
            home.mkdir()
            rows[label] = run(script, ["write", "A Victorian mystery", "--context", "compact"], home)
    print(f"\n{'ledger':<8} {'prompt tokens':>14} {'per 1k words':>13} {'largest':>9} {'requests':>9}")
    for label, f in rows.items():
        print(f"{label:<8} {f['tokens']:>14,} {f['tokens'] * 1000 / words:>13,.0f} {f['largest']:>9,} {f['requests']:>9}")
    rise = rows["with"]["tokens"] / rows["without"]["tokens"] - 1
    print(f"\nThe ledger adds {rise:.1%} prompt tokens per 1,000 words (the issue allows 15%).")


if __name__ == "__main__":
    main()
