"""Configuration: every name of the contract, validated, with one clear line on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings.model import URL_DEFAULTS, load_settings
from bot.settings.values import as_duration
from tests.harness import REPO


def test_defaults_load_with_an_empty_environment(tmp_path: Path) -> None:
    """No environment at all gives local mode and every documented default URL."""
    settings = load_settings({"HOME": str(tmp_path)})
    assert settings.slack_mode == "local"
    assert settings.urls == {**URL_DEFAULTS}
    assert settings.port == 3000
    assert settings.channel == "#ai-monitoring"
    assert settings.schedule.timezone == "Asia/Seoul"
    assert settings.schedule.daily_report.expression == "0 9 * * *"
    assert settings.data_dir == tmp_path / ".local" / "share" / "aisi-bot"


def test_every_base_url_is_configurable_from_the_environment() -> None:
    """Each external base URL named in the contract is taken from the environment."""
    env = {name: f"http://127.0.0.1:1/{name.lower()}" for name in URL_DEFAULTS}
    settings = load_settings(env)
    for name in URL_DEFAULTS:
        assert settings.urls[name].startswith(f"http://127.0.0.1:1/{name.lower()}")


def test_slack_modes_follow_the_credentials() -> None:
    """Bot token + signing secret is HTTP mode; with an app token it is Socket Mode."""
    http = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    socket = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert (http.slack_mode, socket.slack_mode) == ("http", "socket")


def test_legacy_artificial_analysis_name_is_accepted() -> None:
    """The app's legacy variable artificialanalysis_API_TOKEN is read when the new one is unset."""
    settings = load_settings({"artificialanalysis_API_TOKEN": "aa-legacy-key-123456"})
    secret = settings.secret("ARTIFICIAL_ANALYSIS_API_KEY")
    assert secret is not None and secret.reveal() == "aa-legacy-key-123456"


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"APP_BASE_URL": "not a url"}, "APP_BASE_URL"),
        ({"SLACK_API_URL": "ftp://slack"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "memcached://x"}, "REDIS_URL"),
    ],
)
def test_bad_environment_values_name_the_key(env: dict[str, str], key: str) -> None:
    """A bad value raises ConfigError naming the key."""
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert raised.value.key == key


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "schedule.timezone"),
        ('[schedule]\ndaily_report = "every morning"\n', "schedule.daily_report"),
        ("[health]\nprobe_timeout_seconds = -1\n", "health.probe_timeout_seconds"),
        ('[auth]\noperators = ["alice"]\n', "auth.operators"),
        ("[sync]\nmax_deactivate_share = 1.5\n", "sync.max_deactivate_share"),
        ('[[status_pages]]\nname = "X"\nkind = "rss"\nurl = "https://x"\n', "status_pages[0].kind"),
        ("[work]\nworkers = 0\n", "work.workers"),
        ('[work]\nqueue_length = "many"\n', "work.queue_length"),
        ("[work]\nshutdown_grace_seconds = -5\n", "work.shutdown_grace_seconds"),
        ('[sync]\naa_fresh_window = "10 minutes"\n', "sync.aa_fresh_window"),
        ('[sync]\naa_fresh_window = "1.5h"\n', "sync.aa_fresh_window"),
        ('[sync]\naa_fresh_window = "7h"\n', "sync.aa_fresh_window"),
    ],
)
def test_bad_config_file_values_name_the_key(tmp_path: Path, toml: str, key: str) -> None:
    """A bad value in config/local.toml raises ConfigError naming the dotted key."""
    (tmp_path / "local.toml").write_text(toml)
    with pytest.raises(ConfigError) as raised:
        load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
    assert raised.value.key == key


def test_work_and_freshness_settings_have_defaults_and_read_durations(tmp_path: Path) -> None:
    """[work] and sync.aa_fresh_window default to 8, 64, 20 s, 10 m; durations take s/m/h."""
    defaults = load_settings({"HOME": str(tmp_path)})
    assert (defaults.work_workers, defaults.work_queue_length) == (8, 64)
    assert (defaults.shutdown_grace_s, defaults.aa_fresh_window_s) == (20.0, 600)
    for text, seconds in (("90s", 90), ("15m", 900), ("1h", 3600), ("6h", 21600)):
        (tmp_path / "local.toml").write_text(f'[sync]\naa_fresh_window = "{text}"\n')
        settings = load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
        assert settings.aa_fresh_window_s == seconds


def test_a_bad_duration_says_what_a_duration_looks_like() -> None:
    """The message names the accepted form with examples."""
    with pytest.raises(ConfigError) as raised:
        as_duration("escalation.auto_escalate_after", "soon", 1, 86400)
    assert raised.value.key == "escalation.auto_escalate_after"
    assert '"90s"' in str(raised.value) and "'soon'" in str(raised.value)


def test_bad_value_stops_start_up_with_one_line() -> None:
    """`aisi-bot serve` with a bad PORT exits 2 printing one line that names PORT."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PORT": "eighty", "HOME": str(REPO)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "PORT" in lines[0] and "eighty" in lines[0]


def test_secrets_never_show_in_repr() -> None:
    """Settings' repr masks every secret value."""
    settings = load_settings(
        {
            "OPENAI_API_KEY": "sk-live-verysecretvalue-9999",
            "DATABASE_URL": "postgresql://u:pw-hunter2@h/db",
        }
    )
    assert "verysecretvalue" not in repr(settings)
    assert "hunter2" not in repr(settings)
