"""`kimi-writer import` with a scripted planner (and critic): the outline, the summaries and continuity.md
come from the model's reading; `write --recover` continues after the author's last chapter in their voice,
never replacing their text; `revise` leaves it alone without --force."""

from __future__ import annotations

import json
from pathlib import Path

from kimi_writer.core.tokens import count_text
from tests.conftest import assert_clean_protocol, assistant_calls, tool_results, user_message
from tests.import_fixtures import LIGHTHOUSE, make_docx
from tests.scripted_server import ScriptedServer, ToolCall, Turn, tool_call
from tests.test_review import SCORES, review_turn
from tests.test_write_e2e import tool_turn
from kimi_writer.loop.book_context import CONTEXT_TAIL_WORDS

SUMMARIES = {1: "Mara tends the cold lamp.", 2: "A ship breaks on the Teeth; Mara rows out alone.",
             3: "Mara finds a letter for a dead man and waits."}
FACTS = [{"section": "characters", "fact": "Mara — the keeper's daughter, rows alone"},
         {"section": "threads", "fact": "The letter under the clock (chapter 3)"}]
NEXT = "# Chapter 4: The Visitor\n\nA man knocked who should not have been alive.\n"


def reading(*numbers: int, facts: list | None = None) -> Turn:
    chapters = [{"file": f"chapter_{n:02d}.md", "title": f"Title {n}", "summary": SUMMARIES[n]} for n in numbers]
    arguments = {"chapters": chapters} if facts is None else {"chapters": chapters, "new_facts": facts}
    return Turn(tool_calls=[tool_call("submit_reading", **arguments)], usage=(900, 120))


def project_of(tmp_path: Path) -> Path:
    return tmp_path / "projects" / "The_Lighthouse_Keeper"


def imported_with_plan(tmp_path: Path, server: ScriptedServer, run_cli, *flags: str) -> Path:
    """The DOCX imported with the planner reading it in two batches (a small window)."""
    server.add(reading(1, 2, facts=FACTS[:1]), reading(3, facts=FACTS[1:]))
    path, _ = make_docx(tmp_path / "lighthouse.docx", filler=True)
    result = run_cli("import", str(path), "--token-limit", "2000", *flags)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Imported 3 chapters" in result.stdout and "Read by kimi-k2.6 in 2 batches" in result.stdout
    return project_of(tmp_path)


def test_the_planner_reads_in_batches_and_writes_outline_summaries_and_continuity(tmp_path, server, run_cli):
    project = imported_with_plan(tmp_path, server, run_cli)
    assert_clean_protocol(server)
    assert len(server.requests) == 2
    first, second = (request["messages"][1]["content"] for request in server.requests)
    assert all(r["tool_choice"] == {"type": "function", "function": {"name": "submit_reading"}} for r in server.requests)
    assert LIGHTHOUSE[0][1][0] in first and LIGHTHOUSE[1][1][0] in first and LIGHTHOUSE[2][1][0] not in first
    assert LIGHTHOUSE[2][1][0] in second and SUMMARIES[1] in second  # the earlier chapters, summarized
    outline = (project / "outline.md").read_text(encoding="utf-8")
    assert outline.startswith("# The Lighthouse Keeper\n")
    for number, summary in SUMMARIES.items():
        assert f"{number}. **Title {number}** — {summary}\n" in outline
    state = json.loads((project / ".kimi_writer/session.json").read_text(encoding="utf-8"))
    assert state["chapter_summaries"] == {f"chapter_{n:02d}.md": s for n, s in SUMMARIES.items()}
    continuity = (project / "continuity.md").read_text(encoding="utf-8")
    assert "- Mara — the keeper's daughter, rows alone" in continuity
    assert "- The letter under the clock (chapter 3)" in continuity


def test_with_a_critic_the_critic_finds_the_facts(tmp_path, server, run_cli):
    facts = Turn(tool_calls=[tool_call("submit_facts", new_facts=FACTS)], usage=(800, 90))
    server.add(reading(1, 2, 3), facts)
    path, _ = make_docx(tmp_path / "lighthouse.docx")
    result = run_cli("import", str(path), "--critic-model", "critic-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_protocol(server)
    planner, critic = server.requests
    assert "new_facts" not in json.dumps(planner["tools"]) and critic["model"] == "critic-1"
    assert critic["tool_choice"]["function"]["name"] == "submit_facts"
    assert "- The letter under the clock (chapter 3)" in (project_of(tmp_path) / "continuity.md").read_text()


def test_a_failed_reading_leaves_no_project(tmp_path, server, run_cli):
    server.add(*[Turn(status=401)] * 2)
    path, _ = make_docx(tmp_path / "lighthouse.docx")
    result = run_cli("import", str(path))
    assert result.returncode == 4 and "nothing was imported" in result.stderr, result.stderr
    assert list((tmp_path / "projects").iterdir()) == []


def test_recover_writes_the_next_chapter_with_the_tail_and_the_voice_and_never_the_authors(tmp_path, server, run_cli):
    project = imported_with_plan(tmp_path, server, run_cli)
    authors = {path.name: path.read_text(encoding="utf-8") for path in project.glob("chapter_*.md")}
    server.add(tool_turn(tool_call("write_file", filename="chapter_01.md", content="Mine now.", mode="overwrite")),
               tool_turn(tool_call("write_file", filename="chapter_04.md", content=NEXT)),
               Turn(content="done"))
    result = run_cli("write", "The_Lighthouse_Keeper", "--continue", "A visitor comes back from the dead.")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_protocol(server)
    assert (project / "chapter_04.md").read_text(encoding="utf-8") == NEXT
    assert {name: (project / name).read_text(encoding="utf-8") for name in authors} == authors
    refused = tool_results(server)["call_3"]
    assert "chapter_01.md is the author's own text" in refused
    request = server.requests[2]
    assert "A visitor comes back from the dead." in json.dumps(request["messages"])
    context, memory = user_message(request, "[Book context]"), user_message(request, "[Book memory]")
    assert "## The author's voice" in memory and LIGHTHOUSE[2][1][0] in memory.split("## The author's voice")[1]
    tail = " ".join(authors["chapter_03.md"].split()[-CONTEXT_TAIL_WORDS:])  # the book context's tail (the writer gets more)
    assert f"## End of chapter_03.md, the latest chapter\n…{tail}" in context
    assert SUMMARIES[2] in memory  # the planner's summaries ride in the book's memory
    resumed = user_message(server.requests[2], "[Resumed]")
    assert "the first run on the author's imported book" in resumed and "interrupted" not in resumed


def test_the_writer_drafts_chapter_n_plus_1_with_the_tail_and_the_voice_sample(tmp_path, server, run_cli):
    project = imported_with_plan(tmp_path, server, run_cli)
    writer = ScriptedServer([Turn(content=NEXT)], models=["writer-1"]).start()
    try:
        server.add(tool_turn(tool_call("draft_chapter", filename="chapter_04.md", brief="The visitor.")),
                   Turn(content="done"))
        result = run_cli("write", "--recover", str(project), "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url)
        assert result.returncode == 0, result.stdout + result.stderr
        writer.assert_complete()
    finally:
        writer.stop()
    request = writer.requests[0]["messages"][1]["content"]
    last = (project / "chapter_03.md").read_text(encoding="utf-8")
    assert f"The end of the previous chapter (chapter_03.md), verbatim: continue from here\n…{' '.join(last.split())}" \
        in request
    voice = request.split("## The author's voice: a sample of their own prose, to match (never to copy)\n")[1]
    voice = voice.split("\n\n## ")[0]
    assert LIGHTHOUSE[2][1][0] in voice and LIGHTHOUSE[0][1][0] not in voice  # from the latest chapters
    assert "\n\nShe said it *twice*, then **louder**.\n\n" + LIGHTHOUSE[2][1][0] in voice  # whole paragraphs
    assert 300 < count_text(voice) <= 400
    assert (project / "chapter_04.md").read_text(encoding="utf-8") == NEXT


def test_revise_leaves_the_authors_chapters_alone_without_force(tmp_path, server, run_cli):
    path, expected = make_docx(tmp_path / "lighthouse.docx")
    assert run_cli("import", str(path), "--no-plan").returncode == 0
    project = project_of(tmp_path)
    result = run_cli("revise", str(project))
    assert result.returncode == 0, result.stdout + result.stderr
    assert server.requests == [] and "author's text" in result.stdout and "--force" in result.stdout
    assert [p.read_text(encoding="utf-8") for p in sorted(project.glob("chapter_*.md"))] == expected
    server.add(*[review_turn({key: 9 for key in SCORES})] * 3)
    forced = run_cli("revise", str(project), "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert len(server.requests) == 3 and forced.stdout.count("good enough") == 3


def test_draft_overwrite_skips_the_authors_chapters(tmp_path, server, run_cli):
    project = imported_with_plan(tmp_path, server, run_cli)
    before = [p.read_text(encoding="utf-8") for p in sorted(project.glob("chapter_*.md"))]
    result = run_cli("draft", str(project), "--overwrite", "--writer-model", "writer-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(server.requests) == 2  # the two readings; no draft was asked for
    assert "skipped chapter_01.md: the author's own text, never replaced" in result.stdout
    assert [p.read_text(encoding="utf-8") for p in sorted(project.glob("chapter_*.md"))] == before


def test_write_force_lets_the_agent_replace_the_authors_chapter(tmp_path, server, run_cli):
    path, _ = make_docx(tmp_path / "lighthouse.docx")
    assert run_cli("import", str(path), "--no-plan").returncode == 0
    server.add(tool_turn(tool_call("write_file", filename="chapter_01.md", content="# Chapter 1\n\nNew.\n",
                                   mode="overwrite")), Turn(content="done"))
    result = run_cli("write", "The_Lighthouse_Keeper", "--continue", "Rewrite the opening.", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project_of(tmp_path) / "chapter_01.md").read_text(encoding="utf-8") == "# Chapter 1\n\nNew.\n"


def test_a_reading_without_the_call_is_asked_again_and_model_titles_are_made_safe(tmp_path, server, run_cli):
    odd = [{"file": "chapter_01.md", "title": "**The\nLamp**", "summary": "Mara\nclimbs."},
           {"file": "chapter_09.md", "title": "Not a chapter", "summary": "Ignored."}]
    server.add(Turn(content="I have read them."),
               Turn(tool_calls=[tool_call("submit_reading", chapters=odd, new_facts=[])]))
    path, _ = make_docx(tmp_path / "lighthouse.docx")
    result = run_cli("import", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean_protocol(server)
    assert "you did not call submit_reading" in server.requests[1]["messages"][-1]["content"]
    outline = (project_of(tmp_path) / "outline.md").read_text(encoding="utf-8")
    assert "1. **The Lamp** — Mara climbs.\n" in outline
    assert "2. **The Wreck** — She said it" in outline  # no note from the model: its own first sentence
    assert "Not a chapter" not in outline


def test_a_reading_nested_thousands_deep_is_a_malformed_call_asked_again(tmp_path, server, run_cli):
    nested = '{"chapters": ' + "[" * 5_000 + "]" * 5_000 + "}"
    server.add(Turn(reasoning="r", tool_calls=[ToolCall("submit_reading", nested)]), reading(1, 2, 3))
    path, _ = make_docx(tmp_path / "lighthouse.docx")
    result = run_cli("import", str(path))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
    told = tool_results(server)
    assert len(told) == 1 and "its arguments are not valid JSON" in next(iter(told.values()))
    assert "Title 3" in (project_of(tmp_path) / "outline.md").read_text(encoding="utf-8")
    assert assistant_calls(server)[next(iter(told))][1]["function"]["arguments"] == "{}"  # not sent back nested
