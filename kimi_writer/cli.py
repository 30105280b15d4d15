"""The `kimi-writer` command line: the typer app and its subcommands (kimi_writer/commands/).

A subcommand's module is imported only when that command runs (or when --help lists them all):
`kimi-writer status` or `review --mechanical-only` never load the model client they do not use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module

import typer
from typer.core import TyperGroup
from typer.main import get_command

from .options import Command, VersionOption, without_flag_types

# name: (module in kimi_writer/commands/, function), in the order --help lists them
COMMANDS = {
    "write": ("write", "write"),
    "draft": ("draft", "draft"),
    "export": ("export", "export_command"),
    "lint": ("lint", "lint_command"),
    "status": ("status", "status_command"),
    "list": ("books", "list_command"),
    "outline": ("outline", "outline_command"),
    "review": ("review", "review_command"),
    "revise": ("revise", "revise_command"),
    "demo": ("demo", "demo_command"),
    "doctor": ("doctor", "doctor_command"),
    "import": ("import_", "import_command"),
    "studio": ("studio", "studio_command"),
}


def load_command(name: str) -> typer.core.TyperCommand:
    """The click command `name`, built from its module's function (imported now)."""
    module, function = COMMANDS[name]
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name, cls=Command)(getattr(import_module(f".commands.{module}", __package__), function))
    command = get_command(single)
    command.name = name
    return command


class LazyCommands(Mapping[str, typer.core.TyperCommand]):
    """The subcommands by name, each built the first time it is looked up."""

    def __init__(self) -> None:
        self.loaded: dict[str, typer.core.TyperCommand] = {}

    def __getitem__(self, name: str) -> typer.core.TyperCommand:
        if name not in self.loaded:
            self.loaded[name] = load_command(name)
        return self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)

    def get(self, name: str, default: object = None) -> object:
        return self[name] if name in COMMANDS else default


class LazyGroup(TyperGroup):
    """typer's group over LazyCommands (its suggestions for a misspelt command still see every name)."""

    def __init__(self, **attrs: object) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()

    def get_params(self, ctx: typer.Context) -> list:
        """--version and --help shown without `<bool>`, as every command's flags are."""
        return without_flag_types(super().get_params(ctx))


app = typer.Typer(
    cls=LazyGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Write long-form fiction from one prompt with a thinking model.",
)


@app.callback()
def root(version: VersionOption = False) -> None:
    """kimi-writer: one prompt in, a book on disk."""
