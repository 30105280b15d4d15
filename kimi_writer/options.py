"""How the commands present themselves: flags declared from the settings, --help, --version, usage errors."""

from __future__ import annotations

import inspect
from types import UnionType
from typing import Annotated, Any, Callable, Literal, Optional, TypeVar, Union, get_args, get_origin

import typer
from pydantic import TypeAdapter, ValidationError
from pydantic_settings import SettingsError
from typer.core import TyperCommand

from . import __version__
from .core.errors import ExitCode, UserError
from .setting_errors import describe, env_names, explain, flag_name, option_error
from .settings import Settings

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., None])
FlagTable = dict[str, str | tuple[str, str] | None]  # field: help, or (help, default as shown); None: OWN
OWN = None  # in a flag table: the command's own parameter of that name stands here

UsageError = typer.BadParameter.__base__  # click's UsageError, vendored by typer or not

# How a default reads in --help where the settings' own default does not say it well.
DEFAULT_TEXT = {
    "projects_dir": "./projects",
    "compress_at": "90% of the token limit",
    "chapter_words": "from the outline",
    "language": "detected from the prompt",
    "provider": "remote; local when no API key is set and the local extra is installed",
    "model_path": "the bundled SmolLM2",
    "writer_base_url": "the --base-url",
}


def default_text(field: str) -> str:
    """A setting's default as --help and the README show it."""
    if field in DEFAULT_TEXT:
        return DEFAULT_TEXT[field]
    value = Settings.model_fields[field].default
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return f"{value:,}"
    return "none" if value is None else str(value)


def setting(field: str, help: str, default: str | None = None) -> Any:
    """The flag of a settings field; its help names the environment variable and the default.
    The variable itself is read by the settings, not by typer, so precedence and checks are one."""
    variables = " or ".join(env_names(field))
    shown = default if default is not None else default_text(field)
    return typer.Option(flag_name(field), help=f"{help} \\[env var: {variables}] \\[default: {shown}]",
                        show_default=False)


def _flag_type(field: str) -> type:
    """What typer parses a setting's flag as: the field's type without None; a choice as text."""
    annotation = Settings.model_fields[field].annotation
    if get_origin(annotation) in (Union, UnionType):
        annotation = next(kind for kind in get_args(annotation) if kind is not type(None))
    return str if get_origin(annotation) is Literal else annotation


def _flag_parameter(field: str, spec: str | tuple[str, str]) -> inspect.Parameter:
    """The command parameter of a setting's flag: a plain flag (off) for a yes/no setting, else a
    value that is None when the flag is not given."""
    help, default = (spec, None) if isinstance(spec, str) else spec
    kind = _flag_type(field)
    annotation = Annotated[kind if kind is bool else Optional[kind], setting(field, help, default)]
    return inspect.Parameter(field, inspect.Parameter.KEYWORD_ONLY, default=False if kind is bool else None,
                             annotation=annotation)


def setting_flags(flags: FlagTable) -> Callable[[CommandFunction], CommandFunction]:
    """Give a command one flag per setting in `flags`, after its own parameters (or where `flags` names
    one with OWN); the command receives them in its **keyword arguments, by field name."""
    def declare(command: CommandFunction) -> CommandFunction:
        own = {name: param.replace(kind=inspect.Parameter.KEYWORD_ONLY)
               for name, param in inspect.signature(command, eval_str=True).parameters.items()
               if param.kind is not inspect.Parameter.VAR_KEYWORD}
        placed = [own.pop(name) if spec is OWN else _flag_parameter(name, spec) for name, spec in flags.items()]
        command.__signature__ = inspect.Signature([*own.values(), *placed])  # type: ignore[attr-defined]
        return command
    return declare


def load_settings(**flags: object) -> Settings:
    """Defaults < environment and .env < flags (None, or False for a plain flag, means: not given)."""
    overrides = {name: value for name, value in flags.items() if value is not None and value is not False}
    try:
        return Settings(**overrides)
    except (ValidationError, SettingsError) as error:
        raise UserError(explain(error, set(overrides))) from error


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> typer.Exit:
    """A user's mistake: one line on stderr, and the exit to raise (2 unless told)."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(int(code))


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kimi-writer {__version__}")
        raise typer.Exit()


VersionOption = Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                             callback=_print_version)]


def _raw_value(args: list[str], opts: list[str]) -> str | None:
    """The text given after an option on the command line (`--x 3` or `--x=3`)."""
    for index, arg in enumerate(args):
        for opt in opts:
            if arg == opt and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(opt + "="):
                return arg.split("=", 1)[1]
    return None


def flag_value_error(field: str, raw: str) -> str | None:
    """The sentence for a flag value the setting would refuse, or None if it would accept it."""
    info = Settings.model_fields[field]
    annotation = info.annotation if not info.metadata else Annotated[(info.annotation, *info.metadata)]
    try:
        TypeAdapter(annotation).validate_python(raw)
    except ValidationError as error:
        first = error.errors()[0]
        return describe({**first, "loc": (field, *first["loc"])}, {field})
    return None


def _sentence(error: typer.BadParameter, args: list[str]) -> str | None:
    param = error.param
    field = getattr(param, "name", None)
    if param is not None and field not in Settings.model_fields and isinstance(error.__cause__, ValidationError):
        return option_error(param.opts[0], error.__cause__.errors()[0])  # a command's own --rounds, --port
    if field not in Settings.model_fields or param is None:
        return None
    raw = _raw_value(args, list(param.opts))
    return flag_value_error(field, raw) if raw is not None else None


def without_flag_types(params: list) -> list:
    """The params, each plain flag set to show no `<bool>` in --help."""
    for param in params:
        if getattr(param, "is_flag", False):
            param.display_type_rich = lambda ctx: None
    return params


class Command(TyperCommand):
    """A command whose plain flags show no `<bool>` in --help, and whose bad flag values are
    one plain sentence naming the flag."""

    def get_params(self, ctx: typer.Context) -> list:
        return without_flag_types(super().get_params(ctx))

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except UsageError as error:
            if type(error).__name__ == "NoArgsIsHelpError":
                raise
            sentence = _sentence(error, given) if isinstance(error, typer.BadParameter) else None
            typer.echo(f"Error: {sentence or _usage_sentence(error, ctx)}", err=True)
            raise typer.Exit(2) from None


def _usage_sentence(error: Exception, ctx: typer.Context) -> str:
    """Any other usage mistake (an unknown option, a missing argument) as one line."""
    message = error.format_message().replace("Value error, ", "").rstrip(".")
    return f"{message[:1].lower()}{message[1:]}; see {ctx.command_path} --help"
