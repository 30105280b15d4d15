"""The critic: one chapter, one forced `submit_review` call, one typed Review.

The critic reads the chapter with its outline entry, the story bible, the continuity ledger, the
end of the previous chapter, the next chapter's synopsis and the mechanical flags, and answers with
nine integer scores, notes, continuity issues and new facts. kimi-writer computes the overall
score. A malformed review is retried once with the problem as the tool result; then the chapter
is not reviewed (NotReviewed).
"""

from __future__ import annotations

from typing import Any

from ..model.caller import Caller, FailsAs
from ..guard.checks import check_project, flag_lines
from ..guard.ngram_index import check_chosen
from ..model.client import AssistantTurn
from ..loop.book_context import story_bible
from ..core.errors import UserError
from ..book.ledger import ledger_for
from ..core.messages import Kind, Message, system, user
from ..book.outline import OutlineEntry, chapter_number, chapter_target, load_outline
from ..book.project import Project, count_words
from ..core.prompts import render
from ..book.language import book_language
from ..core.language import suffix, with_language
from ..loop.tools import Tool, ToolResult
from ..loop.writer import previous_chapter
from .forced_call import ForcedCall, asked_again, parse_call
from .rubric import Review, ReviewArgs, make_review

REVIEW_MAX_TOKENS = 8_000
REVIEW_MIN_TOKENS = 2_000  # the least room a review needs (nine scores, reasons, a few notes)


class NotReviewed(Exception):
    """The critic gave no usable review (twice), or could not be reached: the sentence says why."""


CRITIC_FAILS = FailsAs(NotReviewed, "the critic model failed: ")  # how the critic's Caller reports a failure


def _not_run(workspace: Any, args: ReviewArgs) -> ToolResult:
    return ToolResult("", "submit_review is answered by the critic, not run", ok=False)


SUBMIT_REVIEW = Tool("submit_review", ReviewArgs, _not_run)  # never offered to the planner


# --- the request --------------------------------------------------------------------------------


def outline_entry(project: Project, filename: str) -> tuple[OutlineEntry | None, OutlineEntry | None]:
    """The outline's entry for the chapter, and the next one's (None where there is none)."""
    number = chapter_number(filename)
    entries = {entry.number: entry for entry in load_outline(project)}
    if number is None:
        return None, None
    return entries.get(number), entries.get(number + 1)


def mechanical_flags(project: Project, chapter_words: int | None = None,
                     names: list[str] | None = None) -> dict[str, list[str]]:
    """Lint's warning lines of each chapter (the mechanical checks), by file; {} with no chapters. With
    `names`, of those chapters only (the rest of the book through the n-gram index: the same lines)."""
    try:
        checked = check_project(project, chapter_words) if names is None else check_chosen(project, names, chapter_words)
    except UserError:
        return {}
    return {report.name: flag_lines(report) for report in checked}


def critic_messages(project: Project, filename: str, text: str, flags: list[str],
                    chapter_words: int | None = None) -> list[Message]:
    """The critic's request for the chapter `filename` whose text is `text`."""
    entry, following = outline_entry(project, filename)
    ledger = ledger_for(project, filename)
    previous_name, previous_tail, _ = previous_chapter(project, filename)
    language = book_language(project)
    request = render("critic_request.md.j2", filename=filename, text=text, entry=entry,
                     target=chapter_target(project, filename, chapter_words), words=count_words(text),
                     bible=story_bible(project, ledger), ledger=ledger,
                     previous_name=previous_name, previous_tail=previous_tail,
                     next_synopsis=f"{following.title}: {following.synopsis}".strip(": ") if following else "",
                     flags=flags, unit=suffix(language))
    return [system(with_language(render("critic_system.md.j2"), language)), user(Kind.TASK, request)]


# --- the model ----------------------------------------------------------------------------------


class Critic:
    """Reviews chapters with the critic model (through the one Caller: retries, usage, budgets)."""

    def __init__(self, caller: Caller, model: str, chapter_words: int | None = None, token_limit: int = 200_000):
        self.caller, self.model, self.chapter_words = caller, model, chapter_words
        self.token_limit = token_limit  # the critic model's context: no request goes over it
        self.asking = ForcedCall(caller, SUBMIT_REVIEW)

    def review(self, project: Project, filename: str, flags: list[str] | None = None) -> Review:
        """Review the chapter as it is on disk; NotReviewed after a second malformed review."""
        text = project.read_if_file(filename)
        if text is None:
            raise NotReviewed(f"{filename} does not exist")
        if flags is None:
            flags = mechanical_flags(project, self.chapter_words, [filename]).get(filename, [])  # through the index
        return self.review_text(project, filename, text, flags)

    def review_text(self, project: Project, filename: str, text: str, flags: list[str]) -> Review:
        """Review `text` as the chapter `filename` (a version not yet on disk, in revise)."""
        messages = critic_messages(project, filename, text, flags, self.chapter_words)
        for attempt in range(2):
            turn = self._call(messages)
            args, problem, errors = parse_call(turn, SUBMIT_REVIEW)
            if args is not None:
                return make_review(filename, text, args, self.model)
            messages = asked_again(messages, turn, render("critic_retry.md.j2", problem=problem, errors=errors))
        raise NotReviewed(f"the critic's review was malformed twice ({problem.rstrip('.')})")

    def _call(self, messages: list[Message]) -> AssistantTurn:
        """One critic turn, within the model's context and the run's budget."""
        size = self.caller.measure(messages)
        if size + REVIEW_MIN_TOKENS > self.token_limit:
            raise NotReviewed(f"its request would be about {size:,} tokens, which with room for the review is over "
                              f"the model's limit of {self.token_limit:,} (--token-limit)")
        self.caller.check_budget(size)
        return self.asking.turn(messages, min(REVIEW_MAX_TOKENS, self.token_limit - size))
