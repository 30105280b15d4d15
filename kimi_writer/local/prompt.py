"""The chat request as the small model's own prompt.

The agent's messages become plain system/user/assistant turns: a tool call is shown as the
JSON the model itself writes (long text left out, so that it is never copied back), a tool
result as a user turn. Then the model's own chat template (from the GGUF file) renders them,
or ChatML when the file has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..core.prompts import render

LEFT_OUT = ("content",)  # arguments not shown in the history: the text is on disk
MIN_CUT = 200  # a message shorter than this is not shortened further


def _call_json(call: dict) -> str:
    function = call.get("function") or {}
    try:
        arguments = json.loads(function.get("arguments") or "{}")
    except json.JSONDecodeError:
        arguments = {}
    if isinstance(arguments, dict):
        arguments = {k: v for k, v in arguments.items() if k not in LEFT_OUT}
    return json.dumps({"tool": function.get("name", ""), "arguments": arguments}, ensure_ascii=False)


def transcript(messages: list[dict], hint: str = "") -> list[dict]:
    """Plain turns, consecutive ones of a role merged, `hint` closing the last user turn."""
    names = {c.get("id"): (c.get("function") or {}).get("name", "")
             for m in messages for c in m.get("tool_calls") or []}
    plain: list[dict] = []
    for message in messages:
        role, text = message.get("role"), message.get("content")
        text = text if isinstance(text, str) else ""
        if role == "assistant":
            calls = [_call_json(call) for call in message.get("tool_calls") or []]
            text = "\n".join(([text.strip()] if text.strip() else []) + calls)
        elif role == "tool":
            role, text = "user", render("local_tool_result.md.j2", tool_name=names.get(message.get("tool_call_id"), "tool"),
                                        result=text)
        if role in ("system", "user", "assistant") and text.strip():
            plain.append({"role": role, "content": text})
    if hint:
        plain.append({"role": "user", "content": hint})
    return merged(plain)


def merged(messages: list[dict]) -> list[dict]:
    """Consecutive turns of one role joined: many chat templates want user and assistant to alternate."""
    out: list[dict] = []
    for message in messages:
        if out and out[-1]["role"] == message["role"]:
            out[-1] = {"role": message["role"], "content": out[-1]["content"] + "\n\n" + message["content"]}
        else:
            out.append(dict(message))
    return out


@lru_cache(maxsize=4)
def _compiled(template: str):
    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return environment.from_string(template)


def _raise(message: str) -> None:
    raise TemplateError(message)


def chat_prompt(messages: list[dict], template: str | None, bos: str = "", eos: str = "") -> str:
    """The prompt text, ending where the assistant's reply begins."""
    if template:
        for attempt in (messages, _system_folded(messages)):
            try:
                return _compiled(template).render(messages=attempt, add_generation_prompt=True, bos_token=bos,
                                                  eos_token=eos, raise_exception=_raise)
            except TemplateError:
                continue
    return render("local_chatml.j2", messages=messages) + "\n"


def _system_folded(messages: list[dict]) -> list[dict]:
    """For templates without a system role: the system text opens the first user turn."""
    if not messages or messages[0]["role"] != "system":
        return messages
    return merged([{"role": "user", "content": messages[0]["content"]}] + messages[1:])


def fit(messages: list[dict], measure: Callable[[list[dict]], int], budget: int) -> list[dict]:
    """The turns cut to `budget` tokens: the oldest turns after the first two go first, then
    the longest turn loses its beginning (the last turn ends with what to do next)."""
    messages = list(messages)
    while measure(messages) > budget:
        if len(messages) > 3:
            messages = merged(messages[:2] + messages[3:])
            continue
        longest = max(range(len(messages)), key=lambda i: len(messages[i]["content"]))
        text = messages[longest]["content"]
        if len(text) < MIN_CUT:
            break
        messages[longest] = {**messages[longest], "content": "…" + text[len(text) // 4:]}
    return messages
