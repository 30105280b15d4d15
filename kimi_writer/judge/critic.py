"""The critic: one chapter, one forced `submit_review` call, one typed Review.

The critic reads the chapter with its outline entry, the story bible, the continuity ledger, the
end of the previous chapter, the next chapter's synopsis and the mechanical flags, and answers with
nine integer scores, notes, continuity issues and new facts. kimi-writer computes the overall
score. A malformed review is retried once with the problem as the tool result; then the chapter
is not reviewed (NotReviewed).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from statistics import mean
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..model.caller import Caller, FailsAs
from ..guard.checks import check_project, flag_lines
from ..model.client import AssistantTurn
from ..loop.book_context import story_bible
from ..book.edits import content_hash
from ..core.errors import UserError
from ..book.ledger import ledger_for
from ..core.messages import Kind, Message, system, tool_result, user
from ..book.outline import OutlineEntry, chapter_number, chapter_target, load_outline
from ..book.project import Project, count_words
from ..core.prompts import render
from ..book.language import book_language
from ..core.language import suffix, with_language
from ..core.text import printable
from ..loop.tools import Tool, ToolResult
from ..loop.writer import previous_chapter
from ..core.text import parse_json

SCORE_KEYS = ("character", "setting", "stakes", "pacing", "prose", "outline_fidelity",
              "character_consistency", "world_consistency", "continuity")
QUOTE_WORDS = 25
MAX_NEW_FACTS = 40  # of one review, into the ledger: a critic that lists 650 would bury it
PLANNER_ISSUES, PLANNER_ISSUE_CHARS = 20, 2_000  # continuity issues the planner is told of, and their length
REVIEW_MAX_TOKENS = 8_000
SECTION_NAMES = Literal["characters", "places", "objects", "timeline", "threads"]


class NotReviewed(Exception):
    """The critic gave no usable review (twice), or could not be reached: the sentence says why."""


CRITIC_FAILS = FailsAs(NotReviewed, "the critic model failed: ")  # how the critic's Caller reports a failure


Score = Field(ge=1, le=10, strict=True)


class Scores(BaseModel):
    """Nine integer scores from 1 to 10."""

    model_config = ConfigDict(extra="forbid")
    character: int = Score
    setting: int = Score
    stakes: int = Score
    pacing: int = Score
    prose: int = Score
    outline_fidelity: int = Score
    character_consistency: int = Score
    world_consistency: int = Score
    continuity: int = Score


class Note(BaseModel):
    quote: str = Field(description="a passage of the chapter, at most 25 words")
    problem: str
    fix: str

    @field_validator("quote")
    @classmethod
    def _short(cls, quote: str) -> str:
        if count_words(quote) > QUOTE_WORDS:
            raise ValueError(f"a quote of {count_words(quote)} words; quote at most {QUOTE_WORDS}")
        return quote


class ContinuityIssue(BaseModel):
    quote: str
    contradicts: str = Field(description="the ledger fact or earlier chapter it breaks")


class NewFact(BaseModel):
    section: SECTION_NAMES
    fact: str

    @field_validator("section", mode="before")
    @classmethod
    def _any_case(cls, section: object) -> object:
        """"Characters" is "characters"."""
        return section.strip().lower() if isinstance(section, str) else section


class ReviewArgs(BaseModel):
    """Submit your review of the chapter: nine scores, reasons, notes, continuity issues and new facts."""

    scores: Scores
    reasons: dict[str, str] = Field(default_factory=dict, description="one line per score, any subset")
    notes: list[Note] = Field(default_factory=list)
    continuity_issues: list[ContinuityIssue] = Field(default_factory=list)
    new_facts: list[NewFact] = Field(default_factory=list)


def _not_run(workspace: Any, args: ReviewArgs) -> ToolResult:
    return ToolResult("", "submit_review is answered by the critic, not run", ok=False)


SUBMIT_REVIEW = Tool("submit_review", ReviewArgs, _not_run)  # never offered to the planner


class Review(BaseModel):
    """A saved review: what the critic said of one version of a chapter, and of which text."""

    chapter: str
    scores: dict[str, int]
    overall: float = Field(ge=1, le=10, allow_inf_nan=False)
    reasons: dict[str, str] = Field(default_factory=dict)
    notes: list[Note] = Field(default_factory=list)
    continuity_issues: list[ContinuityIssue] = Field(default_factory=list)
    new_facts: list[NewFact] = Field(default_factory=list)
    sha256: str
    model: str
    reviewed_at: str
    author_edited: bool = False  # the chapter was changed by hand since kimi-writer last wrote or judged it

    @field_validator("scores")
    @classmethod
    def _nine_scores(cls, scores: dict[str, int]) -> dict[str, int]:
        """A saved file may have been edited: the nine keys, each an integer from 1 to 10."""
        if set(scores) != set(SCORE_KEYS) or not all(1 <= score <= 10 for score in scores.values()):
            raise ValueError(f"the scores must be the nine rubric keys, each from 1 to 10, not {scores}")
        return scores

    def weakest(self, count: int = 3) -> list[tuple[str, int, str]]:
        """(key, score, reason) of the lowest scores, lowest first (the rubric's order on ties)."""
        ranked = sorted(self.scores.items(), key=lambda item: (item[1], SCORE_KEYS.index(item[0])))
        return [(key, score, self.reasons.get(key, "")) for key, score in ranked[:count]]

    def compact(self, notes: int = 3) -> str:
        """The review in a few lines, for a tool result: overall, weakest three, top notes, continuity."""
        return render("critic_compact.md.j2", chapter=self.chapter, overall=self.overall,
                      weakest=self.weakest(), notes=self.notes[:notes],
                      continuity_issues=first_issues(self.continuity_issues))


def first_issues(issues: list[ContinuityIssue]) -> list[ContinuityIssue]:
    """The first PLANNER_ISSUES continuity issues, cut to PLANNER_ISSUE_CHARS in all (the planner's
    request stays small however many the critic found)."""
    kept, room = [], PLANNER_ISSUE_CHARS
    for issue in issues[:PLANNER_ISSUES]:
        size = len(issue.quote) + len(issue.contradicts) + 30  # and the line's own words
        if size > room:
            break
        kept.append(issue)
        room -= size
    return kept


def overall_score(scores: Scores) -> float:
    """The mean of the nine scores, computed here (never the model's arithmetic)."""
    return round(mean(scores.model_dump().values()), 2)


def _printable(value: Any) -> Any:
    """Every string in a (shallow) review's data without terminal escapes or control characters."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    return [_printable(item) for item in value] if isinstance(value, list) else value


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def quoted_in(quote: str, text: str) -> bool:
    """Whether every piece of `quote` (split at an ellipsis) is in `text`, ignoring case and spacing."""
    pieces = [_plain(piece).strip(" \"'“”‘’") for piece in re.split(r"\.\.\.|…", quote)]
    plain = _plain(text)
    return any(pieces) and all(piece in plain for piece in pieces if piece)


def make_review(chapter: str, text: str, args: ReviewArgs, model: str) -> Review:
    """The saved review; notes that quote words the chapter does not have are dropped (a critic that
    invents a passage must not steer a revision)."""
    args = ReviewArgs.model_validate(_printable(args.model_dump()))
    args.notes = [note for note in args.notes if quoted_in(note.quote, text)]
    args.new_facts = args.new_facts[:MAX_NEW_FACTS]
    return Review(chapter=chapter, scores=args.scores.model_dump(), overall=overall_score(args.scores),
                  reasons=args.reasons, notes=args.notes, continuity_issues=args.continuity_issues,
                  new_facts=args.new_facts, sha256=content_hash(text), model=model,
                  reviewed_at=datetime.now().isoformat(timespec="seconds"))


# --- the request --------------------------------------------------------------------------------


def outline_entry(project: Project, filename: str) -> tuple[OutlineEntry | None, OutlineEntry | None]:
    """The outline's entry for the chapter, and the next one's (None where there is none)."""
    number = chapter_number(filename)
    entries = {entry.number: entry for entry in load_outline(project)}
    if number is None:
        return None, None
    return entries.get(number), entries.get(number + 1)


def mechanical_flags(project: Project, chapter_words: int | None = None) -> dict[str, list[str]]:
    """Lint's warning lines of each chapter (the mechanical checks), by file; {} with no chapters."""
    try:
        checked = check_project(project, chapter_words)
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


class Quiet:
    """A stream listener that shows nothing (the console prints each chapter's result)."""

    def on_reasoning(self, text: str) -> None:
        pass

    def on_content(self, text: str) -> None:
        pass

    def on_tool_call(self, index: int, name: str, chars: int) -> None:
        pass


def parse_review(turn: AssistantTurn) -> tuple[ReviewArgs | None, str, list[str]]:
    """(the review, "", []) or (None, the problem, its details) for a reply."""
    call = next((c for c in turn.tool_calls if c.name == SUBMIT_REVIEW.name), None)
    if call is None:
        return None, "you did not call submit_review.", []
    try:
        raw = parse_json(call.arguments or "{}")
    except json.JSONDecodeError as error:
        return None, "its arguments are not valid JSON.", [str(error)]
    try:
        return ReviewArgs.model_validate(raw), "", []
    except ValidationError as error:
        return None, "some arguments are invalid.", [
            f"`{'.'.join(map(str, e['loc'])) or 'arguments'}`: {e['msg']}" for e in error.errors()]


def _retry_request(messages: list[Message], turn: AssistantTurn, problem: str, errors: list[str]) -> list[Message]:
    """The request again, with the bad reply and what was wrong with it (as the call's tool result)."""
    note = render("critic_retry.md.j2", problem=problem, errors=errors)
    if not turn.tool_calls:
        return [*messages, turn.to_message(), user(Kind.NUDGE, note)]
    return [*messages, turn.to_message(), *(tool_result(call.id, note) for call in turn.tool_calls)]


class Critic:
    """Reviews chapters with the critic model (through the one Caller: retries, usage, budgets)."""

    def __init__(self, caller: Caller, model: str, chapter_words: int | None = None):
        self.caller, self.model, self.chapter_words = caller, model, chapter_words
        self.forced = True  # tool_choice names submit_review, until a server refuses that (Kimi with thinking)

    def review(self, project: Project, filename: str, flags: list[str] | None = None) -> Review:
        """Review the chapter as it is on disk; NotReviewed after a second malformed review."""
        text = project.read_if_file(filename)
        if text is None:
            raise NotReviewed(f"{filename} does not exist")
        if flags is None:
            flags = mechanical_flags(project, self.chapter_words).get(filename, [])
        return self.review_text(project, filename, text, flags)

    def review_text(self, project: Project, filename: str, text: str, flags: list[str]) -> Review:
        """Review `text` as the chapter `filename` (a version not yet on disk, in revise)."""
        messages = critic_messages(project, filename, text, flags, self.chapter_words)
        for attempt in range(2):
            turn = self._call(messages)
            args, problem, errors = parse_review(turn)
            if args is not None:
                return make_review(filename, text, args, self.model)
            messages = _retry_request(messages, turn, problem, errors)
        raise NotReviewed(f"the critic's review was malformed twice ({problem.rstrip('.')})")

    def _call(self, messages: list[Message]) -> AssistantTurn:
        """One critic turn; a server that refuses a forced tool_choice is asked again with "auto"."""
        self.caller.check_budget(self.caller.measure(messages))
        try:
            return self._ask(messages)
        except NotReviewed as error:
            if not (self.forced and "tool_choice" in str(error)):
                raise
            self.forced = False
            return self._ask(messages)

    def _ask(self, messages: list[Message]) -> AssistantTurn:
        choice = {"type": "function", "function": {"name": SUBMIT_REVIEW.name}} if self.forced else "auto"
        return self.caller.call(messages, [SUBMIT_REVIEW.schema()], Quiet(), REVIEW_MAX_TOKENS, tool_choice=choice)
