"""One chat request in, one assistant turn out, as events for the server to stream.

With tools, the turn is a tool call. The model first writes any call (a grammar with one
shape per tool); if that call would not move the book on (the plan in `book`), it is dropped
before anything of it is sent and the model writes the planned call instead (the same grammar
narrowed to that tool, with its arguments fixed). A write's text is then written as prose
(`prose`) and streamed into the call's `content`. When every planned chapter is written, the
turn is a short closing message with no tool call, and the agent's loop ends cleanly. Without
tools (the agent's compression requests) the turn is plain text.

Events: ("reasoning", text), ("content", text), ("call", id, name), ("arguments", text),
("finish", reason), ("usage", prompt_tokens, completion_tokens).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator

from ..model.client import Usage
from ..core.errors import ContextOverflow
from ..core.prompts import render
from ..loop.tools import WRITE_FILE
from .plan import BookState, Step, next_step, read_state, tool_fits, verdict
from .jsonscan import CallScanner
from .prompt import chat_prompt, fit, transcript
from .prose import STOP, prose_request
from .schema import PROSE, call_schema, has_prose, tool_names

MAX_OUTPUT_TOKENS = 1024  # per turn: a chapter of ~600 words
MIN_OUTPUT_TOKENS = 64
CALL_TOKENS = 128  # a call without its long text is short
SOFT_MARGIN = 160  # within this many tokens of the limit, a text ends at its next sentence end
_SENTENCE_END = re.compile(r"[.!?][\"'”’]?\s*$")

Event = tuple


class Responder:
    """Answers chat requests with one model, one request at a time."""

    def __init__(self, engine, max_output_tokens: int = MAX_OUTPUT_TOKENS):
        self.engine = engine
        self.max_output_tokens = max_output_tokens
        self._lock = threading.Lock()

    def respond(self, body: dict) -> Iterator[Event]:
        """The events answering one chat-completions request body."""
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and "function" in t]
        limit = max(MIN_OUTPUT_TOKENS, min(int(body.get("max_tokens") or self.max_output_tokens),
                                           self.max_output_tokens))
        usage = Usage()
        with self._lock:
            if tool_names(tools):
                yield from self._tool_turn(messages, tools, limit, usage)
            else:
                yield from self._text_turn(messages, limit, usage)
        yield ("usage", usage.prompt_tokens, usage.completion_tokens)

    def close(self, timeout: float) -> bool:
        """Stop the model and wait up to `timeout` seconds for the turn in progress to end; True
        once no turn runs (and none will: the lock stays taken)."""
        self.engine.cancel()
        return self._lock.acquire(timeout=timeout)

    def prompt(self, turns: list[dict], limit: int) -> tuple[str, int]:
        """The prompt text and its tokens, cut to leave `limit` tokens for the reply."""
        budget = self.engine.context_tokens - limit
        as_text = lambda plain: chat_prompt(plain, self.engine.chat_template, self.engine.bos, self.engine.eos)
        turns = fit(turns, lambda plain: self.engine.count(as_text(plain)), budget)
        text = as_text(turns)
        tokens = self.engine.count(text)
        if tokens > budget:
            raise ContextOverflow(f"the request ({tokens:,} tokens) exceeds the model's context length "
                                  f"({self.engine.context_tokens:,} tokens, {limit:,} kept for the reply)")
        return text, tokens

    def _text_turn(self, messages: list[dict], limit: int, usage: Usage) -> Iterator[Event]:
        text, usage.prompt_tokens = self.prompt(transcript(messages), limit)
        for piece in self.engine.generate(text, limit):
            usage.completion_tokens += 1
            yield ("content", piece)
        yield ("finish", "length" if usage.completion_tokens >= limit else "stop")

    def _tool_turn(self, messages: list[dict], tools: list[dict], limit: int, usage: Usage) -> Iterator[Event]:
        """A call that moves the book on, or the closing message. Whatever can fail (a prompt
        that does not fit, a tool the plan needs but the request lacks) fails before any event."""
        state = read_state(messages)
        step = next_step(state)
        note = render("local_note.md.j2", kind="plan", step=step)
        if step.kind == "done":
            yield from (("reasoning", note), ("content", render("local_note.md.j2", kind="done", step=step)),
                        ("finish", "stop"))
            return
        text, tokens = self.prompt(transcript(messages, render("local_step.md.j2", step=step)), CALL_TOKENS)
        free, guided = call_schema(tools), call_schema(tools, only=step.tool, fixed=step.fixed())
        yield ("reasoning", note)
        call = self._call(text, tokens, free, step, state, usage)
        if isinstance(call, str):  # the model's call would not move the book on
            yield ("reasoning", " " + render("local_note.md.j2", kind="guided", step=step, chosen=call))
            call = self._call(text, tokens, guided, step, None, usage)
        if isinstance(call, str):
            raise RuntimeError(f"the guided call came out malformed: {call}")
        tool, arguments = call
        yield ("call", f"call_{uuid.uuid4().hex[:12]}", tool)
        if tool == WRITE_FILE.name and has_prose(tools, tool):
            yield from self._prose(state, step, arguments, limit, usage)
        else:
            yield ("arguments", json.dumps(arguments, ensure_ascii=False))
        yield ("finish", "tool_calls")

    def _call(self, prompt: str, prompt_tokens: int, schema: dict, step: Step, state: BookState | None,
              usage: Usage) -> tuple[str, dict] | str:
        """The model's call as (tool, arguments); with a `state` to judge it by, a call that does
        not move the book on comes back as a short description instead (stopped early if it can)."""
        scanner = CallScanner()
        usage.prompt_tokens += prompt_tokens
        pieces = self.engine.generate(prompt, CALL_TOKENS, schema=schema)
        try:
            for piece in pieces:
                usage.completion_tokens += 1
                scanner.feed(piece)
                if state is not None and tool_fits(step, state, scanner.tool) is False:
                    return scanner.tool or "no tool"
        finally:
            pieces.close()
        call = scanner.call()
        if call is None:
            return "a call that is not complete JSON"
        if state is not None and not verdict(step, state, *call):
            return f"{call[0]} {json.dumps(call[1], ensure_ascii=False)}"
        return call

    def _prose(self, state: BookState, step: Step, arguments: dict, limit: int, usage: Usage) -> Iterator[Event]:
        """The call's arguments with the file's text streamed into `content`, JSON-escaped."""
        request = prose_request(state, step)
        text, tokens = self.prompt(request.turns, limit)
        usage.prompt_tokens += tokens
        head = json.dumps({k: v for k, v in arguments.items() if k != PROSE}, ensure_ascii=False)[:-1]
        yield ("arguments", head + (", " if len(head) > 1 else "") + f'"{PROSE}": "' + _escaped(request.prefill))
        written, budget = request.prefill, max(MIN_OUTPUT_TOKENS, limit - CALL_TOKENS)
        pieces = self.engine.generate(text + request.prefill, budget, grammar=request.grammar, stop=STOP)
        try:
            for count, piece in enumerate(pieces, start=1):
                usage.completion_tokens += 1
                written += piece
                yield ("arguments", _escaped(piece))
                if count >= budget - SOFT_MARGIN and _SENTENCE_END.search(written):
                    break
        finally:
            pieces.close()
        yield ("arguments", '"}')


def _escaped(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]
