"""The critic in the writing loop: review a chapter as `kimi-writer review` does, and answer in a few lines."""

from __future__ import annotations

from .critic import Critic, NotReviewed
from .rubric import Review
from ..core.errors import BudgetExceeded
from ..book.manuscript import chapter_files
from ..book.project import Project
from ..core.prompts import render
from .reviews import is_stale, load_review, record_review, write_review_file
from ..book.session import SessionState
from ..loop.tools import ToolResult


class LoopReviewer:
    """Reviews chapters for the planner (review_chapter, --review auto): the review is saved, review.md
    rewritten and its new facts added to continuity.md; a text already judged is not sent again."""

    def __init__(self, critic: Critic, state: SessionState):
        self.critic, self.state = critic, state

    def __call__(self, project: Project, name: str) -> ToolResult:
        saved = load_review(project, name)
        if saved is not None and not is_stale(project, saved):
            return _reviewed(saved)
        try:
            review = self.critic.review(project, name)
        except (NotReviewed, BudgetExceeded) as error:  # the loop goes on (a budget stops it before the next turn)
            return ToolResult(render("not_reviewed.md.j2", chapter=name, reason=str(error)),
                              f"{name} not reviewed: {error}", ok=False)
        record_review(project, review, self._session)
        write_review_file(project, [info.name for _, info in chapter_files(project)])
        return _reviewed(review)

    def _session(self, project: Project) -> tuple[SessionState, str]:
        """This run's state as it stands (the file saved on disk lags behind the write that just landed)."""
        return self.state, ""


def _reviewed(review: Review) -> ToolResult:
    return ToolResult(review.compact(), f"reviewed {review.chapter}: {review.overall:.1f}/10",
                      reviewed=(review.chapter, review.overall, dict(review.scores)))
