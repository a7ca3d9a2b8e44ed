"""slack.language is en or ko (default en), and the CLI takes --lang before or after a command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import _parser, main
from bot.errors import ConfigError
from bot.settings.model import load_settings


def test_the_language_defaults_to_english(tmp_path: Path) -> None:
    """With no setting the bot speaks English."""
    assert load_settings({"HOME": str(tmp_path)}).language == "en"


def test_korean_can_be_configured(tmp_path: Path) -> None:
    """slack.language = "ko" is read from an override file."""
    (tmp_path / "local.toml").write_text('[slack]\nlanguage = "ko"\n')
    assert load_settings({"BOT_CONFIG_DIR": str(tmp_path)}).language == "ko"


@pytest.mark.parametrize("value", ['"fr"', '"ko-KR"', '"Korean"', "1"])
def test_another_language_stops_start_up_naming_the_key(tmp_path: Path, value: str) -> None:
    """Only en and ko are languages the bot speaks; anything else names slack.language."""
    (tmp_path / "local.toml").write_text(f"[slack]\nlanguage = {value}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings({"BOT_CONFIG_DIR": str(tmp_path)})
    assert raised.value.key == "slack.language"
    assert "en, ko" in str(raised.value)


@pytest.mark.parametrize(
    ("argv", "lang"),
    [
        (["--lang", "ko", "health"], "ko"),
        (["health", "--lang", "ko"], "ko"),
        (["--lang", "en", "keys", "--json"], "en"),
        (["sync", "aa", "--dry-run", "--lang", "ko"], "ko"),
        (["health", "db"], None),
    ],
)
def test_lang_is_taken_before_or_after_the_command(argv: list[str], lang: str | None) -> None:
    """--lang works as a global option and after the subcommand; absent, it is left to LANG."""
    assert _parser().parse_args(argv).lang == lang


def test_an_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--lang fr exits 2 and names the choices."""
    with pytest.raises(SystemExit) as exited:
        main(["--lang", "fr", "health"])
    assert exited.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err
