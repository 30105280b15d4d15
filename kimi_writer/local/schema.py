"""The JSON schemas that constrain the small model's output to a tool call.

A call is `{"tool": NAME, "arguments": {...}}`: one shape per tool (a `oneOf`), built from the
request's own tool schemas. Every argument is required (a small model should not have to
choose what to leave out), except two: the long text (`content`), which the model writes
afterwards as plain prose (see `prose`), and a chapter's `summary`, which the agent makes
itself when none is given. A guided call narrows this to one tool with some arguments
fixed (`const`).
"""

from __future__ import annotations

import copy
from typing import Any

from ..loop.tools import COMPRESS_CONTEXT

EXCLUDED_TOOLS = frozenset({COMPRESS_CONTEXT.name})  # the server keeps requests small itself
PROSE = "content"  # written after the call, as plain text
LEFT_OUT = frozenset({PROSE, "summary"})
LIMITS: dict[str, dict[str, int]] = {  # bounds on string arguments, by name
    "project_name": {"minLength": 3, "maxLength": 40},
    "filename": {"minLength": 4, "maxLength": 40},
}
_DROPPED_KEYS = ("default", "description", "title", "examples")


def tool_names(tools: list[dict]) -> list[str]:
    """The names of the tools the small model may call, in the request's order."""
    return [t["function"]["name"] for t in tools if t["function"]["name"] not in EXCLUDED_TOOLS]


def _property(name: str, spec: dict) -> dict:
    spec = {k: v for k, v in spec.items() if k not in _DROPPED_KEYS}
    if spec.get("type") == "string" and "enum" not in spec:
        spec.update(LIMITS.get(name, {}))
    return spec


def has_prose(tools: list[dict], name: str) -> bool:
    """True when tool `name` takes a long text that the model writes after the call."""
    function = next((t["function"] for t in tools if t["function"]["name"] == name), {})
    return PROSE in ((function.get("parameters") or {}).get("properties") or {})


def arguments_schema(parameters: dict, fixed: dict[str, Any] | None = None) -> dict:
    """The arguments object: every property required but the left-out ones, `fixed` ones as consts."""
    properties = parameters.get("properties") or {}
    fixed = fixed or {}
    kept = {name: {"const": fixed[name]} if name in fixed else _property(name, spec)
            for name, spec in properties.items() if name not in LEFT_OUT}
    return {"type": "object", "properties": kept, "required": list(kept), "additionalProperties": False}


def call_shape(name: str, parameters: dict, fixed: dict[str, Any] | None = None) -> dict:
    return {
        "type": "object",
        "properties": {"tool": {"const": name}, "arguments": arguments_schema(parameters, fixed)},
        "required": ["tool", "arguments"],
        "additionalProperties": False,
    }


def call_schema(tools: list[dict], only: str | None = None, fixed: dict[str, Any] | None = None) -> dict:
    """The schema of one call to any allowed tool, or to `only` with `fixed` arguments."""
    shapes, definitions = [], {}
    for tool in copy.deepcopy(tools):
        function = tool["function"]
        if function["name"] in EXCLUDED_TOOLS or (only is not None and function["name"] != only):
            continue
        parameters = function.get("parameters") or {}
        definitions.update(parameters.pop("$defs", {}))  # local references resolve at the root
        shapes.append(call_shape(function["name"], parameters, fixed if only else None))
    if not shapes:
        raise ValueError(f"no tool to call (asked for {only or 'any'})")
    schema = shapes[0] if len(shapes) == 1 else {"oneOf": shapes}
    return {**schema, "$defs": definitions} if definitions else schema
