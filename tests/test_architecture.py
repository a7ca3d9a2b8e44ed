"""The code's shape holds: no import cycle, and no domain package reaches the Slack side."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.harness import REPO
from tests.import_graph import domain_package, domain_violations, find_cycle, graph


def test_no_import_cycle_among_the_bots_modules() -> None:
    """bot/, handlers/, jobs/ and local_slack/ import in one direction only."""
    edges, _ = graph(REPO)
    assert len(edges) > 100
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_no_domain_package_imports_slack_templates_or_handlers() -> None:
    """bot/health, bot/sources, bot/sync, bot/incidents, bot/recovery (and any new package)
    never import slack_bolt, slack_sdk, jinja2, handlers or local_slack."""
    _, everything = graph(REPO)
    domains = {domain_package(m) for m in everything} - {None}
    assert {"bot.health", "bot.sources", "bot.sync", "bot.incidents", "bot.recovery"} <= domains
    assert domain_violations(REPO, everything) == []


def test_the_cli_prints_without_the_slack_stand_in() -> None:
    """`aisi-bot health` renders text with bot.text_render; local_slack loads only for serve."""
    code = "import sys, bot.cli; print(sorted(m for m in sys.modules if 'local_slack' in m))"
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed snippet
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("bot", "handlers", "jobs", "local_slack"):
        (root / package).mkdir(exist_ok=True)
    return root


def test_the_check_finds_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    """A module importing another lazily, which imports it back, is a cycle (and named)."""
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/runtime.py": "def build():\n    from bot.probes import make\n",
            "bot/probes.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from bot.runtime import Runtime\n",
            "bot/leaf.py": "import bot.probes\n",
        },
    )
    edges, _ = graph(root)
    assert find_cycle(edges) == ["bot.probes", "bot.runtime", "bot.probes"]


def test_the_check_finds_a_new_domain_importing_slack(tmp_path: Path) -> None:
    """A package added under bot/ is a domain at once: Slack, Jinja2 and handlers are out."""
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/render.py": "import jinja2\n",  # a top-level adapter module: allowed
            "bot/reports/__init__.py": "",
            "bot/reports/daily.py": "def post():\n    from slack_sdk import WebClient\n",
            "bot/reports/view.py": "from ..render import x\nfrom handlers.ids import ActionId\n",
            "handlers/__init__.py": "",
            "handlers/ids.py": "",
        },
    )
    _, everything = graph(root)
    assert domain_violations(root, everything) == [
        "bot.reports.daily imports slack_sdk",
        "bot.reports.view imports handlers.ids",
    ]
    assert "bot.render" in everything["bot.reports.view"]  # relative imports resolved
