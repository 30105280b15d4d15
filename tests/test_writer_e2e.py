"""Plan with one model, write with another; draft chapters in parallel."""

from __future__ import annotations

import signal
import time

from tests.conftest import assert_clean_protocol, tool_results
from tests.scripted_server import ScriptedServer, Turn, tool_call
from tests.test_signals_e2e import start, wait_for
from tests.test_write_e2e import tool_turn

OUTLINE = ("# The Lamplighter's Debt\n\n" + "".join(
    f"{n}. **Part {n}** — Hale follows clue number {n}. (~300 words)\n" for n in range(1, 7)))
BIBLE = "# Characters\n\n- Hale: an inspector who never smokes.\n"
WRITER_KEY = "sk-writer-key-987654321"


def chapter_text(n: int) -> str:
    return f"# Chapter {n}\n\n" + " ".join([f"Draft {n}: the lamps burned low along the river."] * 20) + "\n"


def writer_server(*turns: Turn) -> ScriptedServer:
    return ScriptedServer(list(turns), models=["writer-1"]).start()


def test_planner_delegates_drafts_to_the_writer(server, run_cli, tmp_path):
    writer = writer_server(*[Turn(content=chapter_text(n)) for n in range(1, 4)])
    try:
        server.add(
            tool_turn(tool_call("create_project", project_name="Delegated")),
            tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE),
                      tool_call("write_file", filename="characters.md", content=BIBLE)),
            tool_turn(tool_call("draft_chapter", filename="chapter_01.md", brief="BRIEF ONE: the body.",
                                target_words=300)),
            tool_turn(tool_call("draft_chapter", filename="chapter_02.md", brief="BRIEF TWO: the docks."),
                      tool_call("draft_chapter", filename="chapter_03.md", brief="BRIEF THREE: the ledger.")),
            Turn(content="done"),
        )
        result = run_cli("write", "x", "--writer-model", "writer-1", "--writer-base-url", writer.base_url,
                         "--parallel", "2", env={"KIMI_WRITER_WRITER_API_KEY": WRITER_KEY})
        assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
        project = tmp_path / "projects/Delegated"
        texts = {(project / f"chapter_{n:02d}.md").read_text() for n in range(1, 4)}
        assert texts == {chapter_text(n) for n in range(1, 4)}  # every draft saved exactly once
        writer.assert_complete()
        assert all(h["authorization"] == f"Bearer {WRITER_KEY}" for h in writer.headers)
        assert all(r["model"] == "writer-1" and "tools" not in r for r in writer.requests)
        first = writer.requests[0]["messages"][1]["content"]
        assert "BRIEF ONE: the body." in first and "about 300 words" in first
        assert "Hale: an inspector who never smokes." in first
        assert "a testament to" in writer.requests[0]["messages"][0]["content"]  # the banned list
        by_brief = {r["messages"][1]["content"].split("## Brief\n")[1].split("\n")[0]: r for r in writer.requests}
        second = by_brief["BRIEF TWO: the docks."]["messages"][1]["content"]
        tail = " ".join((project / "chapter_01.md").read_text().split()[-500:])
        assert "The end of the previous chapter (chapter_01.md)" in second and tail in second
        third = by_brief["BRIEF THREE: the ledger."]["messages"][1]["content"]
        assert "Hale follows clue number 2." in third or tail not in third
        planner_tools = {t["function"]["name"] for t in server.requests[0]["tools"]}
        assert "draft_chapter" in planner_tools and "draft_chapter" in server.requests[0]["messages"][0]["content"]
        results = tool_results(server)
        assert results["call_4"].startswith("Drafted chapter_01.md: 183 words of the 300 targeted; begins \"# Chapter")
        assert "drafting chapter_02.md…" in result.stdout, result.stdout
        assert "drafted chapter_03.md: 183 of 300 words" in result.stdout
        assert_clean_protocol(server)
    finally:
        writer.stop()


def test_without_a_writer_model_nothing_changes(server, run_cli):
    server.add(Turn(content="done"))
    assert run_cli("write", "x").returncode == 4  # a text answer with no project is not a book (issue 12)
    request = server.requests[0]
    assert [t["function"]["name"] for t in request["tools"]] == [
        "create_project", "write_file", "read_file", "list_files", "compress_context"]
    assert "draft_chapter" not in request["messages"][0]["content"]


def _sample(tmp_path):
    project = tmp_path / "projects/Parallel"
    project.mkdir(parents=True)
    (project / "outline.md").write_text(OUTLINE)
    (project / "characters.md").write_text(BIBLE)
    return project


def test_draft_command_in_parallel_survives_a_transient_failure(run_cli, tmp_path):
    project = _sample(tmp_path)
    (project / "chapter_02.md").write_text("The author's own chapter two.\n")
    writer = writer_server(Turn(status=500), *[Turn(content=chapter_text(n)) for n in (1, 3, 4, 5, 6)])
    try:
        result = run_cli("draft", "Parallel", "--parallel", "3", "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "skipped chapter_02.md: it exists" in result.stdout
        assert "5 of 5 chapters drafted." in result.stdout
        texts = [(project / f"chapter_{n:02d}.md").read_text() for n in (1, 3, 4, 5, 6)]
        assert sorted(texts) == sorted(chapter_text(n) for n in (1, 3, 4, 5, 6))
        assert (project / "chapter_02.md").read_text() == "The author's own chapter two.\n"
        assert len(writer.requests) == 6  # five chapters, one retried
        writer.assert_complete()
    finally:
        writer.stop()


def test_the_writer_retries_as_often_as_the_planner_then_fails_in_one_sentence(run_cli, tmp_path):
    _sample(tmp_path)
    writer = writer_server(*[Turn(status=503)] * 3)
    try:
        result = run_cli("draft", "Parallel", "--chapters", "1", "--writer-model", "writer-1",
                         "--writer-base-url", writer.base_url, env={"KIMI_WRITER_MAX_RETRIES": "2"})
        assert result.returncode == 4, result.stdout + result.stderr
        assert "failed chapter_01.md: the writer model failed: server error, HTTP 503" in result.stdout
        assert "retrying in" not in result.stdout  # the writer retries silently
        assert len(writer.requests) == 3  # the first try and two retries, as --max-retries 2 gives the planner
        writer.assert_complete()
    finally:
        writer.stop()


def test_ctrl_c_while_drafting_starts_no_more_chapters(tmp_path):
    """The drafting pool is the planner's: on Ctrl+C the chapters still queued are never started."""
    _sample(tmp_path)
    writer = writer_server(Turn(content=chapter_text(1), delay=0.1),
                           *[Turn(content=chapter_text(n)) for n in range(2, 7)])
    try:
        process = start(tmp_path, writer, "draft", "Parallel", "--parallel", "1", "--writer-model", "writer-1")
        wait_for(lambda: len(writer.requests) >= 1)
        time.sleep(1)  # chapter 1 is streaming; chapters 2-6 wait in the queue
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 130, stdout + stderr
        assert stderr.strip() == "Interrupted."
        assert len(writer.requests) == 1
    finally:
        writer.stop()


def test_a_failed_chapter_is_reported_and_its_siblings_kept(run_cli, tmp_path):
    project = _sample(tmp_path)
    writer = writer_server(Turn(status=400), Turn(content=chapter_text(2)), Turn(content=chapter_text(3)))
    try:
        result = run_cli("draft", str(project), "--chapters", "1-3", "--parallel", "3",
                         "--writer-model", "writer-1", "--writer-base-url", writer.base_url)
        assert result.returncode == 4, result.stdout
        assert "2 of 3 chapters drafted, 1 failed." in result.stdout
        written = sorted(p.name for p in project.glob("chapter_*.md"))
        assert len(written) == 2 and "failed chapter_0" in result.stdout
        writer.assert_complete()
    finally:
        writer.stop()


def test_bad_chapter_range_is_one_sentence(run_cli, tmp_path):
    _sample(tmp_path)
    result = run_cli("draft", "Parallel", "--chapters", "9")
    assert result.returncode == 2 and result.stderr.strip() == (
        "Error: the outline has no chapter 9; see kimi-writer status.")
