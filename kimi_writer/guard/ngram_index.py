"""The checks of a few chapters of a long book, without checking the whole book: the cross-chapter
check only needs each other chapter's distinctive phrases, which are kept in an index
(`.kimi_writer/ngrams/<hash of the chapter's text>.txt`, one phrase a line) and computed again only
for a chapter whose text changed."""

from __future__ import annotations

from pathlib import Path

from ..book.edits import content_hash
from ..book.language import book_language
from ..book.manuscript import reading_order
from ..book.outline import chapter_target
from ..book.project import Project, atomic_write_text
from .checks import ChapterChecks, _detect, _verdict
from .detect import _distinctive, _recurring_in, distinctive_grams
from .language import checked_as
from .style import banned_phrases, project_phrases

INDEX = "ngrams"
_JOIN = "\x1f"  # between the words of a phrase (never in a word)


def _phrases(text: str) -> set[str]:
    return {_JOIN.join(gram) for gram in distinctive_grams(text)}


def _entry(project: Project, text: str) -> Path:
    return project.state_dir / INDEX / f"{content_hash(text)}.txt"


def indexed_phrases(project: Project, text: str) -> set[str]:
    """The chapter's distinctive phrases, from the index when it has them (saved there when it can)."""
    path = _entry(project, text)
    if project.contains(path) and path.is_file():
        try:
            return set(path.read_text(encoding="utf-8").split("\n")) - {""}
        except (OSError, UnicodeDecodeError):
            pass
    found = _phrases(text)
    try:
        if project.contains(project.state_dir):
            atomic_write_text(path, "\n".join(sorted(found)) + "\n")
    except OSError:  # a read-only folder: checked all the same, only not kept
        pass
    return found


def check_chosen(project: Project, names: list[str], chapter_words: int | None = None) -> list[ChapterChecks]:
    """check_project's reports of the chapters `names` only, in book order: the same findings, the
    recurring phrases included, with the other chapters' phrases read from the index."""
    book = [(info.name, project.read_if_file(info.name) or "") for info, _ in reading_order(project)[1]]
    phrases, own, chosen = banned_phrases(project), frozenset(project_phrases(project)), set(names)
    language = checked_as(book_language(project))  # Chinese and Japanese by characters, with no recurring phrases
    found = [_detect(name, text, phrases, chapter_target(project, name, chapter_words), language, own)
             for name, text in book if name in chosen]
    mine = {raw.report.name: _distinctive(raw.tokens, raw.grams) for raw in found}
    chapters_of = _chapters_of(project, book, mine)
    return [_verdict(raw, _recurring_in(raw.tokens, mine[raw.report.name], chapters_of, raw.report.name), False,
                     len(book)) for raw in found]


def _chapters_of(project: Project, book: list[tuple[str, str]], mine: dict[str, dict]) -> dict:
    """Each distinctive phrase of the chosen chapters (`mine`), with the chapters of the book it is in;
    the index keeps only the entries of the chapters as they are now."""
    joined = {_JOIN.join(gram): gram for grams in mine.values() for gram in grams}
    chapters_of: dict[tuple[str, ...], list[str]] = {gram: [] for gram in joined.values()}
    if not joined:  # nothing to look for (a Chinese book: no recurring phrases)
        return chapters_of
    for name, text in book:
        keys = {_JOIN.join(gram) for gram in mine[name]} if name in mine else indexed_phrases(project, text)
        for key in joined.keys() & keys:
            chapters_of[joined[key]].append(name)
    _prune(project, {_entry(project, text).name for _, text in book})  # the chosen chapters' entries stay too
    return chapters_of


def _prune(project: Project, current: set[str]) -> None:
    """Remove the index entries of texts no chapter has any more (a chapter rewritten, or gone)."""
    folder = project.state_dir / INDEX
    if folder.is_symlink() or not project.contains(folder):
        return  # never through a link
    try:
        stale = [entry for entry in folder.iterdir() if entry.name not in current and entry.suffix == ".txt"]
        for entry in stale:
            entry.unlink()
    except OSError:  # no index yet, or a read-only folder
        pass
