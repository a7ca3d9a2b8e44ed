"""The settings files: package defaults, then an override folder, merged key by key.

Layers, each merged over the one before (tables key by key; any other value, arrays
included, replaced whole):

1. ``bot/settings/defaults/settings.toml``, shipped inside the package (read with
   importlib.resources, so it works from a wheel as well as from a checkout);
2. the override folder's ``settings.toml``, then its ``local.toml``, each optional. The
   override folder is ``BOT_CONFIG_DIR`` when set (it must exist), else the ``config/``
   folder of the source checkout the bot runs from, when there is one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

DEFAULT_SETTINGS: Traversable = resources.files("bot.settings") / "defaults" / "settings.toml"
OVERRIDE_FILES = ("settings.toml", "local.toml")


def _read_toml(path: Traversable) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "not UTF-8 text") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(str(path), f"cannot be read ({reason})") from None


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def checkout_config_dir() -> Path | None:
    """``config/`` of the source checkout this package runs from; None when installed."""
    root = Path(__file__).resolve().parents[2]
    folder = root / "config"
    return folder if (root / "pyproject.toml").is_file() and folder.is_dir() else None


def override_dir(env: Mapping[str, str]) -> Path | None:
    """The folder whose TOML files override the defaults: BOT_CONFIG_DIR, else the checkout's."""
    named = env.get("BOT_CONFIG_DIR", "").strip()
    if not named:
        return checkout_config_dir()
    folder = Path(named).expanduser()
    if not folder.is_dir():
        raise ConfigError("BOT_CONFIG_DIR", f"{folder} is not a directory")
    return folder


def config_files(config_dir: Path | None) -> list[Traversable]:
    """The TOML files read, lowest precedence first: the package defaults, then the overrides."""
    files: list[Traversable] = [DEFAULT_SETTINGS]
    if config_dir is not None:
        files += [config_dir / name for name in OVERRIDE_FILES if (config_dir / name).is_file()]
    return files


def load_config_files(config_dir: Path | None = None) -> dict[str, Any]:
    """The package defaults with ``config_dir``'s settings.toml, then local.toml, merged on top."""
    data: dict[str, Any] = {}
    for path in config_files(config_dir):
        data = _merge(data, _read_toml(path))
    return data
