"""The bot's import graph, read from the code with ``ast`` (every import, also inside
functions and under TYPE_CHECKING), and the rules it must keep: layers that
import one way, Slack only where Slack belongs, no cycle, a short root of ``bot/``."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

# The bot's own top-level packages.
PACKAGES = ("bot", "handlers", "jobs", "local_slack")
# The most modules that may sit directly under bot/ (``__init__`` counts).
MAX_ROOT_MODULES = 6
# The layers, from the bottom; each module belongs to exactly one (``layer_of``).
BASE, DOMAIN, SLACK, APP, ENTRY, STAND_IN = "base", "domain", "slack", "app", "entry", "stand-in"
# bot's bottom layer: what every domain stands on.
BASE_PACKAGES = ("bot.settings", "bot.stores", "bot.i18n", "bot.upstream")
BASE_MODULES = ("bot", "bot.errors")
# Which layers each layer may import (its own included). The process (app) registers the
# handlers and jobs it serves, and starts the Slack stand-in in local mode.
MAY_IMPORT: dict[str, frozenset[str]] = {
    BASE: frozenset({BASE}),
    DOMAIN: frozenset({BASE, DOMAIN}),
    SLACK: frozenset({BASE, DOMAIN, SLACK}),
    APP: frozenset({BASE, DOMAIN, SLACK, APP, ENTRY, STAND_IN}),
    ENTRY: frozenset({BASE, DOMAIN, SLACK, APP, ENTRY}),
    STAND_IN: frozenset({BASE, DOMAIN, SLACK, STAND_IN}),
}
# Outside libraries only some layers may import.
SLACK_LIBRARIES = ("slack_sdk", "slack_bolt")
LIBRARIES_ALLOWED_IN: dict[str, frozenset[str]] = {
    "slack_sdk": frozenset({SLACK, APP, ENTRY, STAND_IN}),
    "slack_bolt": frozenset({SLACK, APP, ENTRY, STAND_IN}),
    "jinja2": frozenset({SLACK, APP, ENTRY, STAND_IN}),
}


def layer_of(module: str) -> str:
    """The layer of a module of the bot's packages; any other module under bot/ (a new
    package, or a module put directly under bot/) is domain until it is named otherwise."""
    top = module.split(".")[0]
    if top in ("handlers", "jobs"):
        return ENTRY
    if top == "local_slack":
        return STAND_IN

    def under(package: str) -> bool:
        return module == package or module.startswith(package + ".")

    if under("bot.app") or under("bot.cli"):
        return APP  # the process, and the command line: both are entry points into bot/
    if under("bot.slack"):
        return SLACK
    if module in BASE_MODULES or any(under(p) for p in BASE_PACKAGES):
        return BASE
    return DOMAIN


def module_name(root: Path, path: Path) -> str:
    """``bot/health/check.py`` → ``bot.health.check``; a package's ``__init__`` → the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every module of the bot's packages under ``root``."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(root, path)] = path
    return found


def imports_of(name: str, path: Path, known: Iterable[str] = ()) -> set[str]:
    """Every module ``path`` imports, anywhere in it (relative imports resolved).

    ``from package import name`` counts as importing ``package.name`` when that is one of the
    ``known`` modules (a submodule), else as importing ``package``; the parent packages
    Python initialises on the way are not counted.
    """
    modules_known = set(known)
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in modules_known else module)
    return found


def graph(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(edges between the bot's own modules, every import of each module)."""
    own = modules(root)
    everything = {name: imports_of(name, path, own) for name, path in own.items()}
    edges = {
        name: {i for i in imported if i in own and i != name}
        for name, imported in everything.items()
    }
    return edges, everything


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def layer_violations(edges: Mapping[str, Iterable[str]]) -> list[str]:
    """``module (layer) imports target (layer)`` for each import against the layers."""
    found = []
    for module, imported in sorted(edges.items()):
        layer = layer_of(module)
        for target in sorted(imported):
            if layer_of(target) not in MAY_IMPORT[layer]:
                found.append(f"{module} ({layer}) imports {target} ({layer_of(target)})")
    return found


def library_violations(everything: Mapping[str, Iterable[str]]) -> list[str]:
    """``module (layer) imports library`` for Slack's and Jinja2's libraries out of place."""
    found = []
    for module, imported in sorted(everything.items()):
        layer = layer_of(module)
        for target in sorted(imported):
            allowed = LIBRARIES_ALLOWED_IN.get(target.split(".")[0])
            if allowed is not None and layer not in allowed:
                found.append(f"{module} ({layer}) imports {target}")
    return found


def modules_directly_under_bot(root: Path) -> list[str]:
    """The ``.py`` files directly in ``bot/`` (``__init__`` included)."""
    return sorted(p.name for p in (root / "bot").glob("*.py"))
