"""Revise with the author's note (`revise --note`): the writer rewrites the chapter with the
author's instruction, the new text becomes current whatever its score, and the old one a version.
The critic scores it before and after, so the author sees what the note did; the critic's own
rounds (judge.revise) stay keep-if-better."""

from __future__ import annotations

from dataclasses import dataclass

from ..book.edits import bytes_hash
from ..core.messages import Kind, Message, user
from ..core.prompts import render
from .critic import Critic
from .rubric import Review
from .reviews import is_stale, load_review, record_review, save_version
from .revise import (ChapterUsage, Reviser, Revision, chapter_story, flags_of, replace_chapter,
                     revision_messages)

KEPT = "kept (the author's note)"


@dataclass(frozen=True)
class AuthorNote:
    """What the author asked, for the chapters named with --chapters."""

    text: str
    chapter_words: int | None = None


def note_messages(reviser: Reviser, name: str, text: str, review: Review, note: AuthorNote) -> list[Message]:
    """The writer's request of judge.revise, with the author's note at its end."""
    messages = revision_messages(reviser.project, name, text, review, note.chapter_words)
    request = (messages[-1].content or "") + render("author_note.md.j2", note=note.text.strip())
    return messages[:-1] + [user(Kind.TASK, request)]


class NoteReviser:
    """One chapter at a time: review (when needed), rewrite with the note, keep, review again."""

    def __init__(self, reviser: Reviser, note: AuthorNote):
        self.reviser, self.note = reviser, note

    def revise(self, name: str) -> Revision:
        """The chapter's story; a failure ends it, never the run."""
        return chapter_story(self.reviser, name, self._revise, rounds=1)

    def _revise(self, name: str, usage: ChapterUsage, revision: Revision) -> None:
        project, models = self.reviser.project, self.reviser.models
        critic = models.critic(usage)
        original = project.read_bytes_if_file(name) or b""
        text = original.decode("utf-8", errors="replace")
        review = self._review(critic, name, text)
        revision.before = review.overall
        save_version(project, name, original, review)  # the exact bytes, UTF-8 or not
        writer = models.writer(usage)
        new_text = self.reviser.write_version(writer, name, text, note_messages(self.reviser, name, text, review,
                                                                               self.note))
        new_review = critic.review_text(project, name, new_text, flags_of(project, name, new_text,
                                                                          self.note.chapter_words))
        kept = save_version(project, name, new_text, new_review)
        if not replace_chapter(project, name, new_text, self.reviser.load_state, bytes_hash(original)):
            revision.outcome = "edited"
            revision.detail = (f"the author changed it during the revision: their text stays; the noted version is "
                               f"saved as {project.relative_name(kept)}")
            return
        record_review(project, new_review, self.reviser.load_state, replaced=True)
        revision.outcome, revision.after = KEPT, new_review.overall

    def _review(self, critic: Critic, name: str, text: str) -> Review:
        """The chapter's saved review, or a new one when it is missing or stale."""
        saved = load_review(self.reviser.project, name)
        if saved is not None and not is_stale(self.reviser.project, saved):
            return saved
        review = critic.review_text(self.reviser.project, name, text,
                                    flags_of(self.reviser.project, name, text, self.note.chapter_words))
        record_review(self.reviser.project, review, self.reviser.load_state)
        return review
