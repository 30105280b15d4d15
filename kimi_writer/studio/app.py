"""The studio's ASGI app: the routes, the errors as plain answers, and the guard in front."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import api, library, runs_api, views
from .runs import RunRefused, Runs
from .security import Guard

STATIC = Path(__file__).resolve().parent / "static"


def _error(status: int):
    def handle(request: Request, error: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(error)}, status_code=status)
        return views.page("error.html.j2", status_code=status, status=status, message=str(error))
    return handle


ROUTES = [
    Route("/", views.shelf),
    Route("/books/{name}", views.book),
    Route("/books/{name}/ledger", views.ledger),
    Route("/books/{name}/chapters/{file:path}", views.chapter),
    Route("/runs/{run}", views.run),
    Route("/api/books", api.books),
    Route("/api/books/{name}", api.book),
    Route("/api/books/{name}/files/{file:path}", api.read_file, methods=["GET"]),
    Route("/api/books/{name}/files/{file:path}", api.save_file, methods=["PUT"]),
    Route("/api/books/{name}/versions/{file:path}/restore", api.restore, methods=["POST"]),
    Route("/api/books/{name}/versions/{file:path}", api.versions),
    Route("/api/books/{name}/export/{format}", api.download),
    Route("/api/books/{name}/lint", api.lint),
    Route("/api/runs", runs_api.start, methods=["POST"]),
    Route("/api/runs/{run}", runs_api.describe),
    Route("/api/runs/{run}/events", runs_api.events),
    Route("/api/runs/{run}/stop", runs_api.stop, methods=["POST"]),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def create_app(projects_dir: Path, token: str, hosts: set[str], cli: list[str] | None = None) -> Starlette:
    """The studio over the books of `projects_dir`, answering only with `token` at `hosts`;
    `cli` is the command a run starts (the installed CLI by default)."""
    handlers = {library.NotFound: _error(404), library.Conflict: _error(409), library.Locked: _error(423),
                api.BadRequest: _error(400), RunRefused: _error(400)}
    app = Starlette(routes=ROUTES, middleware=[Middleware(Guard, token=token, hosts=hosts)],
                    exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.projects_dir = Path(projects_dir).resolve()
    app.state.runs = Runs(cli)
    return app
