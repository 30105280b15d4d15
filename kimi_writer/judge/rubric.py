"""The rubric: what a review is. Nine integer scores, notes, continuity issues and new facts, as the
critic submits them (ReviewArgs) and as they are saved (Review); no model here, so reading saved reviews
(status, the studio, `review --mechanical-only`) never loads the model client."""

from __future__ import annotations

import re
from datetime import datetime
from statistics import mean
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..book.edits import content_hash
from ..book.project import count_words
from ..core.prompts import render
from ..core.text import printable

SCORE_KEYS = ("character", "setting", "stakes", "pacing", "prose", "outline_fidelity",
              "character_consistency", "world_consistency", "continuity")
QUOTE_WORDS = 25
MAX_NEW_FACTS = 40  # of one review, into the ledger: a critic that lists 650 would bury it
PLANNER_ISSUES, PLANNER_ISSUE_CHARS = 20, 2_000  # continuity issues the planner is told of, and their length
SECTION_NAMES = Literal["characters", "places", "objects", "timeline", "threads"]


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
