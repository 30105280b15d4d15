"""Runaway models and bad streams: bounded turns, budgets in flight, replies that are not a
stream, other servers' tool-call chunks, and the progress lines around a compression."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import assert_clean_protocol, assistant_calls
from tests.scripted_server import Turn, tool_call
from tests.test_recovery_e2e import CHAPTER
from tests.test_write_e2e import OUTLINE, tool_turn

NOTE = "Your last reply was stopped and discarded"


def state(tmp_path, project: str) -> dict:
    return json.loads((tmp_path / "projects" / project / ".kimi_writer/session.json").read_text())


def checkpoints(tmp_path, project: str) -> list:
    return list((tmp_path / "projects" / project).glob(".context_summary_*.md"))


def last_user_text(request: dict) -> str:
    message = request["messages"][-1]
    assert message["role"] == "user", message
    return message["content"]


def test_endless_reasoning_is_cut_past_max_output_retried_once_then_stopped(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Endless"), usage=(500, 50)),
               Turn(reasoning="Let me think about this more. ", endless=True),
               Turn(reasoning="And more. ", endless=True))
    started = time.time()
    result = run_cli("write", "x", "--max-tokens", "10000000",
                     env={"KIMI_WRITER_MAX_OUTPUT_TOKENS": "1000", "KIMI_WRITER_REQUEST_TIMEOUT": "5"}, timeout=300)
    assert result.returncode == 4, result.stdout[-2000:] + result.stderr
    assert time.time() - started < 120
    assert "Traceback" not in result.stderr
    assert "The reply was cut off: the reply ran past 2,100 tokens, over max_tokens 1,000 plus the margin." in result.stdout
    assert "Stopped: the model's reply was cut off twice in a row" in result.stdout
    assert len(server.requests) == 3
    assert NOTE in last_user_text(server.requests[2]) and NOTE not in json.dumps(server.requests[1])
    assert server.requests[2]["messages"][:-1] == server.requests[1]["messages"]
    usage = state(tmp_path, "Endless")["usage"]
    assert usage["requests"] == 3 and usage["completion_tokens"] >= 50 + 2 * 2100  # the cut turns count
    assert checkpoints(tmp_path, "Endless")


def test_a_trickling_stream_is_cut_at_the_turn_timeout_and_the_retry_writes_the_book(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Slow")),
               Turn(reasoning="One more thought. ", endless=True, delay=0.5),  # a chunk every half second
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER)),
               Turn(content="done"))
    started = time.time()
    result = run_cli("write", "x", env={"KIMI_WRITER_TURN_TIMEOUT": "3", "KIMI_WRITER_REQUEST_TIMEOUT": "2"},
                     timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert 3 <= time.time() - started < 60
    assert "The reply was cut off: the reply ran past KIMI_WRITER_TURN_TIMEOUT (3 s)." in result.stdout
    assert (tmp_path / "projects/Slow/chapter_01.md").read_text() == CHAPTER
    assert NOTE in last_user_text(server.requests[2])
    assert state(tmp_path, "Slow")["usage"]["requests"] == 4
    assert_clean_protocol(server)


def test_a_silent_server_is_cut_at_the_turn_timeout_whatever_the_request_timeout(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Silent")), Turn(hang=60), Turn(hang=60))
    started = time.time()
    result = run_cli("write", "x", env={"KIMI_WRITER_TURN_TIMEOUT": "2", "KIMI_WRITER_REQUEST_TIMEOUT": "600"},
                     timeout=300)
    assert result.returncode == 4, result.stdout[-2000:] + result.stderr
    assert time.time() - started < 40
    assert "cut off twice in a row, the second time because the reply ran past KIMI_WRITER_TURN_TIMEOUT (2 s)" \
        in result.stdout
    assert "Resume with: kimi-writer write --recover" in result.stdout
    assert checkpoints(tmp_path, "Silent")


@pytest.mark.parametrize("flag, value, said", [
    ("--max-tokens", "20000", "over --max-tokens 20,000; it was stopped"),
    ("--max-cost", "0.02", "over --max-cost $0.02; it was stopped"),
])
def test_a_budget_stops_a_turn_in_flight(server, run_cli, tmp_path, flag, value, said):
    server.add(tool_turn(tool_call("create_project", project_name="Budget"), usage=(1000, 100)),
               Turn(reasoning="Thinking on and on. ", endless=True))
    result = run_cli("write", "x", flag, value, timeout=300)
    assert result.returncode == 5, result.stdout[-2000:] + result.stderr
    assert "Stopped: the reply in progress took the book to about" in result.stdout and said in result.stdout
    assert len(server.requests) == 2
    usage = state(tmp_path, "Budget")["usage"]
    if flag == "--max-tokens":
        assert 20_000 < usage["prompt_tokens"] + usage["completion_tokens"] < 22_000
    else:
        cost = (usage["prompt_tokens"] * 0.60 + usage["completion_tokens"] * 2.50) / 1_000_000
        assert 0.02 < cost < 0.021
    assert checkpoints(tmp_path, "Budget")


@pytest.mark.parametrize("body, content_type, what", [
    ("<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>", "text/html; charset=utf-8", "text/html"),
    ("", "text/event-stream", "an empty body"),
    ("", None, "an empty body"),
    ('{"object": "list", "data": [{"id": "kimi-k2.6"}]}', "application/json", "application/json"),
    ("data: <html>Bad gateway</html>\n\n", "text/event-stream", "text that is not JSON"),
])
def test_a_reply_that_is_not_a_stream_stops_at_once_with_one_sentence(server, run_cli, body, content_type, what):
    server.add(Turn(raw_body=body, raw_content_type=content_type))
    result = run_cli("write", "x")
    assert result.returncode == 4, result.stdout + result.stderr
    assert (f"Stopped: the server at {server.base_url} answered with {what}, not a chat-completions stream; "
            "check --base-url") in result.stdout
    assert "retrying" not in result.stdout and "Traceback" not in result.stderr
    assert len(server.requests) == 1
    server.assert_complete()


def test_a_server_that_repeats_id_type_and_name_in_every_chunk_writes_the_book(server, run_cli, tmp_path):
    server.add(tool_turn(tool_call("create_project", project_name="Llama"), repeat_call_head=True),
               tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE), repeat_call_head=True),
               tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER), repeat_call_head=True),
               Turn(content="done"))
    result = run_cli("write", "x")
    assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
    project = tmp_path / "projects/Llama"
    assert (project / "outline.md").read_text() == OUTLINE
    assert (project / "chapter_01.md").read_text() == CHAPTER
    names = sorted(call["function"]["name"] for _, call in assistant_calls(server).values())
    assert names == ["create_project", "write_file", "write_file"]
    assert_clean_protocol(server)


def sse(*deltas: dict, finish: str = "tool_calls") -> str:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "kimi-k2.6"}
    events = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


def test_a_name_sent_in_pieces_is_still_joined(server, run_cli, tmp_path):
    def piece(**fields):
        return {"tool_calls": [{"index": 0, **fields}]}

    stream = sse({"role": "assistant", "reasoning_content": "Start."},
                 piece(id="call_a", type="function", function={"name": "create_", "arguments": ""}),
                 piece(function={"name": "project", "arguments": '{"project_'}),
                 piece(function={"arguments": 'name": "Pieces"}'}))
    server.add(Turn(raw_body=stream, raw_content_type="text/event-stream"), Turn(content="done"))
    result = run_cli("write", "x")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "projects/Pieces").is_dir()
    assert "tool call: create_project (" in result.stdout


def test_each_tool_call_line_is_printed_once_around_a_compression(server, run_cli):
    server.add(
        tool_turn(tool_call("create_project", project_name="Tiny"), usage=(900, 20)),
        tool_turn(tool_call("write_file", filename="outline.md", content=OUTLINE), usage=(1000, 60)),
        tool_turn(tool_call("write_file", filename="chapter_01.md", content=CHAPTER), usage=(2600, 400)),
        Turn(content="## Task\nA tiny book.\n## Next\nChapter 2.", usage=(800, 30)),  # the summary
        tool_turn(tool_call("write_file", filename="chapter_02.md", content=CHAPTER + "\nEnd.\n"), usage=(1500, 400)),
        Turn(content="done", usage=(1900, 5)),
    )
    result = run_cli("write", "x", "--token-limit", "4000", "--compress-at", "2500", "--context", "full")
    assert result.returncode == 6, result.stdout + result.stderr  # chapters unwritten (issue 29)
    assert "Compressing" in result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith("tool call:")]
    assert [line.split()[2] for line in lines] == ["create_project", "write_file", "write_file", "write_file"], lines
