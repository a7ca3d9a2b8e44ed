"""The code's shape holds (tests/import_graph.py reads it): handlers/ and jobs/ → bot/app/ →
bot/slack/ → the domain → bot/settings, bot/stores, bot/i18n, bot/upstream; Slack's
libraries only in handlers/, local_slack/, bot/slack/ and bot/app/; no import cycle; a short
root of bot/. Each rule is also shown failing on a small tree made for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.harness import REPO
from tests.import_graph import (
    APP,
    BASE,
    DOMAIN,
    ENTRY,
    MAX_ROOT_MODULES,
    SLACK,
    STAND_IN,
    find_cycle,
    graph,
    layer_of,
    layer_violations,
    library_violations,
    modules_directly_under_bot,
)


def test_every_module_has_a_layer_and_the_domains_are_there() -> None:
    """Every module under bot/ is placed; the domain packages are domain, not exempt."""
    edges, _ = graph(REPO)
    assert len(edges) > 150
    layers = {m: layer_of(m) for m in edges}
    for domain in ("health", "sources", "sync", "checks", "incidents", "recovery",
                   "scheduling", "reports", "home"):
        assert layers[f"bot.{domain}"] == DOMAIN, domain
    assert layers["bot.settings.model"] == layers["bot.stores.db"] == BASE
    assert layers["bot.slack.client"] == SLACK and layers["bot.app.wiring"] == APP
    assert layers["handlers.web.alerts"] == ENTRY and layers["local_slack.server"] == STAND_IN


def test_imports_point_one_way() -> None:
    """No module imports a layer above its own (lazy and TYPE_CHECKING imports count)."""
    edges, _ = graph(REPO)
    assert layer_violations(edges) == []


def test_slack_and_jinja2_only_where_they_belong() -> None:
    """slack_sdk, slack_bolt and Jinja2 only in handlers/, local_slack/, bot/slack/, bot/app/."""
    _, everything = graph(REPO)
    assert library_violations(everything) == []


def test_no_import_cycle_among_the_bots_modules() -> None:
    """bot/, handlers/, jobs/ and local_slack/ import in one direction only."""
    edges, _ = graph(REPO)
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_few_modules_directly_under_bot() -> None:
    """bot/ is a house of rooms, not a flat floor: at most six modules at its root."""
    assert len(modules_directly_under_bot(REPO)) <= MAX_ROOT_MODULES, modules_directly_under_bot(
        REPO
    )


def test_the_cli_prints_without_the_slack_stand_in() -> None:
    """`aisi-bot health` renders text with bot.slack.text; local_slack loads only for serve."""
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
            "bot/app/__init__.py": "",
            "bot/app/runtime.py": "def build():\n    from bot.health.probes import make\n",
            "bot/health/probes.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from bot.app.runtime import Runtime\n",
            "bot/health/leaf.py": "import bot.health.probes\n",
        },
    )
    edges, _ = graph(root)
    assert find_cycle(edges) == ["bot.app.runtime", "bot.health.probes", "bot.app.runtime"]


def test_the_check_finds_imports_against_the_layers(tmp_path: Path) -> None:
    """A domain reaching the Slack side, the process or a handler; the Slack side reaching
    the process; a store reaching a domain; a module put at bot/'s root is a domain too."""
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/reports/__init__.py": "",
            "bot/reports/view.py": "from ..slack import render\n"
            "from handlers.ids import ActionId\n",
            "bot/reports/daily.py": "def later():\n    from bot.app import wiring\n",
            "bot/slack/__init__.py": "",
            "bot/slack/render.py": "from bot.app.wiring import build\n",
            "bot/app/__init__.py": "",
            "bot/app/wiring.py": "import handlers.ids\nimport bot.reports.view\n",  # allowed
            "bot/stores/__init__.py": "",
            "bot/stores/db.py": "from bot.reports import daily\n",
            "bot/flat.py": "import bot.slack.render\n",
            "handlers/__init__.py": "",
            "handlers/ids.py": "from bot.app import wiring\n",  # allowed
        },
    )
    edges, _ = graph(root)
    assert layer_violations(edges) == [
        "bot.flat (domain) imports bot.slack.render (slack)",
        "bot.reports.daily (domain) imports bot.app.wiring (app)",
        "bot.reports.view (domain) imports bot.slack.render (slack)",
        "bot.reports.view (domain) imports handlers.ids (entry)",
        "bot.slack.render (slack) imports bot.app.wiring (app)",
        "bot.stores.db (base) imports bot.reports.daily (domain)",
    ]


def test_the_check_finds_slack_libraries_out_of_place(tmp_path: Path) -> None:
    """slack_sdk in a domain or a store (even lazily) is found; in bot/slack/ it is fine."""
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/sync/run.py": "def post():\n    from slack_sdk.web.async_client import X\n",
            "bot/stores/cache.py": "import jinja2\n",
            "bot/slack/client.py": "import slack_sdk\nimport jinja2\n",
            "bot/misc.py": "import slack_bolt\n",
        },
    )
    _, everything = graph(root)
    assert library_violations(everything) == [
        "bot.misc (domain) imports slack_bolt",
        "bot.stores.cache (base) imports jinja2",
        "bot.sync.run (domain) imports slack_sdk.web.async_client",
    ]


def test_the_check_counts_the_modules_at_bots_root(tmp_path: Path) -> None:
    """Seven flat modules are one too many."""
    names = ["__init__", "errors", "a", "b", "c", "d", "e"]
    root = _tree(tmp_path, {f"bot/{n}.py": "" for n in names} | {"bot/pkg/x.py": ""})
    assert len(modules_directly_under_bot(root)) == 7 > MAX_ROOT_MODULES
