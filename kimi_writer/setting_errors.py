"""A bad setting, in the words the user typed: the flag, the environment variable or the .env line."""

from __future__ import annotations

import os
import re

from dotenv import dotenv_values
from pydantic import AliasChoices, ValidationError
from pydantic_settings import SettingsError

from .flags import WRITE_FLAGS
from .settings import Settings

ENV_PREFIX = "KIMI_WRITER_"
DOTENV = ".env"
WHOLE_NUMBER = ("int_parsing", "int_type", "int_from_float", "int_parsing_size")
NUMBER = ("float_parsing", "float_type", "finite_number")
TRUE_OR_FALSE = ("bool_parsing", "bool_type")
BOUNDS = {"greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than"),
          "less_than_equal": ("le", "at most"), "less_than": ("lt", "less than")}


FLAG_NAMES = {"json_output": "--json"}  # settings whose flag is not their field's name


def flag_name(field: str) -> str:
    """The command-line flag of a setting: max_iterations -> --max-iterations, continue_ -> --continue."""
    return FLAG_NAMES.get(field) or "--" + field.rstrip("_").replace("_", "-")


def env_names(field: str) -> list[str]:
    """The environment variables a setting is read from, the preferred one first."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [ENV_PREFIX + field.upper()]


def _set_in_environment(name: str) -> bool:
    return any(key.upper() == name and value for key, value in os.environ.items())


def source_name(field: str, flags: set[str]) -> str:
    """Where the value of `field` came from: its flag, its variable, the .env file, or (a
    default) its flag's name."""
    if field in flags:
        return flag_name(field)
    names = env_names(field)
    for name in names:
        if _set_in_environment(name):
            return name
    in_file = {key.upper() for key, value in dotenv_values(DOTENV).items() if value}
    for name in names:
        if name in in_file:
            return f"{name} in {DOTENV}"
    return flag_name(field) if field in _FLAG_FIELDS else names[0]


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _shown(value: object) -> str:
    """What the user gave: numbers as they are, any other text in quotes."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f'"{value}"'
        return value
    return _number(value)


def _requirement(error: dict) -> str:
    """What the value must be, in plain English."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind in BOUNDS:
        key, words = BOUNDS[kind]
        return f"must be {words} {_number(context[key])}"
    if kind in WHOLE_NUMBER:
        return "must be a whole number"
    if kind in NUMBER:
        return "must be a number"
    if kind in TRUE_OR_FALSE:
        return "must be true or false"
    if kind == "literal_error":
        return f"must be {context['expected']}"
    if kind == "missing":
        return "is missing"
    if kind == "language_tag":
        return error["msg"]
    if kind == "url_invalid":
        return error["msg"]
    return "is not valid: " + error["msg"][:1].lower() + error["msg"][1:]


def _field(location: tuple) -> str | None:
    """The settings field an error's location starts with (a field name or one of its aliases)."""
    if not location:
        return None
    for field in Settings.model_fields:
        if location[0] == field or location[0] in env_names(field):
            return field
    return None


def describe(error: dict, flags: set[str]) -> str:
    """One pydantic error as a sentence that names the flag, variable or .env line."""
    if error["type"] == "compress_over_limit":
        context = error["ctx"]
        return (f"{source_name('compress_at', flags)} ({_number(context['compress_at'])}) must not exceed "
                f"{source_name('token_limit', flags)} ({_number(context['token_limit'])})")
    location = tuple(error["loc"])
    field = _field(location)
    if field is None:
        return "invalid setting: " + error["msg"]
    where = source_name(field, flags)
    inner = ".".join(map(str, location[1:]))
    name = f"{where} ({inner})" if inner else where
    got = f" (got {_shown(error['input'])})" if error["type"] != "missing" else ""
    return f"{name} {_requirement(error)}{got}"


def option_error(option: str, error: dict) -> str | None:
    """A command's own option (not a setting) refused as a number, as the settings' sentences read:
    "--rounds must be at least 1 (got 0)"; None for any other refusal (typer's sentence stands)."""
    if error["type"] not in (*BOUNDS, *WHOLE_NUMBER, *NUMBER):
        return None
    return f"{option} {_requirement(error)} (got {_shown(error['input'])})"


def explain(error: ValidationError | SettingsError, flags: set[str]) -> str:
    """The first problem of a failed Settings(), as one sentence."""
    if isinstance(error, SettingsError):
        found = re.search(r'field "(\w+)"', str(error))
        field = found.group(1) if found else None
        where = source_name(field, flags) if field in Settings.model_fields else "a setting"
        return f"{where} is not valid JSON ({error.__cause__ or error})"
    return describe(error.errors()[0], flags)


# Settings that have a flag on `write`, so a default value is named by its flag.
_FLAG_FIELDS = set(WRITE_FLAGS)
