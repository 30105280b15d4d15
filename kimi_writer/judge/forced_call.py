"""One forced tool call to a model (the critic's `submit_review`, the planner's `submit_reading`): the
reply's call parsed into the tool's arguments, a malformed one told back so that it can be asked again,
and a server that refuses a named tool_choice (Kimi with thinking) asked with "auto" from then on."""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError

from ..core.messages import Kind, Message, tool_result, user
from ..core.text import parse_json
from ..loop.tools import Tool
from ..loop.window import history_message
from ..model.caller import Caller
from ..model.client import AssistantTurn


class Quiet:
    """A stream listener that shows nothing (the console prints each chapter's result)."""

    def on_reasoning(self, text: str) -> None:
        pass

    def on_content(self, text: str) -> None:
        pass

    def on_tool_call(self, index: int, name: str, chars: int) -> None:
        pass


def parse_call(turn: AssistantTurn, tool: Tool) -> tuple[BaseModel | None, str, list[str]]:
    """(the arguments, "", []) of the reply's call to `tool`, or (None, the problem, its details).
    JSON nested past any use is invalid JSON, as a malformed call (never a RecursionError)."""
    call = next((c for c in turn.tool_calls if c.name == tool.name), None)
    if call is None:
        return None, f"you did not call {tool.name}.", []
    try:
        return tool.args_model.model_validate(parse_json(call.arguments or "{}")), "", []
    except json.JSONDecodeError as error:
        return None, "its arguments are not valid JSON.", [str(error)]
    except ValidationError as error:
        return None, "some arguments are invalid.", [
            f"`{'.'.join(map(str, e['loc'])) or 'arguments'}`: {e['msg']}" for e in error.errors()]


def asked_again(messages: list[Message], turn: AssistantTurn, note: str) -> list[Message]:
    """The request again, with the bad reply (arguments that are no JSON object sent as `{}`, which no
    server rejects) and what was wrong with it (as each call's tool result)."""
    if not turn.tool_calls:
        return [*messages, history_message(turn), user(Kind.NUDGE, note)]
    return [*messages, history_message(turn), *(tool_result(call.id, note) for call in turn.tool_calls)]


class ForcedCall:
    """Asks for a call to one tool: tool_choice names it, until a server refuses that; then "auto"."""

    def __init__(self, caller: Caller, tool: Tool):
        self.caller, self.tool, self.forced = caller, tool, True

    def turn(self, messages: list[Message], max_tokens: int) -> AssistantTurn:
        """One turn (the caller's own failure kind raised, but for a refused tool_choice)."""
        try:
            return self._ask(messages, max_tokens)
        except Exception as error:  # the caller's failure kind: NotReviewed, ReadingFailed, FatalModelError
            if not (self.forced and "tool_choice" in str(error)):
                raise
            self.forced = False
            return self._ask(messages, max_tokens)

    def _ask(self, messages: list[Message], max_tokens: int) -> AssistantTurn:
        choice = {"type": "function", "function": {"name": self.tool.name}} if self.forced else "auto"
        return self.caller.call(messages, [self.tool.schema()], Quiet(), max_tokens, tool_choice=choice)
