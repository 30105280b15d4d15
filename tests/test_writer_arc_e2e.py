"""The writer drafts with the whole arc in view: every writer request carries the outline (issue 17)."""

from __future__ import annotations

from kimi_writer.core.tokens import count_text
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn
from tests.test_writer_e2e import chapter_text, writer_server

FIVE = {
    1: ("The Shed", "An octopus steals a wrench from the harbour shed while Hale naps."),
    2: ("The Map", "Hale finds a tide map folded inside a lobster pot."),
    3: ("The Clerk", "The harbour clerk lies about the night of the storm."),
    4: ("The Flood", "The flood gate jams; the town blames the clerk."),
    5: ("The Reef", "The tide map from chapter 2 leads Hale to the octopus's den. The wrench is there."),
}


def _outline(chapters: dict[int, tuple[str, str]], title: str = "The Octopus Heist") -> str:
    return f"# {title}\n\n" + "".join(f"{n}. **{name}** — {synopsis}\n" for n, (name, synopsis) in chapters.items())


def _project(tmp_path, outline: str):
    project = tmp_path / "projects/Arc"
    project.mkdir(parents=True)
    (project / "outline.md").write_text(outline)
    return project


def _draft(run_cli, server, chapters: str, *turns: Turn, extra: tuple[str, ...] = ()) -> str:
    """Run `kimi-writer draft Arc --chapters SPEC`; the last writer request's user message."""
    server.add(*turns)
    result = run_cli("draft", "Arc", "--chapters", chapters, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    server.assert_complete()
    return server.requests[-1]["messages"][1]["content"]


def _outline_section(request: str) -> str:
    return request.split("## The outline")[1].split("\n## ")[0]


def test_a_request_for_chapter_2_carries_the_later_synopses_word_for_word(run_cli, server, tmp_path):
    _project(tmp_path, _outline(FIVE))
    request = _draft(run_cli, server, "2", Turn(content=chapter_text(2)))
    assert "## The outline of The Octopus Heist" in request
    for number in (4, 5):
        name, synopsis = FIVE[number]
        assert f"\n{number}. {name} — {synopsis}\n" in request
    assert f"\n▶ 2. The Map — {FIVE[2][1]}\n" in request  # the chapter being written is marked
    assert request.count("\n▶ ") == 1


def test_the_request_names_what_this_chapter_sets_up(run_cli, server, tmp_path):
    _project(tmp_path, _outline(FIVE))
    second = _draft(run_cli, server, "2", Turn(content=chapter_text(2)))
    assert ('This chapter must set up what later chapters need: chapter 5 (The Reef): '
            '"The tide map from chapter 2 leads Hale to the octopus\'s den."') in second
    third = _draft(run_cli, server, "3", Turn(content=chapter_text(3)))
    assert "must set up" not in third  # no later chapter names chapter 3


def _sixty() -> dict[int, tuple[str, str]]:
    chapters = {n: (f"Tide {n}", f"Hale follows lead number {n} along the estuary, where the gulls "
                                 f"circle the wreck of the Margaret and the fog hides the smugglers.")
                for n in range(1, 61)}
    chapters[50] = ("The Key Turns", "The brass key from chapter 30 opens the customs house vault.")
    return chapters


def test_a_sixty_chapter_outline_is_cut_to_the_budget_around_chapter_30(run_cli, server, tmp_path):
    chapters = _sixty()
    outline = _outline(chapters)
    _project(tmp_path, outline)
    request = _draft(run_cli, server, "30", Turn(content=chapter_text(30)))
    section = _outline_section(request)
    assert count_text(outline) > 1_500  # the whole outline would pass the budget
    assert count_text(section) <= 1_500
    for number, (name, synopsis) in chapters.items():
        marker = "▶ " if number == 30 else ""
        if 25 <= number <= 35 or number == 50:  # near chapter 30, or naming it
            assert f"\n{marker}{number}. {name} — {synopsis}\n" in section, number
        elif 10 <= number <= 50 or number == 60:  # within twenty chapters, or the last one: by title
            assert f"\n{number}. {name}\n" in section and synopsis not in section, number
        else:  # further away: one line for each part (issue 26)
            assert f"\n{number}. " not in section, number
    assert "\n- Chapters 1–9: from “Tide 1” to “Tide 9”\n" in section
    assert "\n- Chapters 51–59: from “Tide 51” to “Tide 59”\n" in section
    assert 'chapter 50 (The Key Turns): "The brass key from chapter 30 opens the customs house vault."' in section


def test_an_outline_edited_between_runs_reaches_the_next_request(run_cli, server, tmp_path):
    project = _project(tmp_path, _outline(FIVE))
    first = _draft(run_cli, server, "1", Turn(content=chapter_text(1)))
    assert FIVE[4][1] in first
    edited = {**FIVE, 4: ("The Storm Surge", "A storm surge, not the gate, floods the town square.")}
    (project / "outline.md").write_text(_outline(edited, title="The Octopus Affair"))
    second = _draft(run_cli, server, "1", Turn(content=chapter_text(1)), extra=("--overwrite",))
    assert "## The outline of The Octopus Affair" in second
    assert "\n4. The Storm Surge — A storm surge, not the gate, floods the town square.\n" in second
    assert FIVE[4][1] not in second


def test_draft_chapter_reads_the_outline_fresh_for_each_request(server, run_cli, tmp_path):
    writer = writer_server(Turn(content=chapter_text(1)), Turn(content=chapter_text(2)))
    edited = {**FIVE, 5: ("The Reef", "Hale finds the wrench in a sunken dinghy instead.")}
    try:
        server.add(
            tool_turn(tool_call("create_project", project_name="Arc Tool")),
            tool_turn(tool_call("write_file", filename="outline.md", content=_outline(FIVE))),
            tool_turn(tool_call("draft_chapter", filename="chapter_01.md", brief="BRIEF ONE.")),
            tool_turn(tool_call("write_file", filename="outline.md", content=_outline(edited), mode="overwrite")),
            tool_turn(tool_call("draft_chapter", filename="chapter_02.md", brief="BRIEF TWO.")),
            Turn(content="done"),
        )
        result = run_cli("write", "x", "--writer-model", "writer-1", "--writer-base-url", writer.base_url)
        assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
        writer.assert_complete()
        first, second = (r["messages"][1]["content"] for r in writer.requests)
        assert f"\n▶ 1. The Shed — {FIVE[1][1]}\n" in first and FIVE[5][1] in first
        assert "\n5. The Reef — Hale finds the wrench in a sunken dinghy instead.\n" in second
        assert FIVE[5][1] not in second and "must set up" not in second
    finally:
        writer.stop()



def test_which_chapters_a_synopsis_names():
    from kimi_writer.book.outline import chapters_named

    assert chapters_named("Pays off the key from chapter 3.") == {3}
    assert chapters_named("Set up in Chapter Three; echoes ch. 2") == {2, 3}
    assert chapters_named("Recalls chapters 4 and 6, and chapters 8-10.") == {4, 6, 8, 9, 10}
    assert chapters_named("The thirty chapters of chapter 30 in this chapter") == {30}
