"""The demo's gothic mystery: five chapters in several versions, and the critic's scores of each."""

from __future__ import annotations

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


def version_of(number: int, text: str) -> int | None:
    """Which version of gothic chapter `number` the text is, or None for a text the demo did not write."""
    if not 1 <= number <= len(GOTHIC):
        return None
    versions = [gothic_chapter(number, v).strip() for v in range(len(GOTHIC[number - 1][1]))]
    return versions.index(text.strip()) if text.strip() in versions else None


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


