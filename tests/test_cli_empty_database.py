"""Every CLI command on a database without the bot's schema: never a traceback; a command
that needs the bot's tables says so in one line naming `aisi-bot db upgrade` and exits 1."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.harness import run_cli

pytestmark = pytest.mark.stores  # depends on where PostgreSQL and Redis come from

UPGRADE = "aisi-bot db upgrade"
# Each command of `aisi-bot --help`, with the arguments that make it do its work, and whether
# it needs the bot's own tables (then: exit 1 and one line naming `aisi-bot db upgrade`).
CASES: list[tuple[tuple[str, ...], bool]] = [
    (("health",), False),
    (("health", "--json"), False),
    (("keys",), False),
    (("sync", "--dry-run"), False),
    (("recover", "--dry-run", "--yes"), True),
    (("recover", "--steps", "deploy", "--yes"), True),
    (("report",), False),  # health, sync and report bring the schema up to date themselves
    (("report", "--json"), False),
    (("jobs",), True),
    (("jobs", "--json"), True),
    (("alert", "raise", "db_down", "--title", "the database is down"), True),
    (("alert", "resolve", "db_down"), True),
    (("incidents",), True),
    (("incidents", "--json"), True),
    (("incidents", "postmortem", "1"), True),
]
# These bring the schema up to date: run on their own database after the others.
MIGRATING = [("db", "upgrade"), ("serve",)]


@pytest.fixture
def empty_databases(pg_admin_url: str) -> Iterator[list[str]]:
    """One brand-new empty database per command (dropped afterwards)."""
    names = [f"aisi_cli_{uuid.uuid4().hex[:10]}" for _ in range(len(CASES) + 1)]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield [urlunsplit(urlsplit(pg_admin_url)._replace(path="/" + name)) for name in names]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(tmp_path: Path, database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "INFO",
    }


async def test_the_cases_cover_every_command_of_help(tmp_path: Path) -> None:
    """A command added to `aisi-bot --help` without a case here fails this test."""
    code, out, _ = await run_cli({"HOME": str(tmp_path)}, "--help")
    assert code == 0
    listed = set(re.findall(r"^    (\w+)\s", out, flags=re.MULTILINE))
    covered = {args[0] for args, _ in CASES} | {args[0] for args in MIGRATING}
    assert listed == covered, listed ^ covered


async def test_every_command_on_an_empty_database_answers_without_a_traceback(
    tmp_path: Path, empty_databases: list[str], redis_url: str
) -> None:
    """Each command on its own empty database, then `db upgrade` and `serve` on one more."""
    problems: list[str] = []
    for (args, needs_tables), database in zip(CASES, empty_databases, strict=False):
        env = _env(tmp_path, database, redis_url)
        code, out, err = await run_cli(env, *args, timeout_s=120)
        said = out + err
        if "Traceback" in said:
            problems.append(f"{' '.join(args)}: traceback:\n{said}")
        elif needs_tables and (code != 1 or UPGRADE not in err):
            problems.append(f"{' '.join(args)}: exit {code}, no `{UPGRADE}` on stderr:\n{said}")
        elif needs_tables and len([line for line in err.splitlines() if UPGRADE in line]) != 1:
            problems.append(f"{' '.join(args)}: not one line:\n{err}")
    env = _env(tmp_path, empty_databases[-1], redis_url)
    code, out, err = await run_cli(env, "db", "upgrade")
    assert code == 0 and "Traceback" not in out + err, out + err
    code, out, err = await run_cli(env, "serve", stdin="quit\n", timeout_s=120)
    assert "Traceback" not in out + err, out + err
    assert problems == [], "\n\n".join(problems)
