"""The continuity ledger rides in chapter requests: the compact book context and the writer's request
carry the excerpt for the chapter at hand (only the characters its synopsis names), the author's
edits win, a link leading outside is never read, and a book without a ledger sends what it did."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_protocol
from tests.scripted_server import ScriptedServer, Turn, tool_call
from tests.test_write_e2e import tool_turn

OUTLINE = ("# The Salt Road\n\n"
           "1. **Departure** — Mara leaves the harbour with the brass key. (~300 words)\n"
           "2. **The Pass** — Tobin guides the party over the mountains to Kestrel Keep. (~300 words)\n"
           "3. **The Keep** — Ines opens the gate. (~300 words)\n")
LEDGER = ("# Continuity\n\n## Characters\n"
          "- **Mara Quill** — 34, a cartographer; carries the brass key.\n"
          "- Tobin: a guide with a limp; owes Ines money.\n"
          "- Ines — keeper of Kestrel Keep.\n\n"
          "## Places\n- Kestrel Keep — a ruined fort above the pass.\n\n"
          "## Timeline\n- Ch 0: the letter arrives.\n\n"
          "## Open threads\n- Who sent the letter? (planted ch 1; payoff ch 3)\n")
SAVED = Path(__file__).resolve().parent / "fixtures/ledger/writer_request_without_ledger.json"
HEADER = "## Continuity ledger (continuity.md), as it bears on "
CHAPTER = "# Chapter 1: Departure\n\n" + "Mara walked down to the boats in the grey morning light. " * 20 + "\n"


def _book(tmp_path: Path, ledger: str | None = LEDGER) -> Path:
    project = tmp_path / "projects/Salt_Road"
    project.mkdir(parents=True)
    (project / "outline.md").write_text(OUTLINE, encoding="utf-8")
    (project / "characters.md").write_text("# Characters\n\nMara is left-handed.\n", encoding="utf-8")
    if ledger is not None:
        (project / "continuity.md").write_text(ledger, encoding="utf-8")
    return project


def _draft(run_cli, chapters: str, text: str = CHAPTER) -> tuple[str, str]:
    """(system, request) the writer received when `draft` wrote `chapters`."""
    writer = ScriptedServer([Turn(content=text)], models=["writer-1"]).start()
    try:
        result = run_cli("draft", "Salt_Road", "--chapters", chapters, "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url)
        assert result.returncode == 0, result.stdout + result.stderr
        writer.assert_complete()
        messages = writer.requests[0]["messages"]
        return messages[0]["content"], messages[1]["content"]
    finally:
        writer.stop()


def test_the_planners_ledger_reaches_the_next_compact_request(server, run_cli, tmp_path):
    server.add(
        tool_turn(tool_call("create_project", project_name="Salt_Road")),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE),
                  tool_call("write_file", filename="continuity.md", content=LEDGER)),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER)),
        Turn(content="done"),
    )
    result = run_cli("write", "A journey")
    assert result.returncode == 6, result.stdout + result.stderr  # chapter 2 is planned, unwritten
    assert (tmp_path / "projects/Salt_Road/continuity.md").read_text() == LEDGER
    before = server.requests[1]["messages"][-1]["content"]
    assert "Continuity ledger" not in before
    first = server.requests[2]["messages"][-1]["content"]
    assert first.startswith("[Book context]") and HEADER + "chapter_01.md" in first
    assert "- **Mara Quill** — 34, a cartographer; carries the brass key." in first
    # the characters and places its neighbour (chapter 2) names ride too (issue 26); chapter 3's do not
    assert "- Tobin: a guide with a limp; owes Ines money." in first and "- Kestrel Keep — a ruined fort" in first
    assert "Ines — keeper" not in first
    assert "- Who sent the letter? (planted ch 1; payoff ch 3)" in first and "- Ch 0: the letter arrives." in first
    assert "## Story bible: continuity.md" not in json.dumps(server.requests[2])  # sent once, as the excerpt
    second = server.requests[3]["messages"][-1]["content"]
    assert HEADER + "chapter_02.md" in second
    assert "- Tobin: a guide with a limp; owes Ines money." in second
    assert "- Kestrel Keep — a ruined fort above the pass." in second
    assert_clean_protocol(server)


def test_a_writer_request_carries_only_the_chapters_characters(run_cli, tmp_path):
    _book(tmp_path)
    system, request = _draft(run_cli, "3")
    assert HEADER + "chapter_03.md" in request
    assert "- Ines — keeper of Kestrel Keep." in request
    assert "Mara Quill" not in request and "Tobin: a guide" not in request
    assert "- Who sent the letter? (planted ch 1; payoff ch 3)" in request
    assert "## Story bible: continuity.md" not in request and "Mara is left-handed." in request
    assert "continuity" not in system


def test_the_authors_edits_win_on_the_next_run(server, run_cli, tmp_path):
    project = _book(tmp_path)
    edited = LEDGER.replace("- **Mara Quill** — 34, a cartographer; carries the brass key.",
                            "* MARA QUILL: lost the brass key in the harbour!")
    (project / "continuity.md").write_text(edited, encoding="utf-8")
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", str(project), "--max-iterations", "1").returncode == 6  # chapters unwritten (issue 29)
    messages = server.requests[0]["messages"]
    assert "`continuity.md`" in messages[0]["content"] and "## Open threads" in messages[0]["content"]
    context = messages[-1]["content"]
    assert "- MARA QUILL: lost the brass key in the harbour!" in context
    assert "carries the brass key" not in context
    assert (project / "continuity.md").read_text(encoding="utf-8") == edited


def test_a_ledger_linked_outside_is_never_read(server, run_cli, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text("## Characters\n- Mara — SECRET-OUTSIDE-LEDGER\n", encoding="utf-8")
    project = _book(tmp_path, ledger=None)
    (project / "continuity.md").symlink_to(outside)
    system, request = _draft(run_cli, "1")
    assert "SECRET-OUTSIDE-LEDGER" not in system + request and "Continuity ledger" not in request
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", str(project), "--max-iterations", "1").returncode == 6  # chapters unwritten (issue 29)
    sent = json.dumps(server.requests, ensure_ascii=False)
    assert "SECRET-OUTSIDE-LEDGER" not in sent and "continuity" not in sent


def test_a_book_without_a_ledger_sends_no_ledger_text(server, run_cli, tmp_path):
    project = _book(tmp_path, ledger=None)
    system, request = _draft(run_cli, "1")
    assert "continuity" not in (system + request).lower()
    server.add(Turn(content="done"))
    assert run_cli("write", "--recover", str(project), "--max-iterations", "1").returncode == 6  # chapters unwritten
    assert "continuity" not in json.dumps(server.requests, ensure_ascii=False).lower()


def test_without_a_ledger_the_writer_request_is_byte_for_byte_as_before(run_cli, tmp_path):
    """The saved request was made by the code before the ledger, on the same book."""
    project = _book(tmp_path, ledger=None)
    (project / "chapter_01.md").write_text(CHAPTER, encoding="utf-8")
    writer = ScriptedServer([Turn(content="# Chapter 2\n\nText.\n")], models=["writer-1"]).start()
    try:
        result = run_cli("draft", "Salt_Road", "--chapters", "2", "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert writer.requests[0]["messages"] == json.loads(SAVED.read_text(encoding="utf-8"))
    finally:
        writer.stop()
