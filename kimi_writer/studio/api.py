"""The JSON API (stable: the pages use it, and so can scripts)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..book.manuscript import load_manuscript
from ..book.outline import OUTLINE_FILE
from ..core.errors import UserError
from ..export.formats import Format, default_output, export
from . import library, lint_cache
from .adapters import book_status

MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "epub": "application/epub+zip",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _book(request: Request):
    return library.open_book(request.app.state.projects_dir, request.path_params["name"])


async def _body(request: Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object")
    return body


class BadRequest(Exception):
    """A request the studio cannot act on (400); the message says why."""


def books(request: Request) -> JSONResponse:
    folder = request.app.state.projects_dir
    return JSONResponse([book_status(library.open_book(folder, name)) for name in library.book_names(folder)])


def book(request: Request) -> JSONResponse:
    project = _book(request)
    return JSONResponse({**book_status(project), "outline": library.read_text(project, OUTLINE_FILE)["text"]})


def read_file(request: Request) -> JSONResponse:
    return JSONResponse(library.read_text(_book(request), request.path_params["file"]))


async def save_file(request: Request) -> JSONResponse:
    body = await _body(request)
    text, base = body.get("text"), body.get("base_sha256")
    if not isinstance(text, str) or not isinstance(base, str):
        raise BadRequest('send {"text": ..., "base_sha256": ...}')
    saved = await run_in_threadpool(library.save_text, _book(request), request.path_params["file"], text, base)
    return JSONResponse(saved)


def versions(request: Request) -> JSONResponse:
    return JSONResponse(library.versions(_book(request), request.path_params["file"]))


async def restore(request: Request) -> JSONResponse:
    version = (await _body(request)).get("version")
    if not isinstance(version, str):
        raise BadRequest('send {"version": ...}')
    return JSONResponse(await run_in_threadpool(library.restore, _book(request), request.path_params["file"], version))


def _exported(project, fmt: Format) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = default_output(Path(folder), fmt)
        export(load_manuscript(project), fmt, path)
        return path.read_bytes()


async def download(request: Request) -> Response:
    project = _book(request)
    try:
        fmt = Format(request.path_params["format"])
    except ValueError:
        raise library.NotFound("formats: md, html, epub, docx") from None
    try:
        data = await run_in_threadpool(_exported, project, fmt)
    except UserError as error:
        raise BadRequest(str(error)) from None
    name = f"{project.name}.{fmt.value}"
    return Response(data, media_type=MEDIA[fmt.value], headers={"content-disposition": f'attachment; filename="{name}"'})


async def lint(request: Request) -> JSONResponse:
    """The number of lint findings per chapter file (the book page fetches it after loading)."""
    return JSONResponse(await run_in_threadpool(lint_cache.counts, _book(request)))
