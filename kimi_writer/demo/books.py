"""The demo's three books: their outlines and parts, chosen by the author's request."""

from __future__ import annotations

from dataclasses import dataclass

from .gothic import GOTHIC, GOTHIC_OUTLINE, gothic_chapter

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




@dataclass(frozen=True)
class Book:
    """A book the demo plays: its project, its outline, its parts (file name and text) and its bible."""

    title: str
    kind: str  # what the author's request says to pick it ("gothic", "stories"...)
    outline: str
    parts: tuple[tuple[str, str], ...]
    bible: tuple[tuple[str, str], ...] = ()

    def part(self, number: int) -> tuple[str, str] | None:
        return self.parts[number - 1] if 1 <= number <= len(self.parts) else None


LAMPLIGHTER = Book("The Lamplighter's Debt", "mystery", OUTLINE,
                   tuple((name, text + "\n") for name, text in CHAPTERS))
COLLECTION = Book("Signals From the Quiet Earth", "stories", COLLECTION_OUTLINE, tuple(STORIES),
                  (("world.md", WORLD),))
MARROW_FEN = Book("The House at Marrow Fen", "gothic", GOTHIC_OUTLINE,
                  tuple((f"chapter_{n:02d}.md", gothic_chapter(n, 0)) for n in range(1, len(GOTHIC) + 1)))
BOOKS = (COLLECTION, MARROW_FEN, LAMPLIGHTER)
_KEYWORDS = {COLLECTION: ("collection", "stories", "story"), MARROW_FEN: ("gothic",)}


def book_for(request: str, outline: str = "") -> Book:
    """The book a request asks for, or whose outline the conversation shows; else the Victorian mystery."""
    lowered = request.lower()
    for book, words in _KEYWORDS.items():
        if any(word in lowered for word in words):
            return book
    return next((book for book in BOOKS if outline and book.outline.splitlines()[0] in outline), LAMPLIGHTER)
