"""The import direction of /work/shared/RESHAPE.md, read from the source with ast (nothing is imported):
no cycles between kimi_writer modules, and no layer imports a layer above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kimi_writer"

# Top to bottom; a module may import its own layer and the layers below. A name stands for the
# module and everything under it (`tools` is tools.py or tools/*). Modules named nowhere (local/*)
# are not held to a layer, but still to "no cycles".
LAYERS = [
    ("entry", {"__main__", "launch", "cli"}),
    ("commands", {"commands", "options", "status"}),  # the typer side, and what only a command shows
    ("loop", {"agent", "turns", "run_end", "display", "recovery"}),
    ("window", {"window", "context", "compression"}),
    ("caller", {"caller", "retry", "api_errors", "writer", "drafting"}),
    ("client", {"client"}),
    ("tools", {"tools"}),
    ("ground", {"", "project", "session", "settings", "prompts", "outline", "manuscript", "errors", "locate", "checks",
                "style", "instructions", "edits", "lock", "tokens", "export", "flags", "setting_errors"}),
    ("messages", {"messages"}),  # the typed conversation: a leaf that session and tokens build on
]

# Edges against RESHAPE's direction that the code still has (see the reshaping's report).
KNOWN_UPWARD = {
    ("tools", "client"),  # tools.py takes ToolCallRequest from the client
    ("tools", "writer"),  # the draft_chapter tool calls the writer model
    ("writer", "context"),  # the writer's brief reuses story_bible and tail_words
}
PRESENTATION = {"cli", "options", "commands"}  # the only modules that import typer


def module_names() -> dict[str, Path]:
    """Every module of the package by its dotted name under kimi_writer ('' for the package itself)."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _imported(node: ast.ImportFrom, package: list[str]) -> list[str]:
    """The dotted names an `from ... import ...` may mean: the module, or its submodule per name."""
    base = package[:len(package) - node.level + 1] if node.level else []
    module = ".".join(base + (node.module.split(".") if node.module else []))
    return [module] + [f"{module}.{alias.name}".lstrip(".") for alias in node.names]


def imports_of(path: Path, name: str, names: dict[str, Path]) -> tuple[set[str], set[str]]:
    """The package's modules that `path` imports (anywhere in it), and the outside top-level packages."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = ["kimi_writer", *package] if name else ["kimi_writer"]
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found = [candidate for candidate in _imported(node, package) if candidate]
            if node.level == 0 and not found[0].startswith("kimi_writer"):
                outside.add(found[0].split(".")[0])
                continue
            inside |= {_short(candidate) for candidate in found if _short(candidate) in names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                target = _short(alias.name)
                inside |= {target} if target in names else set()
                outside |= set() if alias.name.startswith("kimi_writer") else {alias.name.split(".")[0]}
    return inside - {name}, outside


def _short(dotted: str) -> str:
    return dotted.removeprefix("kimi_writer").lstrip(".") if dotted.startswith("kimi_writer") else "?" + dotted


def graph() -> dict[str, set[str]]:
    names = module_names()
    return {name: imports_of(path, name, names)[0] for name, path in names.items()}


def layer(module: str) -> int | None:
    """The layer's index (0 is the top), or None for a module no layer names."""
    for index, (_, members) in enumerate(LAYERS):
        if any(module == member or (member and module.startswith(member + ".")) for member in members):
            return index
    return None


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle, as the modules around it, or [] when there is none."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str]:
        if module in path:
            return path[path.index(module):] + [module]
        if module in done:
            return []
        for target in sorted(edges.get(module, ())):
            found = visit(target, path + [module])
            if found:
                return found
        done.add(module)
        return []

    for module in sorted(edges):
        found = visit(module, [])
        if found:
            return found
    return []


def test_the_graph_is_read_from_the_source():
    edges = graph()
    assert {"commands.write", "options"} <= edges["cli"] and "commands.run" in edges["commands.write"]
    assert {"agent", "", "local"} <= edges["commands.run"] and "cli" in edges["launch"]  # `from .. import local`
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_package_imports_itself_back():
    found = cycle(graph())
    assert not found, "import cycle: " + " -> ".join(found)


def test_no_layer_imports_a_layer_above_it():
    upward = []
    for module, targets in graph().items():
        for target in targets:
            below, above = layer(module), layer(target)
            if below is not None and above is not None and above < below \
                    and (module.split(".")[0], target.split(".")[0]) not in KNOWN_UPWARD:
                upward.append(f"{module} ({LAYERS[below][0]}) imports {target} ({LAYERS[above][0]})")
    assert not upward, "\n".join(sorted(upward))


def test_only_the_entry_point_and_the_app_reach_the_commands():
    top = {module for module in module_names() if layer(module) is not None and layer(module) <= 1}
    reaching = {module for module, targets in graph().items() if targets & top}
    assert {module for module in reaching if module.split(".")[0] not in {"__main__", "launch", "cli", "commands"}} \
        == set()


def test_only_the_command_line_imports_typer():
    names = module_names()
    users = {name for name, path in names.items() if "typer" in imports_of(path, name, names)[1]}
    assert users and all(name.split(".")[0] in PRESENTATION for name in users), sorted(users)
