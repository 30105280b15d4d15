"""A scripted server that plays one small book, to try kimi-writer without an API key.

    python -m tests.demo_server              # prints four lines: what to paste into another shell
    python -m tests.demo_server --delay 0.2  # a human pace: the whole book in about a minute
"""

from __future__ import annotations

import argparse
import time

from tests.scripted_server import ScriptedServer, Turn, tool_call

OUTLINE = """# The Lamplighter's Debt

1. **The Fog** — Inspector Hale finds a lamplighter dead on the Embankment, his ladder still standing.
2. **The Ledger** — A moneylender's ledger names the lamplighter, and Hale's own brother.
3. **The Last Lamp** — At dawn on Westminster Bridge, Hale chooses between the law and his family.
"""

CHAPTERS = [
    ("chapter_01.md", "# Chapter 1: The Fog\n\n" + "The fog came up the river at dusk, yellow and slow, "
     "and by the time Hale reached the Embankment the lamps were only rumours of light. " * 12),
    ("chapter_02.md", "# Chapter 2: The Ledger\n\n" + "The ledger smelled of damp and pipe smoke; "
     "every page was a small cruelty written in a careful hand. " * 12),
    ("chapter_03.md", "# Chapter 3: The Last Lamp\n\n" + "On the bridge the last lamp guttered, "
     "and Hale understood that some debts are paid in silence. " * 12),
]


def demo_turns(delay: float) -> list[Turn]:
    def turn(reasoning: str, call) -> Turn:
        return Turn(reasoning=reasoning, tool_calls=[call], delay=delay)

    turns = [
        turn("A Victorian mystery in three chapters. First, the project.",
             tool_call("create_project", project_name="The Lamplighter's Debt")),
        turn("Now the outline: three chapters, one line each.",
             tool_call("write_file", filename="outline.md", content=OUTLINE)),
    ]
    for number, (name, text) in enumerate(CHAPTERS, start=1):
        turns.append(turn(f"Chapter {number} next, following the outline.",
                          tool_call("write_file", filename=name, content=text + "\n")))
    turns.append(Turn(reasoning="All three chapters are written.", content="The book is finished.", delay=delay))
    return turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.01, help="seconds between streamed chunks "
                        "(default 0.01; 0.2 lets a person watch the reasoning and the text arrive)")
    args = parser.parse_args()
    with ScriptedServer(demo_turns(args.delay)) as server:
        print("Demo server ready. In another shell:")
        print(f"  export KIMI_WRITER_BASE_URL={server.base_url} KIMI_WRITER_API_KEY=demo")
        print('  kimi-writer write "A 3-chapter Victorian mystery"')
        print("It serves one book, then stops.", flush=True)
        while server.remaining:
            time.sleep(0.2)
        time.sleep(1)


if __name__ == "__main__":
    main()
