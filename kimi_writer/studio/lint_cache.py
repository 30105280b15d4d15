"""The lint findings of a book's chapters (guard.checks.check_project), kept until a chapter
changes. On a 120-chapter book they take seconds, so the book page fetches them after it has
loaded, and they are computed in a child process: the studio's own process keeps streaming
events meanwhile, and its memory stays small."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from ..book.project import Project
from ..core.errors import UserError
from ..guard.checks import check_project

_cache: dict[Path, tuple[tuple, dict[str, int]]] = {}
_lock = threading.Lock()
LINT_TIMEOUT = 600


def _signature(project: Project) -> tuple:
    """What the findings depend on: every manuscript file's name, size and change time."""
    return tuple((info.name, info.size, (project.root / info.name).stat().st_mtime_ns) for info in project.files())


def cached(project: Project) -> dict[str, int] | None:
    """The findings per chapter if they are known for the chapters as they are now, else None."""
    with _lock:
        found = _cache.get(project.root)
    return found[1] if found is not None and found[0] == _signature(project) else None


def counts(project: Project) -> dict[str, int]:
    """The number of findings per chapter file (computed now when not cached)."""
    signature = _signature(project)
    known = cached(project)
    if known is not None:
        return known
    child = subprocess.run([sys.executable, "-c", "from kimi_writer.studio.lint_cache import main; main()",
                            str(project.root)], capture_output=True, text=True, timeout=LINT_TIMEOUT)
    try:
        found = {str(name): int(count) for name, count in json.loads(child.stdout).items()}
    except (ValueError, AttributeError, TypeError):
        return {}  # the checks failed: nothing is shown, and nothing is kept
    with _lock:
        _cache[project.root] = (signature, found)
    return found


def findings(root: Path) -> dict[str, int]:
    """The findings per chapter of the book in `root` ({} when it has no chapters)."""
    try:
        return {report.name: len(report.findings) for report in check_project(Project(root))}
    except UserError:
        return {}


def main() -> None:
    """In the child: the findings of the book named on the command line, as JSON on stdout."""
    print(json.dumps(findings(Path(sys.argv[1]))))
