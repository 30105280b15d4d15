"""`kimi-writer studio`: the books in a browser, and the runs live (kimi_writer/studio)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..core.errors import Interrupted, UserError
from ..options import fail, load_settings
from .arguments import ProjectsDirOption


def studio_command(
    projects_dir: ProjectsDirOption = None,
    host: Annotated[str, typer.Option("--host", help="The address to listen on; any other than 127.0.0.1 "
                                      "opens the studio to other machines.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The port (0: a free one).")] = 4567,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the browser.")] = False,
) -> None:
    """Open the studio: every book of the projects folder in the browser, and runs started and followed live."""
    from ..studio.server import serve  # imported here: starlette and uvicorn load only for the studio

    try:
        folder = load_settings(projects_dir=projects_dir).projects_dir
    except UserError as error:
        raise fail(str(error)) from None
    try:
        serve(folder, host, port, not no_browser)
    except OSError as error:
        raise fail(f"cannot listen on {host}:{port}: {error.strerror or error}; pick another --port.") from None
    except (KeyboardInterrupt, Interrupted):
        typer.echo("Studio stopped.")
