"""Surviving the network and the provider: retries, cut streams, clear failures, budgets."""

from __future__ import annotations

import json
import random
import resource
import signal
import time

from tests.conftest import TEST_KEY, assert_clean_protocol, tool_results, user_message
from tests.scripted_server import Turn, tool_call
from tests.test_write_e2e import tool_turn

BODY = "The fog lay on the river like a held breath, and nobody on the Embankment moved.\n" * 3


def book(server, *faults: Turn, project: str = "Weather") -> None:
    """create_project, the faults, then one chapter write, then done."""
    server.add(tool_turn(tool_call("create_project", project_name=project)), *faults,
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=BODY)),
               Turn(content="done"))


def chapter(tmp_path, project: str = "Weather") -> str:
    return (tmp_path / "projects" / project / "chapter_01.md").read_text()


def test_429_with_retry_after_is_honoured(server, run_cli, tmp_path):
    book(server, Turn(status=429, headers={"Retry-After": "1"}))
    started = time.time()
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.time() - started >= 1.0
    assert "retrying in 1s (rate limited or overloaded, HTTP 429; retry 1 of 6)" in result.stdout
    assert chapter(tmp_path) == BODY
    assert_clean_protocol(server)


def test_500_is_retried(server, run_cli, tmp_path):
    book(server, Turn(status=500), Turn(status=503))
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stdout
    assert "server error, HTTP 500" in result.stdout and "server error, HTTP 503" in result.stdout
    assert chapter(tmp_path) == BODY
    assert_clean_protocol(server)


def test_cut_in_the_middle_of_tool_call_arguments(server, run_cli, tmp_path):
    # pieces: 1 of reasoning, 1 with the call's id and name, then argument pieces of 20 chars
    cut = tool_turn(tool_call("write_file", filename="chapter_01.md", content=BODY, mode="create"),
                    reasoning="Write it.", cut_after=5)
    server.add(tool_turn(tool_call("create_project", project_name="Weather")), cut,
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=BODY, mode="create")),
               Turn(content="done"))
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stdout
    assert chapter(tmp_path) == BODY
    assert not any("already exists" in r for r in tool_results(server).values())  # executed exactly once
    assert server.requests[1]["messages"] == server.requests[2]["messages"]
    assert_clean_protocol(server)


def test_cut_in_the_middle_of_content(server, run_cli, tmp_path):
    cut = Turn(reasoning="Say something first.", content="Now I will write the opening chapter. " * 5,
               tool_calls=[tool_call("write_file", filename="chapter_01.md", content=BODY)], cut_after=3)
    book(server, cut)
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stdout
    assert chapter(tmp_path) == BODY
    assert "Now I will write" not in json.dumps(server.requests[2]["messages"])
    assert_clean_protocol(server)


def test_hang_past_the_timeout_is_retried(server, run_cli, tmp_path):
    book(server, Turn(hang=3))
    result = run_cli("write", "x", env={"KIMI_WRITER_REQUEST_TIMEOUT": "0.5"})
    assert result.returncode == 0, result.stdout
    assert "the server did not answer in time" in result.stdout
    assert chapter(tmp_path) == BODY


def test_401_stops_at_once_with_a_checkpoint_and_no_key_anywhere(server, run_cli, tmp_path):
    echo = {"error": {"message": f"Invalid Authentication: {TEST_KEY}", "type": "invalid_authentication_error"}}
    server.add(tool_turn(tool_call("create_project", project_name="Locked")), Turn(status=401, error_body=echo))
    result = run_cli("write", "x")
    assert result.returncode == 4
    assert "rejected the API key (HTTP 401); check the key in KIMI_WRITER_API_KEY" in result.stdout
    assert "Resume with: kimi-writer write --recover" in result.stdout
    assert len(server.requests) == 2
    project = tmp_path / "projects/Locked"
    written = [p for p in project.rglob("*") if p.is_file()]
    assert any(p.name.startswith(".context_summary_") for p in written)
    for path in written:
        assert TEST_KEY not in path.read_text()
    assert TEST_KEY not in result.stdout + result.stderr
    server.assert_complete()


def test_other_400_stops_at_once_and_scrubs_the_key(server, run_cli):
    body = {"error": {"message": f"Invalid request: bad header Bearer {TEST_KEY}", "type": "invalid_request_error"}}
    server.add(Turn(status=400, error_body=body))
    result = run_cli("write", "x")
    assert result.returncode == 4
    assert "The server answered HTTP 400: Invalid request: bad header Bearer sk-…" in result.stdout
    assert TEST_KEY not in result.stdout + result.stderr
    assert len(server.requests) == 1


def test_404_lists_the_models(server, run_cli):
    server.models = ["kimi-k2.6", "kimi-k2-thinking"]
    server.add(Turn(status=404))
    result = run_cli("write", "x", "--model", "kimi-k3")
    assert result.returncode == 4
    assert "has no model 'kimi-k3' (HTTP 404)" in result.stdout
    assert "It offers: kimi-k2.6, kimi-k2-thinking." in result.stdout


def test_quota_429_is_not_retried(server, run_cli):
    body = {"error": {"message": "Your account is suspended, please check your plan and billing details",
                      "type": "exceeded_current_quota_error"}}
    server.add(Turn(status=429, error_body=body))
    result = run_cli("write", "x")
    assert result.returncode == 4
    assert "out of balance or quota" in result.stdout and "retrying" not in result.stdout
    assert len(server.requests) == 1


def test_retries_run_out(server, run_cli):
    server.add(Turn(status=500), Turn(status=500), Turn(status=500))
    result = run_cli("write", "x", "--max-retries", "2")
    assert result.returncode == 4
    assert result.stdout.count("retrying in") == 2
    assert "The server answered HTTP 500" in result.stdout
    server.assert_complete()


def test_token_budget_stops_cleanly_with_a_checkpoint(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Budget"), usage=(1200, 100)),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=BODY), usage=(1400, 300)))
    result = run_cli("write", "x", "--max-tokens", "4000")
    assert result.returncode == 5, result.stdout
    assert "over --max-tokens 4,000" in result.stdout
    assert chapter(tmp_path, "Budget") == BODY
    assert list((tmp_path / "projects/Budget").glob(".context_summary_*.md"))
    server.assert_complete()


def test_cost_budget(server, run_cli):
    server.add(tool_turn(tool_call("create_project", project_name="Cost"), usage=(100_000, 10_000)))
    result = run_cli("write", "x", "--max-cost", "0.05")
    assert result.returncode == 5, result.stdout
    assert "over --max-cost $0.05" in result.stdout
    server.assert_complete()


def test_cost_budget_needs_a_known_price(server, run_cli):
    result = run_cli("write", "x", "--max-cost", "1", "--model", "someone-elses-model")
    assert result.returncode == 2
    assert "no price is known for the model 'someone-elses-model'" in result.stderr
    assert server.requests == []


def test_soak_200_iterations_with_20_percent_failures(server, run_cli, tmp_path):
    rng = random.Random(20261123)
    script = [tool_turn(tool_call("create_project", project_name="Soak"))]
    contents = {}
    for number in range(1, 200):
        name = f"part_{number:03d}.md"
        contents[name] = f"Part {number}: " + "words " * rng.randint(5, 40) + "\n"
        script.append(tool_turn(tool_call("write_file", filename=name, content=contents[name], mode="create")))
    script.append(Turn(content="done"))
    faults = 0
    for turn in script:
        if rng.random() < 0.2:
            faults += 1
            kind = rng.choice(["500", "429", "cut", "drop"])
            fault = {"500": Turn(status=500), "429": Turn(status=429, headers={"Retry-After": "0"}),
                     "cut": Turn(reasoning=turn.reasoning, tool_calls=turn.tool_calls, cut_after=rng.randint(1, 4)),
                     "drop": Turn(reasoning="lost", content="a reply that never ends " * 4, cut_after=2)}[kind]
            server.add(fault)
        server.add(turn)
    # 199 part files make a long book: its older parts are summed up by plain requests (issue 26)
    server.responder = lambda body: None if body.get("tools") else Turn(content="Parts written, in brief.")
    result = run_cli("write", "x", "--max-iterations", "201", "--max-retries", "10", timeout=240)
    assert result.returncode == 0, result.stdout[-2000:]
    assert faults > 30 and (tmp_path / "projects/Soak/summaries/act_3.md").is_file()
    project = tmp_path / "projects/Soak"
    on_disk = {p.name: p.read_text() for p in project.glob("part_*.md")}
    assert on_disk == contents
    results = tool_results(server)
    assert len(results) == 200 and not any("already exists" in r for r in results.values())
    assert_clean_protocol(server)


def test_an_empty_reply_gets_one_nudge(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Quiet")), Turn(content=""),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=BODY)), Turn(content="done"))
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stdout + result.stderr
    assert chapter(tmp_path, "Quiet") == BODY
    assert "using the tools" in user_message(server.requests[2], "Your last reply was empty")
    assert "Your last reply was empty" not in json.dumps(server.requests[1])
    assert_clean_protocol(server)


def test_two_empty_replies_in_a_row_stop_the_run(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Quiet")), Turn(content=""),
               Turn(content=" \n", reasoning="Hmm."))
    result = run_cli("write", "x")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Stopped: the model sent empty replies twice in a row" in result.stdout
    assert "Resume with: kimi-writer write --recover" in result.stdout
    project = tmp_path / "projects/Quiet"
    assert len(list(project.glob(".context_summary_*.md"))) == 1
    state = json.loads((project / ".kimi_writer/session.json").read_text())
    assert "the model sent empty replies" in state["runs"][-1]["outcome"]
    assert_clean_protocol(server)


def test_a_text_answer_without_any_tool_call_is_not_a_finished_book(server, run_cli, tmp_path):
    server.add(Turn(content="Once upon a time, in Victorian London, there was a fog. The end."))
    result = run_cli("write", "x")
    assert result.returncode == 4, result.stdout + result.stderr
    assert ("Stopped: the model answered in plain text and never used the tools, so the server or model may "
            "not support tool calls; see \"Other local servers\" in docs/reference.md.") in result.stdout
    assert "Finished" not in result.stdout
    assert not (tmp_path / "projects").exists() or not any((tmp_path / "projects").iterdir())


def file_size_limit(size: int):
    """For preexec_fn: every file the CLI writes fails with EFBIG (File too large) past `size` bytes."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return limit


def test_a_state_that_cannot_be_saved_stops_the_run_and_keeps_the_last_good_one(server, run_cli, tmp_path):
    big = tool_turn(tool_call("list_files"), reasoning="A very long thought. " * 10_000)  # ~210 KB of state
    server.add(tool_turn(tool_call("create_project", project_name="Full")), big)
    result = run_cli("write", "x", preexec_fn=file_size_limit(100_000))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    state_file = tmp_path / "projects/Full/.kimi_writer/session.json"
    assert f"Stopped: File too large while saving {state_file}" in result.stdout
    assert "Resume with: kimi-writer write --recover" in result.stdout
    state = json.loads(state_file.read_text())  # the last good state, whole
    assert state["iteration"] == 1 and state["messages"][-1]["role"] == "tool"
    assert sorted(p.name for p in state_file.parent.iterdir()) == ["book.json", "events.jsonl", "session.json"]  # no half-written file

    server.add(Turn(content="done"))
    resumed = run_cli("write", "--recover", str(state_file.parent.parent))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert_clean_protocol(server)
