"""`kimi-writer doctor`: one line per check of what a run needs, the fix of each that fails."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..core.errors import UserError
from ..options import load_settings
from ..report import doctor
from ..report.doctor import FAIL, NOTE, OK, Check
from ..settings import Settings
from .run import use_local_model

MARKS = {OK: "ok  ", FAIL: "FAIL", NOTE: "note"}


def doctor_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Check what a run needs (Python, keys, server, model, folders, extras) and how to fix what fails."""
    checks = run_checks()
    if as_json:
        typer.echo(json.dumps({"ok": not doctor.failed(checks), "checks": [c.as_dict() for c in checks]}, indent=2))
    else:
        for check in checks:
            typer.echo(f"{MARKS[check.status]}  {check.message}" + (f"\n      fix: {check.fix}" if check.fix else ""))
        typer.echo("Something a run needs has failed: see the fix above." if doctor.failed(checks)
                   else "All checks passed.")
    raise typer.Exit(1 if doctor.failed(checks) else 0)


def run_checks() -> list[Check]:
    """Every check, in the order a run meets them."""
    checks = [doctor.python_check()]
    try:
        settings = load_settings()
    except UserError as error:
        return checks + [Check("settings", FAIL, str(error), "fix the setting named"),
                         doctor.keys_check(doctor.keys_set(), False, None)] + doctor.extras_checks()
    return checks + _configured(settings) + doctor.extras_checks()


def _configured(settings: Settings) -> list[Check]:
    """The checks that depend on the settings: a remote run needs the server, a local one the model."""
    try:
        local_run, problem = use_local_model(settings), None
    except UserError as error:
        local_run, problem = False, str(error)
    checks = [doctor.keys_check(doctor.keys_set(), local_run, problem)]
    if local_run:
        checks.append(Check("server", NOTE, f"base URL {settings.base_url}: not used (the local model runs)"))
    elif settings.api_key is None or not settings.api_key.get_secret_value().strip():
        checks.append(Check("server", NOTE, f"base URL {settings.base_url}: not checked until an API key is set"))
    else:
        checks += doctor.server_checks(settings, settings.api_key.get_secret_value().strip())
    return checks + [doctor.projects_check(settings.projects_dir), doctor.local_model_check(local_run)]
