"""A scripted server that plays one small book, to try kimi-writer without an API key.

    python -m tests.demo_server              # prints four lines: what to paste into another shell
    python -m tests.demo_server --delay 0.2  # a human pace: the whole book in about a minute
    python -m tests.demo_server --collection # a collection of 5 short stories instead
    python -m tests.demo_server --gothic     # a 5-chapter book, then its critic and writer (review, revise)
"""

from __future__ import annotations

import argparse
import re
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


def played(delay: float, steps: list[tuple[str, object]], reasoning: str, content: str) -> list[Turn]:
    """A planner's script: one tool call per turn (with its reasoning), then a closing reply."""
    turns = [Turn(reasoning=thought, tool_calls=[call], delay=delay) for thought, call in steps]
    return turns + [Turn(reasoning=reasoning, content=content, delay=delay)]


def collection_turns(delay: float) -> list[Turn]:
    """A collection of five short stories: the project, the outline, a story bible, the stories."""
    steps = [
        ("A collection of five linked science-fiction stories. First, the project.",
         tool_call("create_project", project_name="Signals From the Quiet Earth")),
        ("The outline: one heading per story, what it is about and where it stands in the arc.",
         tool_call("write_file", filename="outline.md", content=COLLECTION_OUTLINE)),
        ("The stories share a world: a short story bible.",
         tool_call("write_file", filename="world.md", content=WORLD)),
    ] + [(f"Story {number} next, as the outline plans it.", tool_call("write_file", filename=name, content=text))
         for number, (name, text) in enumerate(STORIES, start=1)]
    return played(delay, steps, "All five stories are written.", "The collection is finished.")


def demo_turns(delay: float) -> list[Turn]:
    steps = [
        ("A Victorian mystery in three chapters. First, the project.",
         tool_call("create_project", project_name="The Lamplighter's Debt")),
        ("Now the outline: three chapters, one line each.",
         tool_call("write_file", filename="outline.md", content=OUTLINE)),
    ] + [(f"Chapter {number} next, following the outline.",
          tool_call("write_file", filename=name, content=text + "\n"))
         for number, (name, text) in enumerate(CHAPTERS, start=1)]
    return played(delay, steps, "All three chapters are written.", "The book is finished.")


# ------------------------------------------------ --gothic: a book to review and revise

GOTHIC_OUTLINE = """# The House at Marrow Fen

1. **The Arrival** — Agnes Vell, a governess, reaches Marrow Fen on the last day of October and sees a lamp in the sealed east wing.
2. **The Locked Wing** — Agnes finds a brass key in the nursery clock and hears a piano behind the east wing door.
3. **The Drowned Portrait** — In the east wing gallery hangs Clara Ashby, who drowned in the fen three years ago.
4. **The Fen Lights** — Agnes follows the lights to the boathouse and finds Clara's letters.
5. **The Confession** — Mrs Crale confesses what the east wing hides, and Agnes opens the last door.
"""

# Each chapter: its title, then its versions (the first is the draft; each later one is the next revision).
GOTHIC = [
    ("The Arrival", [
        "The carrier left Agnes Vell at the end of the causeway on the last day of October, with her trunk, her "
        "umbrella and a letter of engagement that was already damp. Marrow Fen rose out of the reeds ahead of her, "
        "grey stone on grey water, and every window dark but one.\n\nMrs Crale met her at the door with a lamp and "
        "a ring of keys at her waist that rang when she walked. \"You'll want the blue room,\" she said, \"and you'll "
        "want to keep out of the east wing. It has been shut since the mistress died.\"\n\nAgnes said that she "
        "understood. From the blue room's window she could see the east wing across the yard, its shutters nailed, "
        "its chimneys cold. In the highest window a lamp was burning.",
    ]),
    ("The Locked Wing", [
        "In the three weeks since she had come to Marrow Fen in March, Agnes had learned the house's habits: the "
        "kitchen clock that ran slow, the stair that complained, the piano she heard at night and could not find."
        "\n\nThe key was inside the nursery clock, taped behind the pendulum. It was brass, and heavier than it "
        "looked, and it fitted the east wing door as if it had been waiting.\n\nShe did not turn it. Behind the door "
        "someone was playing a waltz, slowly, the way a child plays who is still learning the notes.",
        "Three weeks after the October evening she had come to Marrow Fen, Agnes knew the house's habits: the "
        "kitchen clock that ran slow, the stair that complained, the piano she heard at night and could not find."
        "\n\nThe key was inside the nursery clock, taped behind the pendulum. It was brass, and heavier than it "
        "looked, and it fitted the east wing door as if it had been waiting.\n\nShe did not turn it. Behind the door "
        "someone was playing a waltz, slowly, the way a child plays who is still learning the notes.",
        "By the third week of November the house had taught Agnes its habits, and she had learned them the way a "
        "prisoner learns a cell: the kitchen clock that ran slow, the stair that complained, the piano at night."
        "\n\nThe key was inside the nursery clock, taped behind the pendulum with a strip of mourning crape. It was "
        "brass, heavier than it looked, and cold as if it had lain in water.\n\nShe stood at the east wing door with "
        "it in her fist. Behind the door someone was playing a waltz, slowly, and stopped, and waited, as if the "
        "player had heard her breathe.",
        "By the third week of November Agnes knew the house: the slow clock, the stair that complained, the piano "
        "at night.\n\nThe key was in the nursery clock, taped behind the pendulum with mourning crape, brass and "
        "cold as if it had lain in water.\n\nAt the east wing door she held it in her fist. The waltz behind the "
        "door stopped, and waited.",
    ]),
    ("The Drowned Portrait", [
        "The gallery of the east wing was long and smelled of river mud. Dust lay on the floorboards in a single "
        "unbroken sheet, except for a path of small footprints that went to the far wall and came back.\n\nThe "
        "portrait at the end was of a young woman in grey silk. The canvas had been wet once; a tide line crossed "
        "it at the throat. The brass plate said CLARA ASHBY 1849-1871.\n\nEdmund Ashby found her there at dusk. "
        "\"She drowned in the fen,\" he said, \"three years ago this winter,\" and he did not look at the painting "
        "once while he said it.",
        "Dust lay in the gallery of the east wing in a single sheet, and a path of small footprints crossed it to "
        "the far wall and came back. The air smelled of river mud.\n\nThe portrait was of a young woman in grey "
        "silk, the canvas stained by old water to the throat. The brass plate said CLARA ASHBY 1849-1871.\n\n"
        "Edmund Ashby found her there at dusk. \"She drowned,\" he said. \"Three years ago.\" He left before Agnes "
        "could ask whose footprints they were.",
    ]),
    ("The Fen Lights", [
        "The lights came up out of the fen after midnight, three of them, low and blue, and moved toward the "
        "boathouse as if someone carried them. Agnes put on her boots and followed.\n\nThe boathouse door hung open. "
        "Inside, under an upturned punt, was a tin box, and in the box a bundle of letters tied with black ribbon, "
        "every one addressed in the same hand to Mrs Clara Ashby, Marrow Fen.\n\nThe newest was dated a month ago. "
        "Agnes read it by the last of the blue light, and then she ran back across the causeway with the water "
        "rising at her heels.",
    ]),
    ("The Confession", [
        "Mrs Crale was waiting in the kitchen with the lamp lit and the keys laid on the table in a row, as if she "
        "had known all night which one Agnes would bring back.\n\n\"She did not drown,\" the housekeeper said. \"She "
        "walked into the fen and I walked in after her, and when I brought her out she did not know her own name. "
        "The master thinks she is dead. I let him.\"\n\nAgnes took the brass key from her pocket. Upstairs, in the "
        "east wing, the waltz began again.",
        "The keys lay on the kitchen table in a row when Agnes came in from the fen, and Mrs Crale sat behind them "
        "with her hands folded, like a woman at her own trial.\n\n\"She did not drown,\" the housekeeper said. \"She "
        "walked into the fen and I walked in after her, and when I brought her out she did not know her own name. "
        "The master thinks she is dead. I let him, God forgive me, for three years.\"\n\nAgnes laid the brass key "
        "beside the others. Then she picked it up again, and took the lamp, and went up to the east wing, where the "
        "waltz had already begun.",
        "The keys lay on the kitchen table in a row, and Mrs Crale sat behind them like a woman at her own trial.\n\n"
        "\"She did not drown,\" she said. \"I brought her out of the fen and she did not know her name. I let the "
        "master grieve.\"\n\nAgnes took the lamp and went up to the east wing, where the waltz had begun.",
    ]),
]

GOTHIC_FACTS = [
    [("characters", "Agnes Vell: the new governess, observant, keeps her own counsel"),
     ("characters", "Mrs Crale: the housekeeper, carries every key of the house at her waist"),
     ("places", "Marrow Fen: a stone house on a causeway in the fens; its east wing is shut"),
     ("timeline", "Chapter 1: Agnes arrives at Marrow Fen on the last day of October"),
     ("threads", "A lamp burns in the sealed east wing (chapter 1; pays off in chapter 5)")],
    [("objects", "The brass key, hidden in the nursery clock, opens the east wing door"),
     ("timeline", "Chapter 2: Agnes finds the key; someone plays a waltz in the east wing"),
     ("threads", "Who plays the piano behind the east wing door (chapter 2; chapter 5)")],
    [("characters", "Edmund Ashby: master of Marrow Fen, a widower who will not look at his wife's portrait"),
     ("characters", "Clara Ashby: Edmund's wife, 1849-1871, said to have drowned in the fen"),
     ("objects", "Clara's portrait in the east wing gallery, water-stained to the throat"),
     ("timeline", "Chapter 3: Agnes finds Clara's portrait; Edmund says she drowned three years ago"),
     ("threads", "Small footprints in the gallery dust (chapter 3; chapter 5)")],
    [("places", "The boathouse at the fen's edge, where the blue lights go"),
     ("objects", "Letters to Clara Ashby tied with black ribbon; the newest a month old"),
     ("timeline", "Chapter 4: Agnes finds Clara's letters in the boathouse")],
    [("characters", "Clara Ashby: alive, hidden in the east wing by Mrs Crale, her memory gone"),
     ("timeline", "Chapter 5: Mrs Crale confesses; Agnes goes up to the east wing")],
]

# The critic's nine scores (in SCORE order) for each version of each chapter; the overall is their mean.
GOTHIC_SCORES = [
    [[8, 9, 8, 7, 8, 9, 8, 8, 9]],  # 8.2: good enough
    [[6, 7, 6, 6, 5, 8, 7, 7, 4], [7, 8, 7, 7, 7, 8, 8, 8, 8], [8, 8, 8, 8, 8, 9, 8, 9, 9],
     [8, 8, 8, 7, 8, 9, 8, 8, 9]],  # 6.2 with a continuity issue, 7.6, 8.3, then 8.1: a plateau
    [[7, 8, 6, 6, 6, 8, 8, 8, 8], [7, 7, 6, 6, 6, 8, 8, 7, 8]],  # 7.2, then 7.0: reverted
    [[8, 9, 8, 7, 7, 8, 8, 8, 9]],  # 8.0: good enough (not below 8)
    [[7, 7, 8, 6, 6, 8, 7, 8, 7], [8, 8, 9, 8, 8, 8, 8, 8, 8], [8, 8, 8, 8, 7, 8, 8, 8, 8]],  # 7.1, 8.1, 7.9
]
SCORE = ("character", "setting", "stakes", "pacing", "prose", "outline_fidelity",
         "character_consistency", "world_consistency", "continuity")
REASONS = {
    "character": "Agnes watches more than she acts", "setting": "the house is named more than shown",
    "stakes": "what Agnes stands to lose is not yet clear", "pacing": "the middle paragraph summarises",
    "prose": "long sentences in the same rhythm", "continuity": "contradicts the ledger",
}
PROBLEMS = {
    "character": ("Agnes only observes here.", "give her a choice that costs her something."),
    "setting": ("the place stays abstract.", "one concrete, physical detail of the room."),
    "stakes": ("nothing is at risk yet.", "let the reader see what she could lose."),
    "pacing": ("this summarises what could be a scene.", "play it as a scene, in the moment."),
    "prose": ("the sentence rhythm repeats.", "vary the length; cut the second clause."),
}
CONTINUITY_SLIP = ("since she had come to Marrow Fen in March",
                   "the ledger: Agnes arrived at Marrow Fen on the last day of October (chapter 1)")


def gothic_chapter(number: int, version: int) -> str:
    """The text of a version of chapter `number` (1-based) of the gothic book."""
    title, versions = GOTHIC[number - 1]
    return f"# Chapter {number}: {title}\n\n{versions[min(version, len(versions) - 1)]}\n"


def _version_of(number: int, text: str) -> int:
    """Which version of the chapter `text` is (0, the draft, for a text the demo did not write)."""
    versions = [gothic_chapter(number, v).strip() for v in range(len(GOTHIC[number - 1][1]))]
    return versions.index(text.strip()) if text.strip() in versions else 0


def _after(marker: str, text: str) -> str:
    return text.split(marker, 1)[1] if marker in text else ""


def _first_user(body: dict) -> str:
    return next((m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "user"), "")


def _chapter_named(request: str) -> int | None:
    match = re.match(r"(?:Review|Revise) chapter_(\d+)\.md", request)
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= len(GOTHIC) else None


def gothic_review(number: int, version: int) -> dict:
    """The critic's submit_review arguments for a version of a chapter."""
    table = GOTHIC_SCORES[number - 1]
    scores = dict(zip(SCORE, table[min(version, len(table) - 1)]))
    weak = sorted((k for k in scores if scores[k] < 8), key=lambda k: (scores[k], SCORE.index(k)))
    paragraphs = gothic_chapter(number, version).split("\n\n")[1:]
    quotes = [" ".join(p.split()[:12]) for p in paragraphs]
    notes = [{"quote": quotes[n % len(quotes)], "problem": PROBLEMS[k][0], "fix": PROBLEMS[k][1]}
             for n, k in enumerate(k for k in weak if k in PROBLEMS)][:2]
    issues = ([{"quote": CONTINUITY_SLIP[0], "contradicts": CONTINUITY_SLIP[1]}]
              if CONTINUITY_SLIP[0] in gothic_chapter(number, version) else [])
    return {"scores": scores, "reasons": {k: REASONS[k] for k in weak if k in REASONS and scores[k] < 7},
            "notes": notes, "continuity_issues": issues,
            "new_facts": [{"section": s, "fact": f} for s, f in GOTHIC_FACTS[number - 1]]}


def _critic_turn(body: dict, delay: float) -> Turn | None:
    request = _first_user(body)
    number = _chapter_named(request)
    if number is None:
        return None
    version = _version_of(number, _after(f"## The chapter: chapter_{number:02d}.md\n", request))
    return Turn(reasoning=f"Chapter {number}: scoring it against the rubric and the ledger.",
                tool_calls=[tool_call("submit_review", **gothic_review(number, version))], delay=delay)


def _writer_turn(body: dict, delay: float) -> Turn | None:
    request = _first_user(body)
    number = _chapter_named(request)
    if number is None:
        return None
    version = _version_of(number, _after("## The chapter as it stands\n", request))
    return Turn(content=gothic_chapter(number, version + 1), delay=delay)


def _planner_turn(body: dict, delay: float) -> Turn | None:
    """After a write whose review (--review auto) reports a continuity issue, rewrite that chapter."""
    results = [str(m.get("content") or "") for m in body.get("messages") or [] if m.get("role") == "tool"]
    latest = results[-1] if results else ""  # a book-context message may follow it (compact mode)
    found = re.search(r"Review of chapter_(\d+)\.md: overall", latest)
    if not found or "Continuity:" not in latest:
        return None
    number = int(found.group(1))
    return Turn(reasoning=f"The critic caught a continuity slip in chapter {number}; I rewrite it before going on.",
                tool_calls=[tool_call("write_file", filename=f"chapter_{number:02d}.md", mode="overwrite",
                                      content=gothic_chapter(number, 1))], delay=delay)


def gothic_responder(delay: float = 0.0):
    """Answer by the request's shape: the critic (submit_review offered), the writer of `revise` (no
    tools), the planner after a review with a continuity issue; None leaves the rest to the script."""
    def respond(body: dict) -> Turn | None:
        names = [t.get("function", {}).get("name") for t in body.get("tools") or []]
        if "submit_review" in names:
            return _critic_turn(body, delay)
        if not names:
            return _writer_turn(body, delay)
        return _planner_turn(body, delay)
    return respond


def gothic_turns(delay: float) -> list[Turn]:
    """The planner's script for the gothic book: the project, the outline, five chapters."""
    steps = [
        ("A gothic mystery in five chapters. First, the project.",
         tool_call("create_project", project_name="The House at Marrow Fen")),
        ("The outline: five chapters, one line each, the mystery opening and closing on the east wing.",
         tool_call("write_file", filename="outline.md", content=GOTHIC_OUTLINE)),
    ] + [(f"Chapter {number} next, following the outline.",
          tool_call("write_file", filename=f"chapter_{number:02d}.md", content=gothic_chapter(number, 0)))
         for number in range(1, len(GOTHIC) + 1)]
    return played(delay, steps, "All five chapters are written.", "The book is finished.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.01, help="seconds between streamed chunks "
                        "(default 0.01; 0.2 lets a person watch the reasoning and the text arrive)")
    parser.add_argument("--collection", action="store_true", help="play a collection of 5 short stories")
    parser.add_argument("--gothic", action="store_true", help="play a 5-chapter gothic mystery, and the critic "
                        "and writer for review and revise, until Ctrl-C")
    args = parser.parse_args()
    if args.gothic:
        return serve_gothic(args.delay)
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


def serve_gothic(delay: float) -> None:
    """Serve the gothic book, then its reviews and revisions, until Ctrl-C."""
    with ScriptedServer(gothic_turns(delay), responder=gothic_responder(min(delay, 0.01))) as server:
        print("Demo server ready. In another shell:")
        print(f"  export KIMI_WRITER_BASE_URL={server.base_url} KIMI_WRITER_API_KEY=demo")
        print('  kimi-writer write "A 5-chapter gothic mystery" --review auto')
        print("  kimi-writer review The_House_at_Marrow_Fen")
        print("  kimi-writer revise The_House_at_Marrow_Fen --below 8")
        print("  kimi-writer status The_House_at_Marrow_Fen")
        print("It serves one book, then its reviews and revisions, until Ctrl-C.", flush=True)
        try:
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass

if __name__ == "__main__":
    main()
