"""Tests for tests/scripted_server.py, driven by the real openai SDK over HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest

from tests.scripted_server import ScriptedServer, ToolCall, Turn, protocol_violations, tool_call

USER = [{"role": "user", "content": "Write a novel."}]


@pytest.fixture
def server():
    """A started strict server with an empty script; stopped afterwards."""
    with ScriptedServer() as srv:
        yield srv


def client(srv: ScriptedServer, **kwargs) -> openai.OpenAI:
    """A real SDK client pointed at ``srv`` that never retries."""
    return openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0, **kwargs)


def stream(srv: ScriptedServer, messages=USER, include_usage: bool = True, **kwargs) -> list:
    """Stream one completion from ``srv`` and return all chunks."""
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}
    response = client(srv, **kwargs).chat.completions.create(
        model="kimi-k2.6", messages=messages, stream=True, **extra
    )
    return list(response)


def assemble(chunks: list) -> dict:
    """Reassemble streamed chunks the way an agent loop does (tool calls by index)."""
    out = {"content": "", "reasoning": "", "calls": {}, "finish": None, "tool_chunks": 0}
    for chunk in chunks:
        if not chunk.choices:
            continue
        choice, delta = chunk.choices[0], chunk.choices[0].delta
        out["content"] += delta.content or ""
        extra = delta.model_extra or {}
        out["reasoning"] += extra.get("reasoning_content") or extra.get("reasoning") or ""
        out["reasoning"] += "".join(d["text"] for d in extra.get("reasoning_details") or [])
        for tc in delta.tool_calls or []:
            out["tool_chunks"] += 1
            call = out["calls"].setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
            call["id"] = tc.id or call["id"]
            if tc.function:
                call["name"] += tc.function.name or ""
                call["arguments"] += tc.function.arguments or ""
        out["finish"] = choice.finish_reason or out["finish"]
    return out


# ------------------------------------------------------------------ streaming


def test_piecewise_tool_calls_reassemble(server):
    long_text = "Chapter One: " + "the fog rolled over the harbour; " * 4
    calls = [tool_call("write_chapter", title="Kapitel 1 – Ölfeld", text=long_text), tool_call("done")]
    server.add(Turn(reasoning="I should write chapter one first.", tool_calls=calls))
    chunks = stream(server)
    got = assemble(chunks)
    assert got["finish"] == "tool_calls"
    assert got["reasoning"] == "I should write chapter one first."
    assert [got["calls"][i]["name"] for i in (0, 1)] == ["write_chapter", "done"]
    assert [got["calls"][i]["id"] for i in (0, 1)] == ["call_1", "call_2"]
    assert json.loads(got["calls"][0]["arguments"]) == {"title": "Kapitel 1 – Ölfeld", "text": long_text}
    assert "Ölfeld" in calls[0].arguments  # ensure_ascii=False
    assert got["calls"][1]["arguments"] == "{}"
    assert got["tool_chunks"] > 4  # arguments really arrived in pieces
    assert chunks[0].choices[0].delta.role == "assistant"
    server.assert_complete()


def test_whole_tool_calls_arrive_in_one_chunk_each(server):
    server.add(Turn(reasoning="r", tool_calls=[tool_call("a", x=1), tool_call("b", y="z" * 50)],
                    tool_call_style="whole"))
    got = assemble(stream(server))
    assert got["tool_chunks"] == 2
    assert json.loads(got["calls"][0]["arguments"]) == {"x": 1}
    assert json.loads(got["calls"][1]["arguments"]) == {"y": "z" * 50}


def test_invalid_arguments_and_explicit_ids_are_sent_verbatim(server):
    server.add(Turn(reasoning="r", tool_calls=[ToolCall("f", '{"broken": ', id="my-id")]))
    got = assemble(stream(server))
    assert got["calls"][0] == {"id": "my-id", "name": "f", "arguments": '{"broken": '}


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning", "reasoning_details"])
def test_reasoning_fields_show_up_in_delta_model_extra(server, field):
    server.add(Turn(reasoning="A long chain of thought, in pieces.", content="Hi.", reasoning_field=field))
    chunks = stream(server)
    first = chunks[0].choices[0].delta
    assert field in first.model_extra and getattr(first, field) == first.model_extra[field]
    got = assemble(chunks)
    assert got["reasoning"] == "A long chain of thought, in pieces."
    assert (got["content"], got["finish"]) == ("Hi.", "stop")
    # all reasoning chunks come before the first content chunk
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    kinds = ["content" if d.content else "reasoning" if d.model_extra else None for d in deltas]
    assert kinds == ["reasoning", "reasoning", "content", None]


def test_usage_openai_style_trailing_chunk(server):
    server.add(Turn(content="x", usage=(100, 7)), Turn(content="y", usage=(1, 1)))
    chunks = stream(server)
    assert chunks[-1].choices == [] and chunks[-1].usage.prompt_tokens == 100
    assert chunks[-1].usage.completion_tokens == 7 and chunks[-1].usage.total_tokens == 107
    # without stream_options.include_usage there is no usage chunk at all
    assert all(c.choices and c.usage is None for c in stream(server, include_usage=False))


def test_usage_moonshot_style_inside_choice(server):
    server.add(Turn(content="x", usage=(11, 5), usage_in="choice"))
    chunks = stream(server)
    last = chunks[-1]
    assert last.usage is None and last.choices[0].finish_reason == "stop"
    expected = {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}
    assert last.choices[0].model_extra["usage"] == expected  # a plain dict, not CompletionUsage
    assert last.choices[0].usage == expected
    assert all(c.choices for c in chunks)


def test_usage_estimate_and_none(server):
    server.add(Turn(content="c" * 40, reasoning="r" * 40), Turn(content="x", usage_in="none"))
    chunks = stream(server)
    size = int(server.headers[0]["content-length"])
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (size // 4, 20)
    chunks = stream(server)
    assert all(c.usage is None and "usage" not in (c.choices[0].model_extra or {}) for c in chunks)


def test_non_streaming_completion(server):
    server.add(Turn(content="Hello.", reasoning="think", tool_calls=[tool_call("f", a=1)], usage=(9, 3)))
    response = client(server).chat.completions.create(model="kimi-k2.6", messages=USER)
    message = response.choices[0].message
    assert response.object == "chat.completion" and response.model == "kimi-k2.6"
    assert (message.role, message.content) == ("assistant", "Hello.")
    assert message.model_extra["reasoning_content"] == "think"
    assert message.tool_calls[0].id == "call_1" and message.tool_calls[0].function.arguments == '{"a": 1}'
    assert response.choices[0].finish_reason == "tool_calls"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (9, 3)


# --------------------------------------------------------------------- faults


def test_cut_after_ends_stream_silently_without_finish_reason(server):
    server.add(Turn(content="x" * 100, cut_after=2))
    chunks = stream(server)  # no exception: the body is delimited by the connection close
    assert len(chunks) == 2
    assert all(c.choices[0].finish_reason is None for c in chunks)
    assert assemble(chunks)["content"] == "x" * 40


def test_omit_done_and_null_finish_reason(server):
    server.add(Turn(content="done", omit_done=True), Turn(content="open", finish_reason=None))
    assert assemble(stream(server))["finish"] == "stop"
    got = assemble(stream(server))
    assert got["content"] == "open" and got["finish"] is None


def test_rate_limit_with_retry_after(server):
    server.add(Turn(status=429, headers={"Retry-After": "7"}), Turn(content="ok"))
    with pytest.raises(openai.RateLimitError) as info:
        stream(server)
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.body["type"] == "rate_limit_reached_error"
    assert server.remaining == 1  # the fault turn was consumed
    assert assemble(stream(server))["content"] == "ok"


def test_custom_error_body(server):
    body = {"error": {"message": "overloaded", "type": "engine_overloaded_error"}}
    server.add(Turn(status=503, error_body=body))
    with pytest.raises(openai.InternalServerError, match="overloaded"):
        stream(server)


def test_hang_times_out_and_delay_slows(server):
    server.add(Turn(content="late", hang=5), Turn(content="a" * 80, delay=0.05))
    with pytest.raises(openai.APITimeoutError):
        stream(server, timeout=0.3)
    start = time.monotonic()
    assert assemble(stream(server))["content"] == "a" * 80
    assert time.monotonic() - start >= 0.2  # 4 content + finish + usage chunks + [DONE]


def test_stop_is_prompt_during_a_slow_stream():
    srv = ScriptedServer([Turn(content="x" * 200, delay=2.0)]).start()
    response = client(srv).chat.completions.create(model="m", messages=USER, stream=True)
    next(iter(response))  # the stream is now in progress, sleeping between events
    start = time.monotonic()
    srv.stop()
    assert time.monotonic() - start < 1.0
    response.close()


def test_script_exhausted_is_500_and_a_violation(server):
    with pytest.raises(openai.InternalServerError, match="script exhausted"):
        stream(server)
    assert server.violations and "script exhausted" in server.violations[0]
    with pytest.raises(AssertionError, match="script exhausted"):
        server.assert_complete()


# --------------------------------------------------------------------- strict


def assistant_call(reasoning: str | None = "r", call_id: str = "call_1") -> dict:
    """An assistant message with one tool call, optionally with reasoning_content."""
    msg = {"role": "assistant", "content": "",
           "tool_calls": [{"id": call_id, "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    if reasoning is not None:
        msg["reasoning_content"] = reasoning
    return msg


def tool_reply(call_id: str = "call_1") -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": "ok"}


def test_strict_missing_reasoning_is_400_and_keeps_the_turn(server):
    server.add(Turn(content="fine"))
    with pytest.raises(openai.BadRequestError) as info:
        stream(server, messages=USER + [assistant_call(None), tool_reply()])
    assert "reasoning_content is missing in assistant tool call message at index 1" in str(info.value)
    assert info.value.body["type"] == "invalid_request_error"
    assert server.remaining == 1 and len(server.violations) == 1
    assert assemble(stream(server, messages=USER + [assistant_call(), tool_reply()]))["content"] == "fine"
    with pytest.raises(AssertionError, match="reasoning_content is missing"):
        server.assert_complete()


def test_strict_unanswered_tool_call_is_400(server):
    with pytest.raises(openai.BadRequestError, match="no tool response"):
        stream(server, messages=USER + [assistant_call(), {"role": "user", "content": "go on"}])


def test_non_strict_accepts_anything():
    with ScriptedServer([Turn(content="ok")], strict=False) as srv:
        assert assemble(stream(srv, messages=USER + [assistant_call(None)]))["content"] == "ok"
        srv.assert_complete()


def test_protocol_violations_rules():
    good = USER + [assistant_call(), tool_reply(), {"role": "assistant", "content": "done"}]
    assert protocol_violations(good) == []
    for key, value in [("reasoning", "r"), ("reasoning_details", [{"type": "reasoning.text", "text": "r"}])]:
        msg = assistant_call(None)
        msg[key] = value
        assert protocol_violations(USER + [msg, tool_reply()]) == []
    assert protocol_violations(USER + [assistant_call(""), tool_reply()]) == [
        "reasoning_content is missing in assistant tool call message at index 1"]
    [ended] = protocol_violations(USER + [assistant_call()])
    assert "'call_1'" in ended and "index 1" in ended
    [stray] = protocol_violations(USER + [assistant_call(), tool_reply(), tool_reply("call_9")])
    assert "index 3" in stray and "'call_9'" in stray
    assert len(protocol_violations(USER + [tool_reply()])) == 1
    bad_args = assistant_call()
    bad_args["tool_calls"][0]["function"]["arguments"] = {"a": 1}
    [not_string] = protocol_violations(USER + [bad_args, tool_reply()])
    assert "must be a string" in not_string


# ------------------------------------------------------ models, routes, logging


def test_models_list():
    with ScriptedServer(models=["kimi-k2.6", "kimi-k2-thinking"]) as srv:
        models = client(srv).models.list()
        assert [m.id for m in models] == ["kimi-k2.6", "kimi-k2-thinking"]
        assert models.data[0].owned_by == "scripted"


def test_unknown_path_is_404_json(server):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.base_url + "/nope", timeout=2)
    assert info.value.code == 404 and "error" in json.loads(info.value.read())


def test_requests_and_headers_are_logged(server):
    server.add(Turn(content="a"), Turn(content="b"))
    stream(server)
    stream(server, messages=USER + [{"role": "assistant", "content": "a"}])
    assert [len(r["messages"]) for r in server.requests] == [1, 2]
    assert server.requests[0]["model"] == "kimi-k2.6" and server.requests[0]["stream"] is True
    assert server.headers[0]["authorization"] == "Bearer sk-test"
    assert len(server.headers) == 2


def test_assert_complete_lists_unused_turns(server):
    server.add(Turn(content="used"), Turn(content="left over"))
    stream(server)
    with pytest.raises(AssertionError, match="left over"):
        server.assert_complete()
    assert server.remaining == 1


def test_concurrent_requests_each_consume_one_turn(server):
    server.add(*[Turn(content=str(i), delay=0.01) for i in range(5)])
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(assemble(stream(server))["content"]))
               for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == ["0", "1", "2", "3", "4"]
    server.assert_complete()
