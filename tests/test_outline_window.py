"""The fixed budget's arithmetic (issue 26): which outline lines a request shows around chapter k, and
which blocks of chapters are folded into arc and part summaries."""

from __future__ import annotations

from kimi_writer.book.outline import OutlineEntry
from kimi_writer.loop.arcs import Block, folded_blocks, is_summary_file
from kimi_writer.loop.outline_window import naming, rows, window_on


def entries(count: int) -> list[OutlineEntry]:
    return [OutlineEntry(n, f"T{n}", "named chapter 40" if n == 3 else f"S{n}") for n in range(1, count + 1)]


def test_the_window_covers_five_chapters_in_full_and_twenty_by_title_either_side_for_every_chapter_of_a_block():
    for k in range(1, 201):
        window = window_on(k, 200, 4)
        assert window.full[0] <= k - 5 and k + 5 <= window.full[1]
        assert window.titles[0] <= k - 20 and k + 20 <= window.titles[1]
        assert window == window_on((k - 1) // 4 * 4 + 1, 200, 4)  # the same for the 4 chapters of a block
    assert window_on(34, 60).full == (29, 39)  # the writer's, not aligned


def test_rows_show_synopses_near_titles_around_and_one_line_per_part_further():
    shown = rows(entries(200), window_on(100, 200), current=100, also=frozenset({3}))
    assert shown[0] == {"number": None, "first": 1, "last": 2, "title": "from “T1” to “T2”"}
    assert shown[1]["synopsis"] == "named chapter 40"  # named in `also`: in full wherever it is
    assert shown[2] == {"number": None, "first": 4, "last": 50, "title": "from “T4” to “T50”"}
    assert [r["first"] for r in shown if r["number"] is None] == [1, 4, 51, 121, 151]
    numbered = {r["number"]: r for r in shown if r["number"] is not None}
    assert all(numbered[n]["synopsis"] == f"S{n}" for n in range(95, 106))
    assert all(numbered[n]["synopsis"] == "" for n in (80, 94, 106, 120, 200))
    assert numbered[100]["current"] and not numbered[99]["current"]
    assert [e.number for e in naming(entries(200), 40, window_on(40, 200))] == [3]


def test_blocks_fold_once_the_book_is_three_chapters_past_them():
    assert folded_blocks(13) == [] and folded_blocks(14) == [Block(1, 10)]
    assert folded_blocks(34) == [Block(1, 10), Block(11, 20), Block(21, 30)]
    assert folded_blocks(54) == [Block(1, 50)]
    assert folded_blocks(200) == [Block(1, 50), Block(51, 100), Block(101, 150), *(Block(a, a + 9) for a in (151, 161, 171, 181))]
    assert Block(1, 10).path == "summaries/arc_01.md" and Block(51, 100).path == "summaries/act_2.md"
    assert is_summary_file("summaries/arc_01.md") and not is_summary_file("arc_01.md")
