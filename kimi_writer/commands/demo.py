"""`kimi-writer demo`: a scripted model on 127.0.0.1 to try every command with no key, until Ctrl+C."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ..demo.serve import DEFAULT_DELAY, DEFAULT_PORT, DEMO_KEY, start_demo
from ..options import fail


def demo_command(
    delay: Annotated[float, typer.Option(min=0.0, help="Seconds between streamed chunks; 0.2 to watch.")] = DEFAULT_DELAY,
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port on 127.0.0.1.")] = DEFAULT_PORT,
) -> None:
    """Serve a scripted model (planner, critic, reviser) for trying kimi-writer with no key; Ctrl+C stops it."""
    try:
        server = start_demo(port, delay)
    except OSError as error:
        raise fail(f"port {port} on 127.0.0.1 is not free ({error.strerror}); pick another with --port") from None
    for line in _instructions(server.base_url):
        typer.echo(line)
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        typer.echo("Demo model stopped.")
    finally:
        server.stop(timeout=1)


def _instructions(base_url: str) -> list[str]:
    return [f"Demo model ready at {base_url} (Ctrl+C stops it). In another shell:",
            "  . .venv/bin/activate",
            f"  export KIMI_WRITER_BASE_URL={base_url} KIMI_WRITER_API_KEY={DEMO_KEY}",
            '  kimi-writer write "A 3-chapter Victorian mystery"']
