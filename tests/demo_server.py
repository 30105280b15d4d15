"""A scripted server that plays one small book, to try kimi-writer without an API key.

    python -m tests.demo_server              # prints four lines: what to paste into another shell
    python -m tests.demo_server --delay 0.2  # a human pace: the whole book in about a minute
    python -m tests.demo_server --collection # a collection of 5 short stories instead
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


COLLECTION_OUTLINE = """# Signals From the Quiet Earth

## Story 1 — The Signal (~1,000 words)
A night-shift radio operator hears a voice in the static that knows her name. Opens the arc: first contact.

## Story 2 — Quiet Earth (~1,000 words)
Every radio on Earth falls silent for a day. The arc turns: the world listens back.

## Story 3 — The Cartographer (~1,000 words)
A mapmaker charts the places the voice has spoken from. The middle of the arc: a pattern.

## Story 4 — Low Tide (~1,000 words)
A fishing town hears the signal under the sea. The arc darkens: the voice is afraid.

## Story 5 — Homecoming (~1,000 words)
Mara answers. Closes the arc: what was calling was us.
"""

WORLD = """# World

Near future. The Hollin Array, a listening station on the Scottish coast, hears a voice in the static in 2041.
Mara Quill, night-shift operator, appears in the first and the last story; the others stand on their own.
"""

SIGNAL = """# The Signal

The Hollin Array woke at a quarter past two, the way it always did, with a sigh from the cooling fans and a long grey hiss in Mara's headphones. She had worked the night shift for six years. She knew the sound of the sky the way a sailor knows the sound of the hull: the crackle of a storm over Norway, the whistle of a satellite passing low, the soft, unbothered roar of the galaxy's heart.

She did not know the voice.

It came at 2:31, under the hiss, so faint that she took it for her own breathing. Then it said her name. Not *Mara*, which anyone could say, but *Marrie*, which only her grandmother had ever called her, in a kitchen in Stornoway that had been sold twenty years ago.

She took the headphones off and set them on the desk, very carefully, as if they might break. The fans went on sighing. Outside, the dishes turned their white faces to the north.

***

In the morning she wrote it up as interference. She wrote **local source, probable** in the box marked *origin*, and she signed it, and she drove home along the coast road with the radio off. The sea was flat and bright. Gulls stood in the fields as if they had forgotten how to fly.

That night the voice was waiting for her. It did not say her name this time. It said, quite clearly, in a voice like her grandmother's and like no voice at all: *Are you still listening?*
"""


def _story(title: str, opening: str, turn: str) -> str:
    return (f"# {title}\n\n{opening} " * 3 + "\n\n* * *\n\n" + f"{turn} " * 3).rstrip() + "\n"


STORIES = [
    ("story_01.md", SIGNAL),
    ("story_02.md", _story("Quiet Earth", "At noon every radio on Earth went quiet, and the world held its breath.",
                           "By evening people had begun to talk to each other instead.")),
    ("story_03.md", _story("The Cartographer", "Ilse pinned a red thread to every place the voice had spoken from.",
                           "The threads, seen from the ladder, made the shape of a door.")),
    ("story_04.md", _story("Low Tide", "In Carrick the fishermen heard it through the hulls of their boats.",
                           "Under the water the voice sounded frightened, and very young.")),
    ("story_05.md", _story("Homecoming", "Mara went back to the Array on the last night of the year.",
                           "When she answered, the voice that answered her was her own.")),
]


def collection_turns(delay: float) -> list[Turn]:
    """A collection of five short stories: the project, the outline, a story bible, the stories."""
    def turn(reasoning: str, call) -> Turn:
        return Turn(reasoning=reasoning, tool_calls=[call], delay=delay)

    turns = [
        turn("A collection of five linked science-fiction stories. First, the project.",
             tool_call("create_project", project_name="Signals From the Quiet Earth")),
        turn("The outline: one heading per story, what it is about and where it stands in the arc.",
             tool_call("write_file", filename="outline.md", content=COLLECTION_OUTLINE)),
        turn("The stories share a world: a short story bible.",
             tool_call("write_file", filename="world.md", content=WORLD)),
    ]
    for number, (name, text) in enumerate(STORIES, start=1):
        turns.append(turn(f"Story {number} next, as the outline plans it.",
                          tool_call("write_file", filename=name, content=text)))
    turns.append(Turn(reasoning="All five stories are written.", content="The collection is finished.", delay=delay))
    return turns


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
    parser.add_argument("--collection", action="store_true", help="play a collection of 5 short stories")
    args = parser.parse_args()
    turns = collection_turns(args.delay) if args.collection else demo_turns(args.delay)
    request = "A collection of 5 short stories" if args.collection else "A 3-chapter Victorian mystery"
    with ScriptedServer(turns) as server:
        print("Demo server ready. In another shell:")
        print(f"  export KIMI_WRITER_BASE_URL={server.base_url} KIMI_WRITER_API_KEY=demo")
        print(f'  kimi-writer write "{request}"')
        print("It serves one book, then stops.", flush=True)
        while server.remaining:
            time.sleep(0.2)
        time.sleep(1)


if __name__ == "__main__":
    main()
