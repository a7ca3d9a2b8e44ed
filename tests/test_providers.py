"""One provider table and one URL table: everything else is derived from them."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from bot.health.wiring import build_health_check
from bot.settings.files import load_config_files
from bot.settings.model import SECRET_ENV, URL_DEFAULTS, load_settings
from bot.sources.provider_table import PROVIDERS
from bot.sync.wiring import build_source_steps
from tests.conftest import SEALED_URLS, write_test_config
from tests.harness import REPO


def test_the_packaged_settings_repeat_no_url_default() -> None:
    """The packaged settings.toml names the [urls] keys in comments only: one source of truth."""
    assert load_config_files(None).get("urls", {}) == {}


def test_every_provider_names_a_known_secret_and_url_setting() -> None:
    """The table's secrets and URL settings are the ones settings read; names are unique."""
    assert len({p.name for p in PROVIDERS}) == len({p.display_name for p in PROVIDERS}) == 5
    for provider in PROVIDERS:
        assert provider.secret_env in SECRET_ENV
        assert provider.default_base_url == URL_DEFAULTS[provider.url_setting]


def test_the_readme_lists_every_url_setting() -> None:
    """Each URL of the table is documented with its default (the backup URL in words)."""
    readme = (REPO / "README.md").read_text()
    for name, default in URL_DEFAULTS.items():
        row = re.search(rf"^\| `{name}` \| (.+) \|$", readme, re.MULTILINE)
        assert row, name
        assert f"`{default}`" in row.group(1) or name == "GITHUB_BACKUP_URL", name


async def test_key_probes_and_sync_listings_come_from_the_table(tmp_path: Path) -> None:
    """The health check has one key probe per provider, the sync one listing per listing."""
    settings = load_settings({**SEALED_URLS, "BOT_CONFIG_DIR": str(write_test_config(tmp_path))})
    async with httpx.AsyncClient() as http:
        check = build_health_check(settings, db=None, redis=None, http=http)  # type: ignore[arg-type]
        steps = build_source_steps(settings, http=http, redis=None)
    assert [p.name for p in check.probes if p.group == "keys"] == [
        p.display_name for p in PROVIDERS
    ]
    listed = [p.name for p in PROVIDERS if p.listing is not None]
    assert [s.name for s in steps][: len(listed)] == listed
