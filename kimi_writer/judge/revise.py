"""Revise: the writer rewrites a weak chapter, the critic scores the new version, and the file is
replaced only when the score rises with no more continuity issues. Every version is kept."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ..book import edits, ledger
from ..model.caller import Caller
from ..guard.checks import check_chapter, flag_lines
from ..guard.language import checked_as
from ..loop.book_context import story_bible
from .critic import Critic, NotReviewed, outline_entry
from .forced_call import Quiet
from .rubric import Review
from ..core.errors import BudgetExceeded
from ..core.messages import Kind, Message, system, user
from ..book.outline import chapter_target
from ..book.project import Project
from ..core.prompts import render
from ..guard.zh import phrases_to_avoid
from ..book.language import book_language
from ..core.language import suffix, with_language
from .version_text import BadVersion, clean_version
from . import reviews
from .reviews import StateLoader, is_stale, load_review, record_review, save_version
from ..book.session import UsageTotals
from ..guard.style import banned_phrases, project_phrases

_LOCK = threading.Lock()  # usage totals and the session state are shared by the chapters revised at once


class RevisionFailed(Exception):
    """The writer model could not write a new version (after retries)."""


class ChapterUsage:
    """A chapter's usage, counted into the run's totals too (which the budgets read), under a lock."""

    def __init__(self, run: UsageTotals):
        self.run, self.chapter = run, UsageTotals()

    def add(self, prompt: int, completion: int, cached: int, estimated: bool = False) -> None:
        with _LOCK:
            self.run.add(prompt, completion, cached, estimated)
            self.chapter.add(prompt, completion, cached, estimated)

    def __getattr__(self, name: str) -> object:
        return getattr(self.run, name)


@dataclass(frozen=True)
class Rules:
    """How chapters are picked and revised: --below, --rounds, --force."""

    below: float = 7.0
    rounds: int = 2
    force: bool = False
    chapter_words: int | None = None


@dataclass
class Revision:
    """What became of one chapter: its scores before and after, and what was done."""

    chapter: str
    before: float | None = None
    after: float | None = None
    outcome: str = ""  # kept, reverted, good enough, edited, not reviewed, failed, budget
    detail: str = ""
    rounds: int = 0
    usage: UsageTotals = field(default_factory=UsageTotals)


@dataclass
class Models:
    """Callers for one chapter: the critic and the writer, counting into that chapter's usage."""

    critic: Callable[[ChapterUsage], Critic]
    writer: Callable[[ChapterUsage], Caller]
    max_output_tokens: int
    run_usage: UsageTotals
    token_limit: int = 200_000  # the model's context: no request goes over it


def needs_revision(review: Review, below: float) -> bool:
    """Below the score, or with continuity issues."""
    return review.overall < below or bool(review.continuity_issues)


def is_better(new: Review, old: Review) -> bool:
    """A higher overall score and no more continuity issues."""
    return new.overall > old.overall and len(new.continuity_issues) <= len(old.continuity_issues)


def revision_messages(project: Project, name: str, text: str, review: Review,
                      chapter_words: int | None) -> list[Message]:
    """The writer's request: the chapter, the critic's notes and issues, the ledger, bible and outline entry."""
    entry, _ = outline_entry(project, name)
    excerpt, language = ledger.ledger_for(project, name), book_language(project)
    request = render("revise_request.md.j2", filename=name, target=chapter_target(project, name, chapter_words),
                     overall=review.overall, scores=review.scores, reasons=review.reasons, notes=review.notes,
                     continuity_issues=review.continuity_issues, entry=entry,
                     bible=story_bible(project, excerpt), ledger=excerpt, text=text, unit=suffix(language),
                     flags=flags_of(project, name, text, chapter_words))
    system_text = render("revise_system.md.j2", banned_phrases=banned_phrases(project))
    return [system(with_language(system_text, language, phrases_to_avoid(language))), user(Kind.TASK, request)]


def flags_of(project: Project, name: str, text: str, chapter_words: int | None) -> list[str]:
    """The mechanical flags of one version of a chapter (its own checks)."""
    report = check_chapter(name, text, banned_phrases(project), chapter_target(project, name, chapter_words),
                           own=project_phrases(project), language=checked_as(book_language(project)))
    return flag_lines(report)


def replace_chapter(project: Project, name: str, text: str, load_state: StateLoader, expected: str) -> bool:
    """Put the kept version in place (atomically), only while the file still holds the bytes that were
    read (hash `expected`): False, and the file untouched, when someone changed it meanwhile. Where the
    session tracks the file, it now remembers this version, so `write --recover` does not report it as
    the author's edit."""
    with _LOCK:
        current = project.read_bytes_if_file(name)
        if current is None or edits.bytes_hash(current) != expected:
            return False
        state, _ = load_state(project)
        tracked = state is not None and name in state.file_hashes
        if tracked:  # saved first: a crash before the state is saved again leaves a state that knows both texts
            state.replacing[name] = state.file_hashes[name]
            state.file_hashes[name] = edits.content_hash(text)
            state.save(project.root)
        project.write(name, text, "overwrite", bytes_kept=True)  # the original's bytes are its first version
        if tracked:
            state.file_hashes[name] = edits.remember(project, name)
            state.written[name] = len(text.split())
            state.replacing.pop(name, None)
            state.save(project.root)
        return True


def hold_writes(timeout: float = 2.0) -> None:
    """At a signal: wait for a chapter being replaced, then keep any other chapter, review or fact from
    being written until the process ends."""
    _LOCK.acquire(timeout=timeout)
    reviews.hold_writes(timeout)


def _issues(new: Review, old: Review) -> str:
    """", with more continuity issues" when the new version has more."""
    more = len(new.continuity_issues) > len(old.continuity_issues)
    return f" with {len(new.continuity_issues)} continuity issues" if more else ""


class Reviser:
    """Revises one chapter at a time (several at once with --parallel)."""

    def __init__(self, project: Project, models: Models, rules: Rules, load_state: StateLoader):
        self.project, self.models, self.rules, self.load_state = project, models, rules, load_state

    def revise(self, name: str) -> Revision:
        """The whole story of one chapter; failures end it, never the run."""
        return chapter_story(self, name, self._revise)

    def _revise(self, name: str, usage: ChapterUsage, revision: Revision) -> None:
        critic = self.models.critic(usage)
        original = self.project.read_bytes_if_file(name) or b""
        text = original.decode("utf-8", errors="replace")
        review, edited = self._current_review(critic, name, text)
        revision.before = revision.after = review.overall
        if edited and not self.rules.force:
            revision.outcome, revision.detail = "edited", "the author changed it: reviewed, not replaced (use --force)"
            return
        if not needs_revision(review, self.rules.below):
            revision.outcome = "good enough"
            return
        save_version(self.project, name, original, review)  # the exact bytes, UTF-8 or not
        self._rounds(critic, usage, name, (text, edits.bytes_hash(original)), review, revision)

    def _current_review(self, critic: Critic, name: str, text: str) -> tuple[Review, bool]:
        """The chapter's review, redone first when missing or stale; and whether the author edited it."""
        saved = load_review(self.project, name)
        if saved is not None and not is_stale(self.project, saved):
            return saved, saved.author_edited
        flags = flags_of(self.project, name, text, self.rules.chapter_words)
        review = critic.review_text(self.project, name, text, flags)
        record_review(self.project, review, self.load_state)
        return review, review.author_edited

    def _rounds(self, critic: Critic, usage: ChapterUsage, name: str, read: tuple[str, str], review: Review,
                revision: Revision) -> None:
        """Up to --rounds new versions; each kept only if better; the first that is not ends it (a plateau).
        `read` is the chapter's text and the hash of the bytes it came from."""
        writer = self.models.writer(usage)
        text, expected = read
        for number in range(1, self.rules.rounds + 1):
            revision.rounds = number
            new_text = self._new_version(writer, name, text, review)
            flags = flags_of(self.project, name, new_text, self.rules.chapter_words)
            new_review = critic.review_text(self.project, name, new_text, flags)
            kept = save_version(self.project, name, new_text, new_review)
            if not is_better(new_review, review):
                revision.outcome = revision.outcome or "reverted"
                scored = f"round {number} scored {new_review.overall:.1f}{_issues(new_review, review)}"
                revision.detail = f"{scored}, no better: stopped"
                return
            if not replace_chapter(self.project, name, new_text, self.load_state, expected):
                revision.outcome = "edited"
                revision.detail = (f"the author changed it during the revision: their text stays; round {number}'s "
                                   f"version ({new_review.overall:.1f}) is saved in {self.project.relative_name(kept.parent)}/")
                return
            record_review(self.project, new_review, self.load_state, replaced=True)
            text, review, expected = new_text, new_review, edits.content_hash(new_text)
            revision.after, revision.outcome = review.overall, "kept"

    def _new_version(self, writer: Caller, name: str, text: str, review: Review) -> str:
        return self.write_version(writer, name, text,
                                  revision_messages(self.project, name, text, review, self.rules.chapter_words))

    def write_version(self, writer: Caller, name: str, text: str, messages: list[Message]) -> str:
        """The writer's new version of the chapter from `messages`, checked (preamble and fences off, the
        heading of this chapter, a sane length), within the model's context limit."""
        size = writer.measure(messages)
        if size + self.models.max_output_tokens > self.models.token_limit:
            raise RevisionFailed(f"the writer's request for {name} would be about {size:,} tokens, which with "
                                 f"the reply's room is over the model's limit of {self.models.token_limit:,}")
        writer.check_budget(size)
        turn = writer.call(messages, None, Quiet(), self.models.max_output_tokens)
        try:
            return clean_version(name, text, turn.content)
        except BadVersion as error:
            raise RevisionFailed(str(error)) from None


Step = Callable[[str, ChapterUsage, Revision], None]


def chapter_story(reviser: Reviser, name: str, step: Step, rounds: int = 0) -> Revision:
    """One chapter's revision by `step`, its failure told in the Revision (never raised to the run)."""
    usage = ChapterUsage(reviser.models.run_usage)
    revision = Revision(name, usage=usage.chapter, rounds=rounds)
    try:
        step(name, usage, revision)
    except NotReviewed as error:
        revision.outcome, revision.detail = "not reviewed", str(error)
    except RevisionFailed as error:
        revision.outcome, revision.detail = "failed", str(error)
    except BudgetExceeded as error:
        revision.outcome, revision.detail = "budget", str(error)
    except OSError as error:  # a full disk, a read-only folder: nothing is replaced unsaved
        revision.outcome = "failed"
        revision.detail = f"could not save in {reviser.project.root}: {error.strerror or error}; the chapter was left as it was"
    return revision
