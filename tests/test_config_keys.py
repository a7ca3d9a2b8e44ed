"""A misspelled config section or key fails start-up, naming it and the nearest valid one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings.model import load_settings
from tests.harness import REPO


def _config(folder: Path, local_toml: str) -> dict[str, str]:
    (folder / "local.toml").write_text(local_toml)
    return {"BOT_CONFIG_DIR": str(folder), "HOME": str(folder)}


@pytest.mark.parametrize(
    ("toml", "key", "suggestion"),
    [
        ("[helth]\nprobe_timeout_seconds = 3\n", "helth", "[health]"),
        (
            "[health]\nprobe_timout_seconds = 3\n",
            "health.probe_timout_seconds",
            "`probe_timeout_seconds`",
        ),
        ('[urls]\nAPP_BASE_UR = "http://127.0.0.1:1"\n', "urls.APP_BASE_UR", "`APP_BASE_URL`"),
        ('[auth]\noperator = ["U012ABCDEF"]\n', "auth.operator", "`operators`"),
        (
            '[[status_pages]]\nname = "X"\nkind = "neon"\nurl = "https://x"\npage_ur = "https://y"\n',
            "status_pages[0].page_ur",
            "`page_url`",
        ),
    ],
)
def test_unknown_keys_name_the_key_and_the_nearest(
    tmp_path: Path, toml: str, key: str, suggestion: str
) -> None:
    """Each typo raises ConfigError naming the dotted key and suggesting the valid one."""
    with pytest.raises(ConfigError) as raised:
        load_settings(_config(tmp_path, toml))
    assert raised.value.key == key
    assert f"did you mean {suggestion}?" in str(raised.value)


def test_a_key_set_by_the_environment_too_is_still_known(tmp_path: Path) -> None:
    """[urls] keys overridden by the environment are valid keys, not typos."""
    env = _config(tmp_path, '[urls]\nAPP_BASE_URL = "http://127.0.0.1:1"\n')
    settings = load_settings({**env, "APP_BASE_URL": "http://127.0.0.1:2"})
    assert settings.urls["APP_BASE_URL"] == "http://127.0.0.1:2"


def test_the_shipped_config_has_no_unknown_keys(tmp_path: Path) -> None:
    """The packaged defaults (bot/settings/defaults/settings.toml) load: every key is read."""
    load_settings(_config(tmp_path, ""))


def test_serve_refuses_to_start_with_a_misspelled_key(tmp_path: Path) -> None:
    """`aisi-bot serve` with `probe_timout_seconds` exits 2 with one line naming it."""
    env = _config(tmp_path, "[health]\nprobe_timout_seconds = 3\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "health.probe_timout_seconds" in lines[0] and "probe_timeout_seconds" in lines[0]
