"""A run's bookkeeping: saving the state, checkpoints, and how the run ends (its outcome in one
sentence, its record in the state, and the figures shown)."""

from __future__ import annotations

from datetime import datetime

from . import compression
from ..model.api_errors import Scrubber
from ..book.language import book_language
from .display import PlainDisplay, RunFigures, RunSummary
from ..core.errors import AgentStop, ExitCode, Finished, IterationLimitReached, SaveFailed
from ..book.locate import resume_command
from ..book.project import count_words
from ..book.manuscript import project_is_collection, unwritten_chapters
from ..book.outline import part_noun
from ..book.session import STATE_FILE, RunRecord, SessionState, UsageTotals
from ..settings import Settings
from .tools import Workspace

PLAN_READY = "The plan is ready:"
UNFINISHED = "Finished, but "


class RunEnd:
    """Saves the run as it goes, and closes it: record, checkpoint, summary."""

    def __init__(self, settings: Settings, state: SessionState, workspace: Workspace, display: PlainDisplay,
                 scrubber: Scrubber):
        self.settings, self.state, self.workspace = settings, state, workspace
        self.display, self.scrubber = display, scrubber
        self.usage_at_start = state.usage.model_copy()

    def close(self, code: ExitCode, outcome: str, iterations: int) -> ExitCode:
        """Record how the run ended, save, checkpoint if unfinished, and show the figures."""
        self.display.end_turn()
        failure = self._save_outcome(outcome, iterations)
        if failure is not None:
            code, outcome = failure.exit_code, self.outcome(failure)
        if code == ExitCode.FINISHED and outcome.startswith(UNFINISHED):
            code = ExitCode.INCOMPLETE  # a script must not take a book with unwritten chapters for a success
        if code not in (ExitCode.FINISHED, ExitCode.INCOMPLETE):  # an incomplete book says how to go on itself
            self.checkpoint()
        plan_ready = outcome.startswith(PLAN_READY)
        summary = self._summary(None if plan_ready else outcome, iterations)
        summary.full_outcome = outcome
        self.display.summary(summary)
        if plan_ready:
            self.display.notice(f"{outcome}\nRead and edit it, then draft the chapters with: "
                                f"{resume_command(self.workspace.project.root)}")
        return code

    def _save_outcome(self, outcome: str, iterations: int) -> SaveFailed | None:
        """Record how the run ended and save; the failure, if the state could not be saved."""
        self.state.outcome = outcome
        self.state.runs.append(self._run_record(outcome, iterations))
        try:
            self.save()
        except SaveFailed as failure:
            return failure
        return None

    def _run_record(self, outcome: str, iterations: int) -> RunRecord:
        spent = self._spent_this_run()
        return RunRecord(iterations=iterations, prompt_tokens=spent.prompt_tokens,
                         completion_tokens=spent.completion_tokens, cost=spent.cost(self.settings.price()),
                         outcome=outcome, ended_at=datetime.now().isoformat(timespec="seconds"),
                         plan_only=self.settings.plan_only, estimated=spent.estimated_requests > 0)

    def _spent_this_run(self) -> UsageTotals:
        usage, start = self.state.usage, self.usage_at_start
        return UsageTotals(**{name: getattr(usage, name) - getattr(start, name) for name in UsageTotals.model_fields})

    def outcome(self, stop: AgentStop) -> str:
        """The run's end in one sentence."""
        if isinstance(stop, Finished):
            return self._finished()
        if isinstance(stop, IterationLimitReached):
            return f"Stopped: the iteration limit ({self.settings.max_iterations}) was reached."
        return f"Stopped: {stop}"

    def _finished(self) -> str:
        """The model says it is done: a plan is ready, the book is done, or planned chapters are missing."""
        project = self.workspace.project
        if project is None:
            return "Finished: the model says the book is done."
        if self.settings.plan_only:
            return f"{PLAN_READY} {project.root / 'outline.md'}"
        missing, planned = unwritten_chapters(project)
        if not missing:
            return "Finished: the model says the book is done."
        collection = project_is_collection(project)
        listed = _listing(missing, collection)
        verb = "is" if len(missing) == 1 else "are"
        return (f"{UNFINISHED}{len(missing)} of {planned} planned {part_noun(collection, planned)} {verb} not "
                f"written ({listed}): continue with {resume_command(project.root)}")

    def save(self) -> None:
        """Save the state; if that fails (a full disk, a read-only folder), stop the run: the
        last good session.json stays as it was."""
        project = self.workspace.project
        if project is None:
            return
        self.state.project_dir = str(project.root)
        self.state.base_url = self.scrubber(self.state.base_url)
        try:
            self.state.save(project.root)
        except OSError as error:
            raise SaveFailed(f"{error.strerror or error} while saving {project.state_dir / STATE_FILE}") from error

    def checkpoint(self) -> None:
        """A human-readable context summary (no model call), and the command that resumes."""
        project = self.workspace.project
        if project is None:
            self.display.notice("No project was created yet, so there is nothing to resume.")
            return
        text = compression.local_summary(self.state, project)
        try:
            saved = f"Checkpoint saved: {compression.write_summary_file(project.root, text)}"
        except OSError as error:
            saved = f"No checkpoint summary could be written ({error.strerror or error})."
        self.display.notice(f"{saved}\nResume with: {resume_command(project.root)}")

    def _summary(self, outcome: str | None, iterations: int) -> RunSummary:
        """This run's figures, and the book's totals when earlier runs count too."""
        usage, price, project = self.state.usage, self.settings.price(), self.workspace.project
        spent = self._spent_this_run()
        this_run = RunFigures(iterations, spent.prompt_tokens, spent.completion_tokens,
                              spent.cost(price), spent.estimated_requests > 0)
        book = None
        if len(self.state.runs) > 1:
            book = RunFigures(sum(run.iterations for run in self.state.runs), usage.prompt_tokens,
                              usage.completion_tokens, usage.cost(price), usage.estimated_requests > 0,
                              runs=len(self.state.runs))
        return RunSummary(outcome, str(project.root) if project else None, self._words_on_disk(), this_run, book,
                          book_language(project) if project else "en")

    def _words_on_disk(self) -> list[tuple[str, int]]:
        """Each file the run wrote with its words as the file holds them now (the author may have edited
        it, a later write replaced it); a file that is gone keeps its last known count."""
        project = self.workspace.project
        texts = {name: project.read_if_file(name) if project else None for name in self.state.written}
        return sorted((name, count_words(texts[name]) if texts[name] is not None else words)
                      for name, words in self.state.written.items())


def interrupted(interrupt: BaseException) -> tuple[ExitCode, str]:
    """(exit code, outcome) of a run stopped by Ctrl+C or a signal; the unfinished turn is dropped."""
    how = getattr(interrupt, "how", "Ctrl+C")
    code = getattr(interrupt, "exit_code", ExitCode.INTERRUPTED)
    return code, f"Interrupted ({how}); the unfinished turn was dropped."


def _listing(numbers: list[int], collection: bool = False) -> str:
    """chapter 1; chapters 1 and 3; chapters 1, 2 and 3 (stories in a collection)."""
    if len(numbers) == 1:
        return f"{part_noun(collection, 1)} {numbers[0]}"
    return f"{part_noun(collection, 2)} " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
