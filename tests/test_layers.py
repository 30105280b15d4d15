"""The layers, read from the folders and the source with ast (nothing is imported): no cycles between
kimi_writer modules, no folder imports a folder above it, and no command imports another."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kimi_writer"

# The layers are the folders, top to bottom: a module may import its own folder and the folders
# below it. At the package root the entry points sit on top, the typer side of the settings
# (options) under the commands, and the settings at the bottom; any other module at the root, or
# a folder not named here, fails `test_every_module_has_a_layer`.
FOLDERS = ["commands", "studio", "demo", "report", "local", "judge", "loop", "model", "export", "guard", "intake",
           "book", "core"]
ROOT_ENTRY = {"__main__", "launch", "cli"}
ROOT_SETTINGS = {"", "settings", "flags", "setting_errors"}
LAYERS = [("entry", ROOT_ENTRY), ("commands", {"commands"}), ("options", {"options"})] \
    + [(folder, {folder}) for folder in FOLDERS[1:]] + [("settings", ROOT_SETTINGS)]
HELPERS = {"commands.run", "commands.arguments"}  # what the commands share: the composition root, the typer pieces
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
    """The layer's index (0 is the top): its folder's, or the root's entry or settings; None if unplaced."""
    folder = module.split(".")[0] if "." in module or (module and (PACKAGE / module).is_dir()) else None
    for index, (_, members) in enumerate(LAYERS):
        if (folder if folder is not None else module) in members and (folder is None or folder in FOLDERS):
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
    assert "options" in edges["cli"] and "commands.run" in edges["commands.write"]  # cli imports a command by name
    assert {"loop.agent", "", "local"} <= edges["commands.run"] and "cli" in edges["launch"]  # `from .. import local`
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
            if below is not None and above is not None and above < below:
                upward.append(f"{module} ({LAYERS[below][0]}) imports {target} ({LAYERS[above][0]})")
    assert not upward, "\n".join(sorted(upward))


def test_every_module_has_a_layer():
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert folders == set(FOLDERS), "folders without a layer: " + ", ".join(sorted(folders ^ set(FOLDERS)))
    unplaced = sorted(module or "kimi_writer" for module in module_names() if layer(module) is None)
    assert not unplaced, "modules without a layer (at the root, or in an unknown folder): " + ", ".join(unplaced)


def test_a_layer_is_read_from_the_folder():
    assert layer("loop.agent") == FOLDERS.index("loop") + 2 and layer("commands") == 1 and layer("options") == 2
    assert layer("settings") == len(LAYERS) - 1 and layer("cli") == 0
    assert layer("agent") is None and layer("nowhere.module") is None


def test_a_command_calls_down_never_sideways():
    sideways = sorted(f"{module} imports {target}" for module, targets in graph().items()
                      if module.startswith("commands.") for target in targets
                      if target.startswith("commands.") and target not in HELPERS and module not in HELPERS)
    assert not sideways, "\n".join(sideways)


def test_every_folder_says_what_it_holds_and_may_import():
    for folder in FOLDERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) <= 12, folder


def test_no_module_grows_past_450_lines():
    long = {module: n for module, path in module_names().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450}
    assert not long, long


def test_only_the_entry_point_and_the_app_reach_the_commands():
    top = {module for module in module_names() if layer(module) is not None and layer(module) <= 1}
    reaching = {module for module, targets in graph().items() if targets & top}
    assert {module for module in reaching if module.split(".")[0] not in {"__main__", "launch", "cli", "commands"}} \
        == set()


def test_only_the_command_line_imports_typer():
    names = module_names()
    users = {name for name, path in names.items() if "typer" in imports_of(path, name, names)[1]}
    assert users and all(name.split(".")[0] in PRESENTATION for name in users), sorted(users)
