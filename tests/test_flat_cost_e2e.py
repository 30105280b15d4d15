"""A long book costs the same per request at chapter 34 as at chapter 10, and continuity does not pay
for it (issue 26): the request that writes chapter k carries the outline around k, the titles
around it and the last one, the end of chapter k-1, the summaries of chapters k-3 to k-1, the arc
summary that covers chapter 1, every open thread and any outline line that names chapter k.
These books stop with planned chapters unwritten, so a finished run exits 6."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_protocol
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn
from kimi_writer.loop.book_context import CONTEXT_TAIL_WORDS

CHAPTERS = 60
WRITTEN = 33  # the next chapter to write is 34
LEDGER = ("# Continuity\n\n## Characters\n- **Mara Quill** — a cartographer.\n\n## Timeline\n- Ch 33: the tide turns.\n\n"
          "## Open threads\n- Who sent the letter? (planted ch 1)\n- Where is the brass key? (planted ch 9)\n"
          "- Why does Tobin limp? (planted ch 20)\n")


def title(n: int) -> str:
    return f"Tide {n}"


def synopsis(n: int) -> str:
    named = " The lamp lit here is found again in chapter 34." if n == 5 else ""
    return (f"Mara follows lead number {n} along the estuary, where the gulls circle the wreck of the Margaret, "
            f"the customs men look the other way and the fog hides the smugglers' lanterns until dawn.{named}")


def outline(edited: dict[int, str] | None = None) -> str:
    edited = edited or {}
    return "# The Estuary\n\n" + "".join(f"{n}. **{title(n)}** — {edited.get(n, synopsis(n))}\n"
                                         for n in range(1, CHAPTERS + 1))


def chapter(n: int) -> str:
    middle = " ".join(f"Mara counted the boats of night {n} and waited." for _ in range(60))
    return f"# Chapter {n}: {title(n)}\n\nChapter {n} opens at the harbour. {middle} Chapter {n} ends in the fog.\n"


def book(tmp_path: Path, written: int = WRITTEN) -> Path:
    project = tmp_path / "projects" / "Estuary"
    project.mkdir(parents=True)
    (project / "outline.md").write_text(outline(), encoding="utf-8")
    (project / "characters.md").write_text("# Characters\n\n- Mara: a cartographer who never swims.\n")
    (project / "continuity.md").write_text(LEDGER, encoding="utf-8")
    for n in range(1, written + 1):
        (project / f"chapter_{n:02d}.md").write_text(chapter(n), encoding="utf-8")
    return project


def arc_reply(body: dict) -> Turn | None:
    """The scripted model's answer to an arc request (a plain request, without tools)."""
    if body.get("tools"):
        return None
    asked = body["messages"][1]["content"].split("Sum up chapters ", 1)[1].split(" ", 1)[0]
    return Turn(content=f"ARC {asked}: Mara maps the estuary and loses the key.")


def planner_requests(server) -> list[dict]:
    return [request for request in server.requests if request.get("tools")]


def test_the_request_for_chapter_34_carries_what_continuity_needs(server, run_cli, tmp_path):
    project = book(tmp_path)
    server.responder = arc_reply
    server.add(tool_turn(tool_call("write_file", filename="chapter_34.md", content=chapter(34))), Turn(content="done"))
    result = run_cli("write", "--recover", str(project))
    assert result.returncode == 6, result.stdout + result.stderr
    assert_clean_protocol(server)
    arcs = [request for request in server.requests if not request.get("tools")]
    assert len(arcs) == 3 and server.requests.index(arcs[-1]) == 2  # folded once, before the first turn
    assert (project / "summaries/arc_01.md").read_text() == "# Chapters 1–10\n\nARC 1–10: Mara maps the estuary and loses the key.\n"
    messages = planner_requests(server)[0]["messages"]
    memory, context = messages[2]["content"], messages[-1]["content"]
    assert memory.startswith("[Book memory]") and context.startswith("[Book context]")
    for n in range(29, 40):
        assert f"\n{n}. {title(n)} — {synopsis(n)}\n" in memory, n
    for n in [*range(14, 55), CHAPTERS]:  # the titles, at least
        assert f"\n{n}. {title(n)}\n" in memory or f"\n{n}. {title(n)} — " in memory, n
    assert "\n3. " not in memory and synopsis(50) not in memory  # far away: one line for each part
    assert "ARC 1–10: Mara maps the estuary and loses the key." in memory
    assert "ARC 21–30" in memory and "chapter_30.md" not in memory
    for n in (31, 32, 33):
        assert f"- chapter_{n}.md (" in memory and f"Chapter {n} opens at the harbour." in memory
    assert " ".join(chapter(33).split()[-CONTEXT_TAIL_WORDS:]) in context and "End of chapter_33.md" in context
    for thread in ("Who sent the letter?", "Where is the brass key?", "Why does Tobin limp?"):
        assert thread in context
    assert f"\n5. {title(5)} — {synopsis(5)}\n" in context  # it names chapter 34


def test_no_arc_request_until_a_block_closes(server, run_cli, tmp_path):
    project = book(tmp_path, written=12)
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", str(project)).returncode == 6  # done, with planned chapters unwritten
    assert len(server.requests) == 1 and not (project / "summaries").exists()
    memory = server.requests[0]["messages"][2]["content"]
    assert all(f"- chapter_{n:02d}.md (" in memory for n in range(1, 13))


def test_summaries_and_outline_edited_by_the_author_reach_the_next_request(server, run_cli, tmp_path):
    project = book(tmp_path)
    server.responder = arc_reply
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", str(project)).returncode == 6
    (project / "summaries/arc_01.md").write_text("# Chapters 1–10\n\nThe AUTHOR'S OWN account of the first ten.\n")
    (project / "outline.md").write_text(outline({36: "The EDITED synopsis of chapter 36."}), encoding="utf-8")
    before = len(server.requests)
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", str(project)).returncode == 6
    assert all(request.get("tools") for request in server.requests[before:])  # nothing is summed up again
    sent = json.dumps(server.requests[-1], ensure_ascii=False)
    assert "The AUTHOR'S OWN account of the first ten." in sent and "ARC 1–10" not in sent
    assert "36. Tide 36 — The EDITED synopsis of chapter 36." in sent


def test_summaries_are_neither_chapters_nor_story_bible(server, run_cli, tmp_path):
    project = book(tmp_path)
    server.responder = arc_reply
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", str(project)).returncode == 6
    assert "Story bible: summaries" not in json.dumps(server.requests[-1])
    exported = run_cli("export", str(project), "--format", "md")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    manuscript = (project / "Estuary.md").read_text(encoding="utf-8")
    assert "ARC 1–10" not in manuscript and manuscript.count("\n# Chapter ") + manuscript.startswith("# Chapter") >= WRITTEN
    lint = run_cli("lint", str(project))
    assert "arc_01" not in lint.stdout + lint.stderr
