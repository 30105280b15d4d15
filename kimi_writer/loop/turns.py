"""What the loop does with one model turn: its tool calls in batches (parallel-safe ones at once),
the calls a stop left unanswered, and the answer to a reply without a tool call."""

from __future__ import annotations

from ..model.caller import Notices
from ..model.client import AssistantTurn, ToolCallRequest
from ..core.errors import FatalModelError, Finished
from ..core.messages import Kind, Message, tool_result, user
from ..core.pool import run_all
from ..core.prompts import render
from ..settings import Settings
from .tools import ToolResult, Workspace, execute, is_parallel_safe


def batches(calls: list[ToolCallRequest], parallel: int) -> list[list[ToolCallRequest]]:
    """Calls in order; with --parallel above 1, consecutive parallel-safe calls (draft_chapter) form one batch."""
    grouped: list[list[ToolCallRequest]] = []
    for call in calls:
        joins = parallel > 1 and is_parallel_safe(call.name) and grouped and is_parallel_safe(grouped[-1][-1].name)
        if joins:
            grouped[-1].append(call)
        else:
            grouped.append([call])
    return grouped


def run_calls(turn: AssistantTurn, group: list[ToolCallRequest], workspace: Workspace,
              settings: Settings) -> list[ToolResult]:
    """One call, or several parallel-safe calls (draft_chapter) at once (--parallel)."""
    if len(group) == 1:
        return [_run_call(turn, group[0], workspace, settings)]
    return run_all(group, lambda call: _run_call(turn, call, workspace, settings), settings.parallel)


def _run_call(turn: AssistantTurn, call: ToolCallRequest, workspace: Workspace, settings: Settings) -> ToolResult:
    if turn.finish_reason == "length":
        text = render("truncated.md.j2", max_tokens=settings.max_output_tokens, tool_name=call.name)
        return ToolResult(text, f"{call.name} was cut off at the output limit; not run", ok=False)
    return execute(call, workspace)


def not_executed(turn: AssistantTurn, answered: set[str]) -> list[Message]:
    """The results of the calls a stop in the middle of the turn left unanswered."""
    return [tool_result(call.id, render("not_executed.md.j2", tool_name=call.name))
            for call in turn.tool_calls if call.id not in answered]


def without_tools(turn: AssistantTurn, empty_in_a_row: int, has_project: bool, settings: Settings,
                  notices: Notices) -> Message:
    """A reply with no tool call: cut off (the nudge to go on), empty (one nudge), or the end of the book."""
    if turn.finish_reason == "length":
        return user(Kind.NUDGE, render("continue_after_length.md.j2", max_tokens=settings.max_output_tokens))
    if empty_in_a_row >= 2:
        raise FatalModelError("the model sent empty replies twice in a row (no text and no tool call); "
                              "resume to try again, or try another model with --model.")
    if empty_in_a_row:
        notices.notice("The model sent an empty reply; asking it to go on.")
        return user(Kind.NUDGE, render("empty_reply.md.j2"))
    if not has_project:
        raise FatalModelError("the model answered in plain text and never used the tools, so the server or "
                              "model may not support tool calls; see \"Other local servers\" in docs/reference.md.")
    raise Finished()
