"""One classification of database errors, used by the health probe, recover's database
step, ``/alerts`` and the CLI: what failed, in words an operator can act on.

unreachable · refused · timed out · authentication failed · the bot's schema missing or behind
(names the relation and ``aisi-bot db upgrade``) · an app table missing · other (the SQLSTATE).
A server that answered is never called unreachable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import psycopg
from psycopg import errors
from psycopg_pool import PoolTimeout

from bot.i18n.said import Said
from bot.i18n.translator import N_

BOT_SCHEMA = "chatops"
UPGRADE_COMMAND = "aisi-bot db upgrade"

_RELATION = re.compile(r'relation "([^"]+)" does not exist')
_SCHEMA = re.compile(r'schema "([^"]+)" does not exist')


class DbFailure(StrEnum):
    """The kinds of database failure."""

    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    TIMED_OUT = "timed_out"
    AUTH_FAILED = "auth_failed"
    SCHEMA_MISSING = "schema_missing"
    APP_TABLE_MISSING = "app_table_missing"
    OTHER = "other"


# Failures a retry may cure (the server may come back); the rest need a person.
TRANSIENT = frozenset({DbFailure.UNREACHABLE, DbFailure.REFUSED, DbFailure.TIMED_OUT})


@dataclass(frozen=True)
class DbProblem:
    """A classified database error: its kind, the words (``Said``), and what it named."""

    kind: DbFailure
    said: Said
    sqlstate: str | None = None
    relation: str | None = None

    @property
    def transient(self) -> bool:
        """True when the server may simply come back (unreachable, refused, timed out)."""
        return self.kind in TRANSIENT

    def __str__(self) -> str:
        return str(self.said)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _missing(relation: str, sqlstate: str | None) -> DbProblem:
    if relation.startswith(f"{BOT_SCHEMA}.") or relation == BOT_SCHEMA:
        said = Said(
            N_("the bot's schema is missing or behind (%(relation)s does not exist): run"
               " `%(command)s`"),
            relation=relation,
            command=UPGRADE_COMMAND,
        )
        return DbProblem(DbFailure.SCHEMA_MISSING, said, sqlstate, relation)
    said = Said(N_("the app's table %(relation)s is missing"), relation=relation)
    return DbProblem(DbFailure.APP_TABLE_MISSING, said, sqlstate, relation)


def classify(exc: BaseException) -> DbProblem:
    """The kind and words of a database error (psycopg's, the pool's, or a timeout)."""
    sqlstate = getattr(exc, "sqlstate", None)
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, errors.UndefinedTable | errors.InvalidSchemaName):
        found = _RELATION.search(text) or _SCHEMA.search(text)
        return _missing(found.group(1) if found else "?", sqlstate)
    if isinstance(exc, errors.QueryCanceled) or "statement timeout" in lowered:
        said = Said(N_("timed out: the statement ran past its timeout"))
        return DbProblem(DbFailure.TIMED_OUT, said, sqlstate)
    if (
        isinstance(exc, errors.InvalidPassword | errors.InvalidAuthorizationSpecification)
        or "authentication failed" in lowered  # also "password authentication failed"
        or "no password supplied" in lowered
    ):
        said = Said(N_("authentication failed (check the user and password in DATABASE_URL)"))
        return DbProblem(DbFailure.AUTH_FAILED, said, sqlstate)
    if isinstance(exc, PoolTimeout | TimeoutError) or "timeout expired" in lowered:
        said = Said(N_("timed out waiting for the server"))
        return DbProblem(DbFailure.TIMED_OUT, said, sqlstate)
    if "connection refused" in lowered:
        said = Said(N_("connection refused (is PostgreSQL running there?)"))
        return DbProblem(DbFailure.REFUSED, said, sqlstate)
    if isinstance(exc, psycopg.OperationalError) and sqlstate is None and not _answered(lowered):
        said = Said(N_("unreachable: %(reason)s"), reason=_first_line(exc))
        return DbProblem(DbFailure.UNREACHABLE, said, sqlstate)
    said = Said(
        N_("database error (SQLSTATE %(sqlstate)s): %(reason)s"),
        sqlstate=sqlstate or "none",
        reason=_first_line(exc),
    )
    return DbProblem(DbFailure.OTHER, said, sqlstate)


def _answered(lowered: str) -> bool:
    """True when a connection error's text shows the server answered (a FATAL of its own)."""
    return "fatal:" in lowered or "does not exist" in lowered
