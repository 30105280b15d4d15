"""Every run tells what it does as data: `.kimi_writer/events.jsonl`, and the same events on stdout
with --json; the exit codes are the console mode's; SIGKILL, SIGTERM and a server quoting the key."""

from __future__ import annotations

import json
import signal

from kimi_writer.book.event_log import read_events
from kimi_writer.report.shapes import MechanicalReview, RunEvent
from tests.conftest import TEST_KEY
from tests.sample_book import write_sample_book
from tests.scripted_server import ScriptedServer, Turn, tool_call
from tests.test_lock_e2e import start, wait_for_requests
from tests.test_review import SCORES, review_turn
from tests.test_write_e2e import tool_turn

CHAPTER = "# Chapter 1\n\n" + "The rain kept on. Hale waited by the door, counting the bells.\n" * 40


def book_turns() -> list[Turn]:
    return [tool_turn(tool_call("create_project", project_name="Rain Book"), reasoning="Plan it. " * 40),
            tool_turn(tool_call("write_file", filename="outline.md", content="# Rain\n\n1. **Rain** — it rains.\n"),
                      tool_call("write_file", filename="chapter_01.md", content=CHAPTER)),
            Turn(content="The book is done.", reasoning="Check the chapter.")]


def check_run(events: list[dict]) -> None:
    """Every event validates; one run, seq 1, 2, 3...; run_start first, run_end last; a tool_call
    before each tool_result."""
    for event in events:
        RunEvent.model_validate(event)
    assert len({event["run"] for event in events}) == 1
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    types = [event["type"] for event in events]
    assert types[0] == "run_start" and types[-1] == "run_end"
    assert types.count("run_start") == 1 and types.count("run_end") == 1
    called: list[str] = []
    for event in events:
        if event["type"] == "tool_call":
            called.append(event["name"])
        elif event["type"] == "tool_result":
            assert event["name"] in called, f"a tool_result with no tool_call before it: {event}"
            called.remove(event["name"])


def runs(path) -> dict[str, list[dict]]:
    by_run: dict[str, list[dict]] = {}
    for event in read_events(path):
        by_run.setdefault(event["run"], []).append(event)
    return by_run


def test_a_run_leaves_its_events_in_the_project(server, run_cli, tmp_path):
    server.add(*book_turns())
    result = run_cli("write", "A rainy book")
    assert result.returncode == 0, result.stderr
    assert "Iteration 1/300" in result.stdout  # the console view is still there
    events = read_events(tmp_path / "projects/Rain_Book/.kimi_writer/events.jsonl")
    check_run(events)
    start_event, end = events[0], events[-1]
    assert start_event["command"] == "write" and start_event["args"]["prompt"] == "A rainy book"
    assert start_event["models"] == {"planner": "kimi-k2.6", "writer": None, "critic": None}
    assert [e["n"] for e in events if e["type"] == "iteration"] == [1, 2, 3]
    assert "".join(e["text"] for e in events if e["type"] == "reasoning").startswith("Plan it. Plan it.")
    assert "".join(e["text"] for e in events if e["type"] == "content") == "The book is done."
    written = [(e["file"], e["words"]) for e in events if e["type"] == "tool_result" and "file" in e]
    assert [name for name, _ in written] == ["outline.md", "chapter_01.md"]
    assert dict(written)["chapter_01.md"] == len(CHAPTER.split())
    assert end["exit_code"] == 0 and end["outcome"].startswith("Finished") and end["iterations"] == 3
    assert end["prompt_tokens"] > 0 and end["completion_tokens"] > 0


def test_json_prints_the_same_events_on_stdout_and_keeps_the_exit_code(server, run_cli, tmp_path):
    server.add(*book_turns())
    result = run_cli("write", "A rainy book", "--json")
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    check_run(printed)
    assert printed == read_events(tmp_path / "projects/Rain_Book/.kimi_writer/events.jsonl")

    for mode in ([], ["--json"]):  # the iteration limit: exit 3 either way
        server.add(tool_turn(tool_call("create_project", project_name=f"Limit{len(mode)}")))
        limited = run_cli("write", "A book", "--max-iterations", "1", *mode)
        assert limited.returncode == 3, limited.stdout + limited.stderr
    events = [json.loads(line) for line in limited.stdout.splitlines()]
    check_run(events)
    assert events[-1]["exit_code"] == 3 and "iteration limit" in events[-1]["outcome"]
    assert any(e["type"] == "notice" and "Checkpoint saved" in e["text"] for e in events)

    refused = run_cli("write", "", "--json")  # a user's mistake: stderr and exit 2, as in the console mode
    assert refused.returncode == 2 and refused.stderr.startswith("Error: the prompt is empty")
    last = json.loads(refused.stdout.splitlines()[-1])
    assert last["type"] == "run_end" and last["exit_code"] == 2


def test_a_sigkill_leaves_whole_lines_and_the_next_run_appends(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Killed")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER), hang=120))
    process = start(tmp_path, server, "write", "A book")
    wait_for_requests(server, 2)
    process.kill()
    process.communicate(timeout=60)
    log = tmp_path / "projects/Killed/.kimi_writer/events.jsonl"
    with open(log, "ab") as handle:
        handle.write(b'{"run": "cut", "seq": 99, "type": "content", "te')  # a write cut short by the kill
    first = read_events(log)
    assert [e["type"] for e in first][-1] == "iteration" and "run_end" not in [e["type"] for e in first]

    server.add(Turn(content="done"))
    resumed = run_cli("write", "--recover", str(tmp_path / "projects/Killed"))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    by_run = runs(log)
    assert len(by_run) == 2
    killed, second = by_run.values()
    assert killed == first
    check_run(second)
    assert second[0]["command"] == "write" and second[0]["args"]["recover"].endswith("Killed")


def test_sigterm_still_ends_the_log_with_run_end(server, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Termed")),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER), hang=120))
    process = start(tmp_path, server, "write", "A book", "--json")
    wait_for_requests(server, 2)
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 143
    printed = [json.loads(line) for line in stdout.splitlines()]
    check_run(printed)
    assert printed[-1]["exit_code"] == 143 and printed[-1]["outcome"].startswith("Interrupted (SIGTERM)")
    assert read_events(tmp_path / "projects/Termed/.kimi_writer/events.jsonl") == printed


def test_the_key_is_nowhere_in_the_log_even_when_the_server_quotes_it(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Secret")),
               Turn(status=401, error_body={"error": {"message": f"Incorrect API key provided: {TEST_KEY}",
                                                      "type": "invalid_request_error"}}))
    result = run_cli("write", f"A book about {TEST_KEY}", "--json")
    assert result.returncode == 4, result.stdout + result.stderr
    log = (tmp_path / "projects/Secret/.kimi_writer/events.jsonl").read_text(encoding="utf-8")
    assert TEST_KEY not in log and TEST_KEY not in result.stdout and TEST_KEY not in result.stderr
    assert TEST_KEY[:3] + "…" in log  # the key was there, and was masked
    check_run(read_events(tmp_path / "projects/Secret/.kimi_writer/events.jsonl"))


def test_review_json_prints_the_review_events(server, run_cli, tmp_path):
    root = write_sample_book(tmp_path / "projects")
    server.add(review_turn(), review_turn(dict(SCORES, prose=9)))
    result = run_cli("review", str(root), "--chapters", "1-2", "--json")
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    check_run(printed)
    reviews = [(e["file"], e["overall"], e["scores"]["prose"]) for e in printed if e["type"] == "review"]
    assert reviews == [("chapter_1.md", 7.22, 5), ("chapters/chapter_02.md", 7.67, 9)]
    assert printed[-1]["prompt_tokens"] == 2000 and printed[-1]["outcome"] == "2 of 2 chapters reviewed."
    assert read_events(root / ".kimi_writer/events.jsonl") == printed

    server.add(Turn(content="no tool"), Turn(content="still none"))  # not reviewed: exit 4 in both modes
    console = run_cli("review", str(root), "--chapters", "1", "--force")  # --force: the saved review is not reused
    server.add(Turn(content="no tool"), Turn(content="still none"))
    failed = run_cli("review", str(root), "--chapters", "1", "--json", "--force")
    assert console.returncode == failed.returncode == 4
    last = [json.loads(line) for line in failed.stdout.splitlines()]
    assert [e["overall"] for e in last if e["type"] == "review"] == [None] and last[-1]["exit_code"] == 4


def test_review_mechanical_only_json_is_one_document(run_cli, tmp_path):
    root = write_sample_book(tmp_path / "projects")
    result = run_cli("review", str(root), "--mechanical-only", "--json")
    assert result.returncode == 0, result.stderr
    document = MechanicalReview.model_validate_json(result.stdout)
    assert document.unit == "words" and '"unit": "words"' in result.stdout
    assert [c.file for c in document.chapters] == ["chapter_1.md", "chapters/chapter_02.md", "ch3.md"]
    # one stock phrase is no warning (the calibrated guard warns at a machine-like rate); the length is
    length = [w for w in document.chapters[0].warnings if w.kind == "length"]
    assert length and length[0].message == "13 words against a target of 3,000 (0%)"
    assert not [w for w in document.chapters[0].warnings if w.kind == "stock_phrase"]


def test_draft_json_prints_a_tool_call_and_result_per_chapter(server, run_cli, tmp_path):
    project = tmp_path / "projects/Drafted"
    project.mkdir(parents=True)
    (project / "outline.md").write_text("# Drafted\n\n1. **One** — a start.\n2. **Two** — an end.\n")
    modes = {}
    for mode in ([], ["--json"]):
        server.add(Turn(content="# Chapter 1\n\nOne two three.\n"), Turn(status=400))
        modes[bool(mode)] = run_cli("draft", "Drafted", "--overwrite", *mode)
    assert modes[False].returncode == modes[True].returncode == 4
    printed = [json.loads(line) for line in modes[True].stdout.splitlines()]
    check_run(printed)
    results = sorted((e["ok"], e.get("file"), e.get("words")) for e in printed if e["type"] == "tool_result")
    assert results == [(False, None, None), (True, "chapter_01.md", 6)]
    assert {e["file"] for e in printed if e["type"] == "tool_call"} == {"chapter_01.md", "chapter_02.md"}
    assert printed[-1]["exit_code"] == 4
    assert len(runs(project / ".kimi_writer/events.jsonl")) == 2  # each run in the log, console or not


def test_revise_json_prints_each_chapter_and_its_review(server, run_cli, tmp_path):
    root = write_sample_book(tmp_path / "projects")
    low = {key: 5 for key in SCORES}
    server.add(review_turn(low), Turn(content="# Chapter 1: The Fog\n\nBetter now.\n", usage=(2_000, 500)),
               review_turn({key: 8 for key in SCORES}))
    result = run_cli("revise", str(root), "--chapters", "1", "--rounds", "1", "--json")
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    check_run(printed)
    [kept] = [e for e in printed if e["type"] == "tool_result"]
    assert (kept["summary"], kept["ok"], kept["file"], kept["words"]) == \
        ("chapter_1.md: kept, 5.0 -> 8.0", True, "chapter_1.md", 7)
    assert [(e["file"], e["overall"]) for e in printed if e["type"] == "review"] == [("chapter_1.md", 8.0)]
    assert printed[0]["models"] == {"planner": None, "writer": "kimi-k2.6", "critic": "kimi-k2.6"}


def test_write_review_auto_logs_a_review_event(tmp_path, server, run_cli):
    from tests.test_review_loop import book_turns as lamp_turns

    with ScriptedServer(models=["critic-1"]) as critic:
        server.add(*lamp_turns())
        critic.add(review_turn())
        result = run_cli("write", "A one-chapter mystery", "--review", "auto", "--critic-model", "critic-1",
                         "--critic-base-url", critic.base_url, "--json")
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    check_run(printed)
    assert printed[0]["models"] == {"planner": "kimi-k2.6", "writer": None, "critic": "critic-1"}
    reviews = [(e["file"], e["overall"], e["scores"]) for e in printed if e["type"] == "review"]
    assert reviews == [("chapter_01.md", 7.22, SCORES)]
    types = [e["type"] for e in printed]
    assert types[types.index("review") - 1] == "tool_result"  # the chapter's write, then its review


def test_review_still_shows_the_lock_notice_and_logs_it(server, run_cli, tmp_path):
    root = write_sample_book(tmp_path / "projects")
    (root / ".kimi_writer").mkdir()
    (root / ".kimi_writer/lock").write_text('{"pid": 999999999, "command": "kimi-writer write x"}')
    server.add(review_turn())
    result = run_cli("review", str(root), "--chapters", "1")
    assert result.returncode == 0, result.stderr
    notice = "Took over the lock of Fog_Over_London, left by process 999999999: kimi-writer write x, which is no " \
             "longer running."
    assert result.stdout.startswith(notice + "\n")
    assert "chapter_1.md" in result.stdout and "7.2" in result.stdout  # the review table as before
    events = read_events(root / ".kimi_writer/events.jsonl")
    check_run(events)
    assert [e["text"] for e in events if e["type"] == "notice"] == [notice]
