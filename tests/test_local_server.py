"""The in-process server, driven by the real streaming client over HTTP on 127.0.0.1, with a
scripted stand-in for the model (the real model runs in test_local_e2e.py)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from kimi_writer.model.client import ModelClient
from kimi_writer.local.engine import Cancelled
from kimi_writer.local.responder import Responder
from kimi_writer.local.server import LocalServer
from kimi_writer.loop.tools import tool_schemas


class ScriptedEngine:
    """Stands in for `engine.Engine`: each generate() call plays the next scripted text."""

    context_tokens, chat_template, bos, eos, name = 8192, None, "", "", "scripted"

    def __init__(self, *outputs: str, seconds_per_piece: float = 0.0):
        self.outputs = list(outputs)
        self.calls: list[dict] = []
        self.seconds_per_piece = seconds_per_piece
        self.cancelled = threading.Event()
        self.started = threading.Event()

    def cancel(self):
        self.cancelled.set()

    def count(self, prompt: str) -> int:
        return len(prompt) // 4

    def generate(self, prompt, max_tokens, *, schema=None, grammar=None, stop=()):
        self.calls.append({"prompt": prompt, "schema": schema, "grammar": grammar, "max_tokens": max_tokens})
        text = self.outputs.pop(0)
        self.started.set()
        for start in range(0, len(text), 3):
            if self.cancelled.is_set():
                raise Cancelled()
            time.sleep(self.seconds_per_piece)
            yield text[start:start + 3]


class Listener:
    def __init__(self):
        self.reasoning, self.content, self.tool_progress = "", "", []

    def on_reasoning(self, text):
        self.reasoning += text

    def on_content(self, text):
        self.content += text

    def on_tool_call(self, index, name, chars):
        self.tool_progress.append((name, chars))


@pytest.fixture
def serve_script():
    servers = []

    def start(*outputs: str) -> tuple[ModelClient, ScriptedEngine, LocalServer]:
        engine = ScriptedEngine(*outputs)
        server = LocalServer(Responder(engine), engine.name).start()
        servers.append(server)
        client = ModelClient(api_key="local", base_url=server.base_url, model="scripted", temperature=1.0,
                             max_tokens=1024, timeout=30)
        return client, engine, server

    yield start
    for server in servers:
        server.stop()


def http_error(request: urllib.request.Request) -> tuple[int, str]:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    return caught.value.code, json.loads(caught.value.read())["error"]["message"]


def request(*, book_context: str = "", last: list[dict] | None = None) -> list[dict]:
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": "A short fable about a fox"}]
    messages += last or []
    if book_context:
        messages.append({"role": "user", "content": book_context})
    return messages


CONTEXT = ("[Book context] 'Fox' as it stands on disk.\n\n## Outline (outline.md)\n# Fox\n\n"
           "1. **Snow** — A fox is hungry.\n2. **Crow** — A crow has cheese.\n\n## Chapters written\n"
           "- chapter_01.md (120 words): The fox is hungry.\n\n## End of chapter_01.md, the latest chapter\n…He slept.")


def test_a_chapter_streams_as_a_tool_call_with_reasoning_and_usage(serve_script):
    client, engine, _ = serve_script(
        '{"tool": "write_file", "arguments": {"filename": "chapter_02.md", "mode": "create"}}',
        "The crow sat high.\n\n\"Sing,\" said the fox.")
    listener = Listener()
    turn = client.complete(request(book_context=CONTEXT), tool_schemas(), listener)
    assert turn.finish_reason == "tool_calls" and len(turn.tool_calls) == 1
    call = turn.tool_calls[0]
    assert call.name == "write_file" and call.id.startswith("call_")
    arguments = json.loads(call.arguments)
    assert arguments == {"filename": "chapter_02.md", "mode": "create",
                         "content": "# Chapter 2: Crow\n\nThe crow sat high.\n\n\"Sing,\" said the fox."}
    assert listener.reasoning == turn.reasoning == "Next: chapter 2 of 2 (chapter_02.md)."
    assert turn.reasoning_field == "reasoning_content" and listener.tool_progress[-1] == ("write_file", len(call.arguments))
    assert turn.usage.prompt_tokens > 0 and turn.usage.completion_tokens > 0
    free, prose = engine.calls
    assert "oneOf" in free["schema"] and prose["grammar"].startswith("root ::= para")
    assert "Write chapter 2 of 2, \"Crow\"" in prose["prompt"] and "He slept." in prose["prompt"]


def test_a_call_that_does_not_move_the_book_on_is_replaced_by_the_planned_one(serve_script):
    client, engine, _ = serve_script(
        '{"tool": "create_project", "arguments": {"project_name": "Fox"}}',
        '{"tool": "write_file", "arguments": {"filename": "outline.md", "mode": "create"}}',
        "The Fox\n\n1. **Snow** — A fox is hungry.")
    created = [{"role": "assistant", "content": "", "reasoning_content": "r", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "create_project", "arguments": '{"project_name": "Fox"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "Created project 'Fox'; it is now active."}]
    turn = client.complete(request(last=created), tool_schemas(), Listener())
    assert turn.tool_calls[0].name == "write_file"
    assert json.loads(turn.tool_calls[0].arguments)["content"] == "# The Fox\n\n1. **Snow** — A fox is hungry."
    assert "The model chose create_project, which does not move the book on" in turn.reasoning
    guided = engine.calls[1]["schema"]
    assert guided["properties"]["arguments"]["properties"]["filename"] == {"const": "outline.md"}


def test_when_every_chapter_is_written_the_turn_is_a_closing_message(serve_script):
    client, engine, _ = serve_script()
    done = CONTEXT.replace("- chapter_01.md", "- chapter_02.md (99 words): Cheese.\n- chapter_01.md")
    turn = client.complete(request(book_context=done), tool_schemas(), Listener())
    assert turn.tool_calls == [] and turn.finish_reason == "stop"
    assert turn.content == "The book is written: 2 chapters and an outline."
    assert engine.calls == []


def test_without_tools_the_turn_is_plain_text(serve_script):
    client, _, _ = serve_script("## Task\nA fable.")
    turn = client.complete([{"role": "user", "content": "Summarize."}], None, Listener())
    assert (turn.content, turn.finish_reason, turn.tool_calls) == ("## Task\nA fable.", "stop", [])


def test_models_and_errors_are_answered_like_an_openai_server(serve_script):
    client, _, server = serve_script()
    assert client.list_models() == ["scripted"]
    tiny = ScriptedEngine()
    tiny.context_tokens = 100
    small = LocalServer(Responder(tiny), "tiny").start()
    try:
        body = json.dumps({"messages": [{"role": "user", "content": "x" * 4000}], "stream": True}).encode()
        status, message = http_error(urllib.request.Request(f"{small.base_url}/chat/completions", data=body))
        assert status == 400 and "exceeds the model's context length" in message
        assert http_error(urllib.request.Request(f"{server.base_url}/nothing"))[0] == 404
    finally:
        small.stop()


def test_stopping_the_server_stops_the_model_mid_turn_and_waits_for_it(capfd):
    engine = ScriptedEngine("word " * 2000, seconds_per_piece=0.01)  # about 30 s of text
    server = LocalServer(Responder(engine), engine.name).start()
    body = json.dumps({"model": "scripted", "stream": True, "messages": request()}).encode()
    reader = threading.Thread(target=lambda: urllib.request.urlopen(urllib.request.Request(
        server.base_url + "/chat/completions", body, {"Content-Type": "application/json"}), timeout=30).read(),
        daemon=True)
    reader.start()
    assert engine.started.wait(timeout=10)
    began = time.monotonic()

    assert server.stop() is True  # no turn runs any more: the model can be freed
    assert engine.cancelled.is_set() and time.monotonic() - began < 5
    reader.join(timeout=10)
    assert "Traceback" not in capfd.readouterr().err


def test_ctrl_c_while_the_model_stops_is_delivered_once_it_has_stopped():
    import os
    import signal

    from kimi_writer.local import _signals_deferred

    stopped = False
    with pytest.raises(KeyboardInterrupt):
        with _signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)  # a Python signal handler runs between bytecodes: here, if not deferred
            stopped = True
    assert stopped
