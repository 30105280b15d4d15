"""Runs from the page or a script: start one, follow its events (server-sent), stop it."""

from __future__ import annotations

import os
import signal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from . import library
from .adapters import running
from .api import _body
from .follow import find_run, from_child, from_file, server_sent
from .runs import COMMANDS, RunRefused, command_args


async def start(request: Request) -> JSONResponse:
    """{"command": "write", "prompt", "options"} or {"command": "recover"/"review"/"revise", "book", "options"}."""
    body = await _body(request)
    command, folder = body.get("command"), request.app.state.projects_dir
    if command not in COMMANDS:
        raise RunRefused("command is one of: write, recover, review, revise")
    project = None if command == "write" else library.open_book(folder, str(body.get("book", "")))
    if project is not None and running(project) is not None:
        raise library.Locked(f"a run is already working on {project.name}")
    prompt = body.get("prompt") if isinstance(body.get("prompt"), str) else ""
    args = command_args(command, project.root if project else None, prompt, folder, body.get("options") or {})
    run = await run_in_threadpool(request.app.state.runs.start, command, project.name if project else None, args)
    return JSONResponse({"run": run.id, "book": run.book})


def _book_of(request: Request, run_id: str) -> str | None:
    run = request.app.state.runs.get(run_id)
    if run is not None and run.book is None:
        found = find_run(request.app.state.projects_dir, run_id)
        run.book = found[0].name if found else None
    return run.book if run is not None else None


def describe(request: Request) -> JSONResponse:
    """{run, command, book, running, exit_code} of a run this studio started or a book holds."""
    run_id = request.path_params["run"]
    run = request.app.state.runs.get(run_id)
    if run is None:
        found = find_run(request.app.state.projects_dir, run_id)
        if found is None:
            raise library.NotFound(f"there is no run {run_id}")
        return JSONResponse({"run": run_id, "command": None, "book": found[0].name,
                             "running": running(found[0]) is not None, "exit_code": None})
    return JSONResponse({"run": run_id, "command": run.command, "book": _book_of(request, run_id),
                         "running": run.process.poll() is None, "exit_code": run.process.poll()})


def events(request: Request) -> StreamingResponse:
    run_id = request.path_params["run"]
    run = request.app.state.runs.get(run_id)
    if run is not None:
        source = from_child(run)
    else:
        found = find_run(request.app.state.projects_dir, run_id)
        if found is None:
            raise library.NotFound(f"there is no run {run_id}")
        source = from_file(found[0], found[1], run_id)
    last = request.headers.get("last-event-id", "")
    return StreamingResponse(server_sent(source, int(last) if last.isdigit() else -1), media_type="text/event-stream",
                             headers={"x-accel-buffering": "no"})


def stop(request: Request) -> JSONResponse:
    """SIGTERM to the run: the studio's own child, or the process that holds the run's book."""
    run_id = request.path_params["run"]
    run = request.app.state.runs.get(run_id)
    if run is not None:
        return JSONResponse({"run": run_id, "stopped": request.app.state.runs.stop(run)})
    found = find_run(request.app.state.projects_dir, run_id)
    holder = running(found[0]) if found else None
    if found is None:
        raise library.NotFound(f"there is no run {run_id}")
    if holder is not None:
        os.kill(holder["pid"], signal.SIGTERM)
    return JSONResponse({"run": run_id, "stopped": holder is not None})
