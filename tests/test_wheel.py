"""The built wheel stands alone: installed in a fresh venv, it migrates and checks from anywhere.

The wheel is built offline from a copy of the sources (``pip wheel --no-build-isolation``
with this venv's setuptools) and installed without dependencies into a fresh venv. The
dependencies come from this venv through a ``.pth`` of plain path lines: plain lines add
directories to ``sys.path`` but do not run the ``.pth`` files inside them, so the editable
install's finder (which would map ``bot`` back to the checkout) is never loaded.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.settings.model import URL_DEFAULTS
from bot.stores.db import migration_files
from tests.conftest import LOOPBACK_CLOSED, NETGUARD_DIR, write_test_config
from tests.harness import REPO
from tests.netguard.sitecustomize import ENV_FLAG

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from

SOURCES = ("pyproject.toml", "README.md", "bot", "handlers", "jobs", "local_slack", "templates")
PACKAGE_DATA = ("bot/settings/defaults", "templates", "bot/stores/migrations")


def run(argv: list[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run a command to completion; fail the test with its output when it fails."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and the wheel's script
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once from a clean copy of the sources."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(origin, source / name)
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", str(dist), str(source)], cwd=source)
    (built,) = dist.glob("aisi_bot-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding only the wheel; this venv's site-packages lent for dependencies."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python),
         "install", "--quiet", "--no-deps", "--no-index", str(wheel)], cwd=root)
    target = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                      cwd=root).strip())
    lent = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (target / "zz_borrowed_dependencies.pth").write_text("\n".join(lent) + "\n")
    return root


def test_wheel_carries_defaults_templates_and_migrations(wheel: Path) -> None:
    """Every file under bot/settings/defaults, templates and bot/stores/migrations is in the
    wheel, and the compiled catalogs; no tests."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in PACKAGE_DATA:
        shipped = {
            p.relative_to(REPO).as_posix()
            for p in (REPO / folder).iterdir()
            if p.is_file() and p.name != "__pycache__"
        }
        assert shipped and shipped <= names, shipped - names
    assert "bot/settings/defaults/settings.toml" in names
    assert "bot/settings/defaults/model-defaults.json" in names
    assert "templates/home.json.j2" in names
    assert "local_slack/server.py" in names  # local mode runs from an installed wheel too
    assert "bot/i18n/locales/ko/LC_MESSAGES/messages.mo" in names  # the compiled Korean catalog
    assert not any(n.startswith(("tests/", "config/", "bench/")) for n in names)


def test_installed_wheel_migrates_and_checks_from_an_unrelated_directory(
    fresh_venv: Path, empty_database: str, redis_url: str, tmp_path: Path
) -> None:
    """`aisi-bot db upgrade` and `aisi-bot health db --json` work from an empty directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": f"{fresh_venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": empty_database,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        **dict.fromkeys(URL_DEFAULTS, LOOPBACK_CLOSED),
        # The network guard, as in every process a test starts.
        "PYTHONPATH": str(NETGUARD_DIR),
        ENV_FLAG: "1",
    }
    python, cli = str(fresh_venv / "bin" / "python"), str(fresh_venv / "bin" / "aisi-bot")

    where = run([python, "-c", "import bot, bot.settings.files as c;"
                 " print(bot.__file__); print(c.checkout_config_dir())"], cwd=elsewhere, env=env)
    module_file, checkout = where.splitlines()
    assert Path(module_file).resolve().is_relative_to(fresh_venv.resolve()), module_file
    assert checkout == "None"  # an installed package has no checkout config/ to read

    # No BOT_CONFIG_DIR: the packaged defaults alone (this command reaches only the database).
    upgraded = run([cli, "db", "upgrade"], cwd=elsewhere, env=env)
    versions = [version for version, _ in migration_files()]
    assert upgraded.strip() == "applied: " + ", ".join(versions)

    # With an override folder putting every status page on loopback, as an operator would.
    env["BOT_CONFIG_DIR"] = str(write_test_config(tmp_path / "config"))
    report = json.loads(run([cli, "health", "db", "--json"], cwd=elsewhere, env=env))
    assert report["state"] == "ok", report
    text = run([cli, "health", "db"], cwd=elsewhere, env=env)  # renders a packaged template
    assert "Database" in text and "0 active models" in text, text
    korean = run([python, "-c", "from bot.i18n.translator import translator;"
                  " print(translator('ko').duration(192))"], cwd=elsewhere, env=env)
    assert korean.strip() == "3분 12초"  # the Korean catalog, read from the installed package
