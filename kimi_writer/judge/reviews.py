"""Where reviews live: `.kimi_writer/reviews/<chapter key>.json`, each version of a revised chapter
under `.kimi_writer/versions/<chapter key>/`, and the readable `review.md` at the project root. A
chapter's key is its path in the project without the suffix; reviews saved under the file-name stem
(before prologue.md and extras/prologue.md were told apart) are still read."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from ..book import ledger
from .rubric import SCORE_KEYS, Review
from ..book.edits import bytes_hash, content_hash
from ..book.project import PathRefused, Project, atomic_write_text, replace_atomically
from ..core.errors import UserError
from ..book.manuscript import chapter_files
from ..book.session import SessionState
from ..core.text import parse_json, printable

StateLoader = Callable[[Project], tuple[SessionState | None, str]]  # status.load_state: the saved session, if any
_LOCK = threading.Lock()  # chapters may be reviewed at once
_LOCK_WARN = threading.Lock()
_WARNED: set[Path] = set()  # saved reviews already reported as ignored
REVIEWS = "reviews"
VERSIONS = "versions"
REVIEW_FILE = "review.md"
SHORT_KEYS = {"outline_fidelity": "outline", "character_consistency": "char. cons.",
              "world_consistency": "world cons."}


def stem(chapter: str) -> str:
    """The file-name stem reviews and versions went by before (chapters/chapter_02.md -> chapter_02)."""
    return PurePosixPath(chapter).stem


def chapter_key(chapter: str) -> str:
    """The path a chapter's review and versions go by (chapters/chapter_02.md -> chapters/chapter_02)."""
    return PurePosixPath(chapter).with_suffix("").as_posix()


def review_path(project: Project, chapter: str) -> Path:
    return project.state_dir / REVIEWS / f"{chapter_key(chapter)}.json"


def save_review(project: Project, review: Review) -> Path:
    """Save the chapter's review, atomically; returns its path."""
    path = review_path(project, review.chapter)
    atomic_write_text(path, review.model_dump_json(indent=1) + "\n")
    return path


def _read_review(project: Project, path: Path, chapter: str, old_key: bool = False) -> Review | None:
    """The review of `chapter` saved at `path`; None when there is none. A file that cannot be read or
    fails the model (NaN, a score of -5, another chapter) is ignored with a warning on stderr (under an
    `old_key`, another chapter's review is skipped quietly: two files could share a stem)."""
    if not project.contains(path) or not path.is_file():
        return None
    try:
        review = Review.model_validate(parse_json(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as error:
        return _ignored(path, str(error).splitlines()[0])
    if review.chapter != chapter:
        return None if old_key else _ignored(path, f"it reviews {review.chapter}, not {chapter}")
    return review


def _ignored(path: Path, reason: str) -> None:
    """Warn once per file that a saved review is ignored (as if the chapter had none)."""
    with _LOCK_WARN:
        if path not in _WARNED:
            _WARNED.add(path)
            sys.stderr.write(printable(f"Warning: ignoring the saved review {path}: {reason}.") + "\n")
    return None


def load_review(project: Project, chapter: str) -> Review | None:
    """The chapter's saved review; None when there is none or it cannot be read. When the chapter is a
    version revise kept but a crash came before its review was saved, that version's review."""
    saved = _read_review(project, review_path(project, chapter), chapter)
    if saved is None and chapter_key(chapter) != stem(chapter):
        saved = _read_review(project, project.state_dir / REVIEWS / f"{stem(chapter)}.json", chapter, old_key=True)
    if saved is not None and not is_stale(project, saved):
        return saved
    text = project.read_if_file(chapter)
    return (text is not None and _version_review(project, chapter, content_hash(text))) or saved


def _version_review(project: Project, chapter: str, sha: str) -> Review | None:
    """The review saved beside the version of the chapter whose text has the hash `sha`, if any."""
    for folder in dict.fromkeys(project.state_dir / VERSIONS / name for name in (chapter_key(chapter), stem(chapter))):
        if not project.contains(folder) or not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*_{sha[:8]}.json"), reverse=True):
            review = _read_review(project, path, chapter, old_key=True)
            if review is not None and review.sha256 == sha:
                return review
    return None


def is_stale(project: Project, review: Review) -> bool:
    """Whether the chapter changed (or went) since the review judged it."""
    text = project.read_if_file(review.chapter)
    return text is None or content_hash(text) != review.sha256


def has_reviews(project: Project) -> bool:
    """Whether any chapter of the project has a saved review."""
    folder = project.state_dir / REVIEWS
    return project.contains(folder) and folder.is_dir() and any(folder.rglob("*.json"))


def edited_by_author(project: Project, previous: Review | None, load_state: StateLoader) -> bool:
    """Whether the chapter was changed by hand since `previous` judged it: its text is neither the one
    judged nor the one the agent last wrote. Once set, it holds until a revision replaces the chapter."""
    if previous is None or not is_stale(project, previous):
        return previous is not None and previous.author_edited
    state, _ = load_state(project)
    written = state.file_hashes.get(previous.chapter) if state is not None else None
    return previous.author_edited or written != content_hash(project.read_if_file(previous.chapter) or "")


def hold_writes(timeout: float = 2.0) -> None:
    """Wait for a review or facts being saved, then keep any other from starting (at a signal)."""
    _LOCK.acquire(timeout=timeout)
    ledger.hold_writes(timeout)


def record_review(project: Project, review: Review, load_state: StateLoader, replaced: bool = False) -> None:
    """Save a review of the chapter as it is on disk (marked when the author changed it since the
    last review, unless a revision just `replaced` it), and add its new facts to the ledger."""
    with _LOCK:
        previous = load_review(project, review.chapter)
        review.author_edited = not replaced and edited_by_author(project, previous, load_state)
        save_review(project, review)
        ledger.add_facts(project, [(fact.section, fact.fact) for fact in review.new_facts])


def save_version(project: Project, chapter: str, text: str | bytes, review: Review | None) -> Path:
    """Keep one version of a chapter (its exact bytes, when given bytes) and its review under
    versions/<key>/; returns the text's path."""
    folder = project.state_dir / VERSIONS / chapter_key(chapter)
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    moment = datetime.now().strftime("%Y%m%d_%H%M%S_%f")
    name = f"{moment}_{bytes_hash(data)[:8]}"
    replace_atomically(folder / f"{name}.md", lambda handle: handle.write(data))
    if review is not None:
        atomic_write_text(folder / f"{name}.json", review.model_dump_json(indent=1) + "\n")
    return folder / f"{name}.md"


def _row(review: Review, stale: bool) -> str:
    cells = [f"{review.overall:.1f}" + (" (stale)" if stale else "")]
    cells += [str(review.scores.get(key, "")) for key in SCORE_KEYS]
    return f"| {review.chapter} | " + " | ".join(cells) + " |"


def _top_notes(review: Review, count: int = 3) -> list[str]:
    lines = [f"- \"{note.quote}\": {note.problem} Fix: {note.fix}" for note in review.notes[:count]]
    lines += [f"- Continuity: \"{issue.quote}\" contradicts {issue.contradicts}" for issue in review.continuity_issues]
    return lines


def review_markdown(project: Project, reviews: list[Review]) -> str:
    """review.md: a table of chapters by scores, then each chapter's top notes."""
    header = "| chapter | overall | " + " | ".join(SHORT_KEYS.get(key, key) for key in SCORE_KEYS) + " |"
    lines = [f"# Review of {project.name}", "", header, "|" + " --- |" * (len(SCORE_KEYS) + 2)]
    lines += [_row(review, is_stale(project, review)) for review in reviews]
    for review in reviews:
        notes = _top_notes(review)
        if notes:
            lines += ["", f"## {review.chapter} ({review.overall:.1f})", "", *notes]
    return "\n".join(lines) + "\n"


def refuse_links(project: Project, chapters: list[str] | None = None) -> None:
    """UserError when continuity.md, review.md or one of `chapters` (revise replaces them) is a link or
    is reached through one, which review or revise would otherwise write through."""
    for name in (ledger.LEDGER_FILE, REVIEW_FILE, *(chapters or [])):
        try:
            project.refuse_link(name)
        except PathRefused as error:
            raise UserError(str(error)) from None


def write_review_file(project: Project, chapters: list[str]) -> Path | None:
    """Rewrite review.md from the saved reviews of `chapters` (in that order); None when there are none."""
    reviews = [review for review in (load_review(project, name) for name in chapters) if review is not None]
    if not reviews:
        return None
    path = project.root / REVIEW_FILE
    if path.is_symlink():
        return None  # never written through a link (review and revise refuse one before they start)
    atomic_write_text(path, printable(review_markdown(project, reviews)))  # saved reviews are files anyone may edit
    return path


def summary_file(project: Project) -> tuple[bool, str]:
    """Rewrite review.md from the saved reviews of every chapter: (whether it was written, the sentence
    that says why it could not be, or "")."""
    try:
        return write_review_file(project, [info.name for _, info in chapter_files(project)]) is not None, ""
    except OSError as error:  # a full disk, a read-only folder
        return False, f"{REVIEW_FILE} could not be written in {project.root}: {error.strerror or error}."
