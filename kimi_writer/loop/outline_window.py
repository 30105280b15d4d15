"""The outline within a fixed budget, whatever the book's length (issue 26).

An outline that fits OUTLINE_BUDGET_TOKENS is shown whole. A longer one is shown as a window on
the chapter being written, k: the entries from k-5 to k+5 in full, the titles from k-20 to k+20
and the last chapter's, and one line for each part (PART_CHAPTERS chapters) further away. The
window is aligned on blocks of ALIGN chapters, so that it stays the same, and the prompt cache
keeps it, while several chapters are written. The later entries that name chapter k (the payoffs
of what it sets up) are picked apart, as they move with k.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..book.outline import OutlineEntry, chapters_named
from ..core.tokens import count_text

OUTLINE_BUDGET_TOKENS = 1_500  # past this, chapters far from the one being written are shown by title
FULL_REACH = 5  # chapters either side of the one being written that are always shown in full
TITLE_REACH = 20  # chapters either side that are shown by title at least
ALIGN = 4  # the window moves by this many chapters at a time
PART_CHAPTERS = 50  # chapters summed up by one line when they are further away


@dataclass(frozen=True)
class Window:
    """Which entries of an outline are shown in full, by title, or as a part's line."""

    full: tuple[int, int]  # first and last number shown in full
    titles: tuple[int, int]  # first and last number shown by title at least
    last: int  # the outline's last chapter, always shown by title


def fits(text: str) -> bool:
    """Whether an outline fits the budget whole; a short one is taken without loading the tokenizer
    (a token is at least one byte)."""
    return len(text.encode()) <= OUTLINE_BUDGET_TOKENS or count_text(text) <= OUTLINE_BUDGET_TOKENS


def window_on(number: int, last: int, align: int = 1) -> Window:
    """The window for chapter `number`, aligned so that `align` chapters in a row share it."""
    start = (number - 1) // align * align + 1
    end = start + align - 1
    return Window((start - FULL_REACH, end + FULL_REACH), (start - TITLE_REACH, end + TITLE_REACH), last)


def _shown_as(number: int, window: Window, also: frozenset[int]) -> str:
    if window.full[0] <= number <= window.full[1] or number in also:
        return "full"
    return "title" if window.titles[0] <= number <= window.titles[1] or number == window.last else "part"


def rows(entries: list[OutlineEntry], window: Window, current: int | None = None,
         also: frozenset[int] = frozenset()) -> list[dict]:
    """The outline's lines under the window: entries (with their synopsis or not; those numbered in
    `also` in full wherever they are), and one line for each run of far chapters of the same part."""
    shown: list = []
    for entry in entries:
        how = _shown_as(entry.number, window, also)
        if how != "part":
            shown.append({"number": entry.number, "title": entry.title, "current": entry.number == current,
                          "synopsis": entry.synopsis if how == "full" else ""})
        elif shown and isinstance(shown[-1], list) and _part(shown[-1][0]) == _part(entry):
            shown[-1].append(entry)
        else:
            shown.append([entry])
    return [_part_line(row) if isinstance(row, list) else row for row in shown]


def _part(entry: OutlineEntry) -> int:
    return (entry.number - 1) // PART_CHAPTERS


def _part_line(entries: list[OutlineEntry]) -> dict:
    first, last = entries[0], entries[-1]
    return {"number": None, "first": first.number, "last": last.number,
            "title": f"from “{first.title}” to “{last.title}”" if first is not last else f"“{first.title}”"}


def naming(entries: list[OutlineEntry], number: int, window: Window | None) -> list[OutlineEntry]:
    """The entries outside the full window whose synopsis names chapter `number`."""
    return [entry for entry in entries if number in chapters_named(entry.synopsis) and entry.number != number
            and (window is None or not window.full[0] <= entry.number <= window.full[1])]
