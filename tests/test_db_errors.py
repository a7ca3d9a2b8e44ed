"""One classification of database errors, each class met on a real PostgreSQL."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bot.app.embedded import EmbeddedPostgres
from bot.stores.db import Database
from bot.stores.db_errors import UPGRADE_COMMAND, DbFailure, classify


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _error(conninfo: str, sql: str = "SELECT 1", *setup: str) -> psycopg.Error:
    try:
        with psycopg.connect(conninfo, connect_timeout=3, autocommit=True) as conn:
            for statement in setup:
                conn.execute(statement.encode())
            conn.execute(sql.encode())
    except psycopg.Error as exc:
        return exc
    raise AssertionError(f"{sql!r} did not fail")


@pytest.fixture(scope="module")
def password_server() -> Iterator[str]:
    """A private PostgreSQL that asks role ``aisi`` for its password (SCRAM over its socket)."""
    folder = Path(tempfile.mkdtemp(prefix="aisi-test-pgauth-"))
    server = EmbeddedPostgres(folder)
    admin = server.start()
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE ROLE aisi LOGIN PASSWORD 'the-right-one'")
            hba = conn.execute("SHOW hba_file").fetchone()
            assert hba is not None
            Path(hba[0]).write_text(
                "local all postgres trust\nlocal all all scram-sha-256\n", encoding="utf-8"
            )
            conn.execute("SELECT pg_reload_conf()")
        yield admin
    finally:
        server.stop()


def test_a_stopped_server_is_refused() -> None:
    """Nothing listens where the server was: refused, and a retry may cure it."""
    problem = classify(_error(f"postgresql://postgres@127.0.0.1:{_closed_port()}/none"))
    assert problem.kind is DbFailure.REFUSED and problem.transient
    assert "refused" in str(problem)


def test_a_wrong_password_is_authentication_failed(password_server: str) -> None:
    """The server answered: authentication failed, never unreachable."""
    params = conninfo_to_dict(password_server)
    wrong = make_conninfo(**{**params, "user": "aisi", "password": "a-wrong-one"})
    problem = classify(_error(wrong))
    assert problem.kind is DbFailure.AUTH_FAILED and not problem.transient
    assert "unreachable" not in str(problem) and "a-wrong-one" not in str(problem)
    right = make_conninfo(**{**params, "user": "aisi", "password": "the-right-one"})
    with psycopg.connect(right) as conn:  # the same server lets the right password in
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_missing_bot_schema_names_the_relation_and_the_upgrade(empty_database: str) -> None:
    """No chatops schema: 'schema missing or behind', the relation, `aisi-bot db upgrade`."""
    problem = classify(_error(empty_database, "SELECT count(*) FROM chatops.incidents"))
    assert problem.kind is DbFailure.SCHEMA_MISSING and problem.relation == "chatops.incidents"
    assert "chatops.incidents" in str(problem) and UPGRADE_COMMAND in str(problem)


def test_a_missing_app_table_is_named_as_the_apps(empty_database: str) -> None:
    """public.models absent: the app's table, not the bot's schema."""
    problem = classify(_error(empty_database, "SELECT count(*) FROM public.models"))
    assert problem.kind is DbFailure.APP_TABLE_MISSING and problem.relation == "public.models"
    assert UPGRADE_COMMAND not in str(problem)


def test_a_statement_timeout_is_timed_out(empty_database: str) -> None:
    """statement_timeout cancels the query: timed out (57014)."""
    problem = classify(
        _error(empty_database, "SELECT pg_sleep(2)", "SET statement_timeout = '50ms'")
    )
    assert problem.kind is DbFailure.TIMED_OUT and problem.sqlstate == "57014"


def test_any_other_error_names_its_sqlstate(empty_database: str) -> None:
    """Division by zero: other, with SQLSTATE 22012."""
    problem = classify(_error(empty_database, "SELECT 1 / 0"))
    assert problem.kind is DbFailure.OTHER and "SQLSTATE 22012" in str(problem)


def test_a_database_that_does_not_exist_is_not_unreachable(pg_admin_url: str) -> None:
    """The server answered that the database is not there: never 'unreachable'."""
    params = conninfo_to_dict(pg_admin_url)
    problem = classify(_error(make_conninfo(**{**params, "dbname": "aisi_no_such_db"})))
    assert problem.kind is not DbFailure.UNREACHABLE and not problem.transient


async def test_the_health_probe_and_the_pool_say_the_same(empty_database: str) -> None:
    """Through the bot's pool, a missing table is the same class (not a pool 'unreachable')."""
    db = Database(empty_database, connect_timeout_s=3)
    await db.open()
    try:
        try:
            async with db.connection(3) as conn:
                await conn.execute("SELECT 1 FROM chatops.job_runs")
        except psycopg.Error as exc:
            problem = await db.explain(exc)
        else:
            raise AssertionError("chatops.job_runs exists on an empty database")
    finally:
        await db.close()
    assert problem.kind is DbFailure.SCHEMA_MISSING
