"""Config layering: package defaults, then BOT_CONFIG_DIR (or the checkout's config/) on top."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings.files import DEFAULT_SETTINGS, checkout_config_dir, config_files, override_dir
from bot.settings.model import load_settings
from tests.harness import REPO


def test_package_defaults_alone_give_every_documented_default(tmp_path: Path) -> None:
    """An empty override folder leaves the packaged defaults: five status pages, three prefixes."""
    settings = load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
    assert [page.name for page in settings.status_pages] == [
        "OpenAI", "Anthropic", "Vercel", "Neon", "Google Cloud",
    ]
    assert settings.cache_key_prefixes == ("models:", "api:v1:", "unified-models:")
    assert (settings.sync_min_active_models, settings.sync_max_deactivate_share) == (10, 0.2)
    assert config_files(tmp_path) == [DEFAULT_SETTINGS]


def test_settings_then_local_override_key_by_key(tmp_path: Path) -> None:
    """settings.toml overrides the defaults, local.toml overrides both; untouched keys stay."""
    (tmp_path / "settings.toml").write_text(
        '[sync]\nmin_active_models = 50\nmax_deactivate_share = 0.5\n[slack]\nchannel = "#ops"\n'
    )
    (tmp_path / "local.toml").write_text("[sync]\nmin_active_models = 70\n")
    settings = load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
    assert settings.sync_min_active_models == 70
    assert settings.sync_max_deactivate_share == 0.5
    assert settings.channel == "#ops"
    assert settings.sync_source_timeout_s == 30.0  # the package default, untouched
    assert len(settings.status_pages) == 5


def test_an_array_in_an_override_replaces_the_default_array(tmp_path: Path) -> None:
    """One [[status_pages]] entry in local.toml means exactly that one page is checked."""
    (tmp_path / "local.toml").write_text(
        '[[status_pages]]\nname = "Only"\nkind = "neon"\nurl = "http://127.0.0.1:9/x"\n'
    )
    settings = load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
    assert [page.name for page in settings.status_pages] == ["Only"]


def test_a_missing_config_dir_is_a_configuration_error(tmp_path: Path) -> None:
    """BOT_CONFIG_DIR naming no folder stops start-up naming BOT_CONFIG_DIR."""
    with pytest.raises(ConfigError) as raised:
        load_settings({"BOT_CONFIG_DIR": str(tmp_path / "nowhere")})
    assert raised.value.key == "BOT_CONFIG_DIR"
    assert "nowhere" in str(raised.value)


def test_broken_override_file_is_named(tmp_path: Path) -> None:
    """A local.toml that is not TOML is reported with its path."""
    (tmp_path / "local.toml").write_text("[sync\n")
    with pytest.raises(ConfigError) as raised:
        load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
    assert raised.value.key == str(tmp_path / "local.toml")


def test_checkout_config_folder_is_the_override_when_no_dir_is_named() -> None:
    """Run from this checkout without BOT_CONFIG_DIR, config/ of the checkout is the override."""
    assert checkout_config_dir() == REPO / "config"
    assert override_dir({}) == REPO / "config"
    assert override_dir({"BOT_CONFIG_DIR": str(REPO / "bot")}) == REPO / "bot"


def test_the_example_local_toml_is_valid(tmp_path: Path) -> None:
    """config/local.toml.example, used as local.toml, loads and changes what it says."""
    shutil.copyfile(REPO / "config" / "local.toml.example", tmp_path / "local.toml")
    settings = load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
    assert settings.operators == ("U0123456789",)
    assert settings.escalation.backup == ("S0123456789",)
    assert len(settings.status_pages) == 5


def test_the_checkout_keeps_no_copy_of_the_defaults() -> None:
    """config/ holds only the README and the example: the defaults live in the package alone."""
    tracked = {p.name for p in (REPO / "config").iterdir()} - {"local.toml"}
    assert tracked == {"README.md", "local.toml.example"}
