"""Commands that work on a finished or unfinished manuscript (export, lint)."""

from __future__ import annotations

import typer


def register_book_commands(app: typer.Typer) -> None:
    """Add the manuscript commands to the `kimi-writer` app."""
