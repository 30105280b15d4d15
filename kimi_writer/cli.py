"""The `kimi-writer` command line: the typer app and its subcommands (kimi_writer/commands/)."""

from __future__ import annotations

import typer

from .commands import books, demo, doctor, draft, export, import_, lint, outline, review, revise, status, studio, write
from .options import Command, VersionOption

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Write long-form fiction from one prompt with a thinking model.",
)


@app.callback()
def root(version: VersionOption = False) -> None:
    """kimi-writer: one prompt in, a book on disk."""


app.command(cls=Command)(write.write)
app.command(cls=Command)(draft.draft)
app.command("export", cls=Command)(export.export_command)
app.command("lint", cls=Command)(lint.lint_command)
app.command("status", cls=Command)(status.status_command)
app.command("list", cls=Command)(books.list_command)
app.command("outline", cls=Command)(outline.outline_command)
app.command("review", cls=Command)(review.review_command)
app.command("revise", cls=Command)(revise.revise_command)
app.command("demo", cls=Command)(demo.demo_command)
app.command("doctor", cls=Command)(doctor.doctor_command)
app.command("import", cls=Command)(import_.import_command)
app.command("studio", cls=Command)(studio.studio_command)
