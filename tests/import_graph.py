"""The bot's import graph, read from the code with ``ast`` (every import, also inside
functions and under TYPE_CHECKING), and the two rules it must keep."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

# The bot's own top-level packages.
PACKAGES = ("bot", "handlers", "jobs", "local_slack")
# What a domain package may never import: Slack, templates, the Slack side, the stand-in.
FORBIDDEN_IN_DOMAIN = ("slack_bolt", "slack_sdk", "jinja2", "handlers", "local_slack")
# Subpackages of bot/ that are adapters rather than domains: the command line is an entry
# point like serve and local mode, and may reach the composition root.
ADAPTER_PACKAGES: frozenset[str] = frozenset({"bot.cli"})


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


def domain_package(module: str) -> str | None:
    """``bot.health`` for ``bot.health.probes.keys``: the domain a module belongs to, if any."""
    parts = module.split(".")
    if len(parts) < 3 or parts[0] != "bot":
        return None  # bot's own top-level modules (wiring, render, cli, ...) are not a domain
    package = ".".join(parts[:2])
    return None if package in ADAPTER_PACKAGES else package


def domain_violations(root: Path, everything: Mapping[str, Iterable[str]]) -> list[str]:
    """``module imports forbidden`` for each domain module importing what it may not."""
    packages = {module_name(root, p.parent) for p in (root / "bot").glob("*/__init__.py")}
    found = []
    for module, imported in sorted(everything.items()):
        domain = domain_package(module) if module != "bot" else None
        if domain is None and module in packages - ADAPTER_PACKAGES:
            domain = module  # a domain package's own __init__
        if domain is None:
            continue
        for target in sorted(imported):
            if target.split(".")[0] in FORBIDDEN_IN_DOMAIN:
                found.append(f"{module} imports {target}")
    return found
