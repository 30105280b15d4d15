"""Every text the model reads is a Jinja template in prompts/, rendered with StrictUndefined."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # kimi_writer/
# Inside a wheel the templates live in kimi_writer/prompts; in a checkout, in ../prompts.
_SEARCH_PATH = [p for p in (_PACKAGE_DIR / "prompts", _PACKAGE_DIR.parent / "prompts") if p.is_dir()]


@dataclass(frozen=True)
class Markers:
    """The words that open the agent's own notes. The templates print them (`{{ markers.resumed }}`);
    the local model, which sees only text, finds the notes by them; and session.py reads them once,
    to give the messages of an old session their kinds. Nothing else may look for them."""

    book_context: str = "[Book context]"
    book_memory: str = "[Book memory]"
    resumed: str = "[Resumed]"
    context_summary: str = "[Context summary]"
    write_stub: str = "["  # a landed write's text, replaced by a bracketed stub


MARKERS = Markers()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    if not _SEARCH_PATH:
        raise RuntimeError("kimi-writer's prompt templates are missing; reinstall the package")
    environment = Environment(
        loader=FileSystemLoader(_SEARCH_PATH),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    environment.globals["markers"] = MARKERS
    return environment


def render(template_name: str, **variables: object) -> str:
    """Render prompts/<template_name>; a missing variable raises instead of rendering blank."""
    return _environment().get_template(template_name).render(**variables).strip()
