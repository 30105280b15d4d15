"""The pages: the bookshelf, a book, a chapter, the ledger and a run, rendered on the server."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..book.ledger import LEDGER_FILE
from ..book.outline import OUTLINE_FILE
from ..guard.checks import check_chapter
from ..guard.style import banned_phrases
from ..book.outline import chapter_number, chapter_target
from ..judge.rubric import SCORE_KEYS
from ..judge.reviews import is_stale, load_review
from ..settings import Settings
from . import library, lint_cache
from .adapters import book_status
from .follow import last_run
from .render import Mark, bar_chart, chapter_page_html

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)


def page(template: str, status_code: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(_environment().get_template(template).render(key_set=key_is_set(), **context),
                        status_code=status_code)


def key_is_set() -> bool:
    """Whether the runs the studio starts will have an API key (never the key itself)."""
    try:
        return Settings().api_key is not None
    except Exception:  # an invalid setting elsewhere: the run itself will say so
        return False


def shelf(request: Request) -> HTMLResponse:
    folder = request.app.state.projects_dir
    books = [_with_watch(library.open_book(folder, name)) for name in library.book_names(folder)]
    return page("shelf.html.j2", books=books, projects_dir=str(folder))


def _with_watch(project) -> dict:
    """The book's status, and while a run holds it, the id of that run (to watch it live)."""
    status = book_status(project)
    return {**status, "watch": last_run(project) if status["running"] else None}


def book(request: Request) -> HTMLResponse:
    project = library.open_book(request.app.state.projects_dir, request.path_params["name"])
    status = _with_watch(project)
    outline = library.read_text(project, OUTLINE_FILE)
    parts = status["written_list"]
    words = bar_chart("Words per part against target",
                      [(part["file"], part["words"], part["target"]) for part in parts])
    scores = bar_chart("Score per part", [(part["file"], part["score"], None) for part in parts], top=10)
    return page("book.html.j2", book=status, outline=outline, lint=lint_cache.cached(project),
                words_chart=Markup(words), scores_chart=Markup(scores))


def chapter(request: Request) -> HTMLResponse:
    project = library.open_book(request.app.state.projects_dir, request.path_params["name"])
    name = library.editable(project, request.path_params["file"])
    if name in (OUTLINE_FILE, LEDGER_FILE):
        raise library.NotFound(name)
    current = library.read_text(project, name)
    review = load_review(project, name)
    findings = check_chapter(name, current["text"], banned_phrases(project), chapter_target(project, name)).findings
    marks = [Mark(note.quote, "note", index) for index, note in enumerate(review.notes if review else [])]
    marks += [Mark(finding.quote, "lint", index) for index, finding in enumerate(findings)]
    title, html = chapter_page_html(project, name, marks)
    return page("chapter.html.j2", book=project.name, file=name, title=title, html=Markup(html), current=current,
                review=review, stale=review is not None and is_stale(project, review), score_keys=SCORE_KEYS,
                findings=findings, versions=library.versions(project, name),
                number=chapter_number(name))


def ledger(request: Request) -> HTMLResponse:
    project = library.open_book(request.app.state.projects_dir, request.path_params["name"])
    return page("ledger.html.j2", book=project.name, current=library.read_text(project, LEDGER_FILE))


def run(request: Request) -> HTMLResponse:
    return page("run.html.j2", run=request.path_params["run"])
