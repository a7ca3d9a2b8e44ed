"""POST /alerts: inbound alerts (the app's GitHub Actions monitors, log drains, uptime checks).

The order is the contract. The bearer token is compared (constant time) before anything of
the body is read; then its declared size (413), its type (415), the body itself up to 64 KB
(never buffered past that), JSON (415), the fields (400 naming the first bad one). Only then
is the alert queued on the bounded executor: it is committed to PostgreSQL (one statement),
answered 202, and shown in Slack (and PagerDuty) afterwards by the same worker. When the
queue is full the answer is 503 with ``Retry-After``. A refused request changes nothing:
no row, no Slack call, no metric label from its content, no log of its body.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from typing import Any

import psycopg
from aiohttp import web
from psycopg_pool import PoolTimeout

from bot.app.runtime import Runtime
from bot.app.work import Admission
from bot.incidents import AlertValidationError, RaiseOutcome, owned_prefix, validate_alert
from bot.settings.model import ALERT_QUEUE_SHARE
from bot.stores.db_errors import DbFailure, classify
from bot.upstream import bounded_json
from handlers.web.body import read_capped

log = logging.getLogger(__name__)

ALERTS_PATH = "/alerts"
MAX_BODY_BYTES = 64 * 1024
RETRY_AFTER_S = 1
COMMIT_TIMEOUT_S = 15.0  # the queue's wait plus one statement; past it the sender retries
JSON_TYPES = ("application/json",)


def _answer(runtime: Runtime, outcome: str, status: int, body: dict[str, Any]) -> web.Response:
    runtime.incident_side.prometheus.alerts_received.labels(outcome).inc()
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="aisi-bot alerts"'
    response = web.json_response(body, status=status, headers=headers)
    if status in (401, 413):
        response.force_close()  # an unread remainder is not worth keeping the connection for
    return response


def _token_ok(header: str | None, expected: str) -> bool:
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Header bytes that are not UTF-8 arrive as surrogate escapes: compared as the bytes sent.
    sent = given.strip().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(sent, expected.encode())


def _is_json_type(content_type: str) -> bool:
    return content_type in JSON_TYPES or content_type.endswith("+json")


def register(web_app: web.Application, runtime: Runtime) -> None:
    """Add POST /alerts."""

    async def alerts(request: web.Request) -> web.Response:
        token = runtime.settings.secret("ALERTS_TOKEN")
        if token is None:
            body = {"error": "not configured: set ALERTS_TOKEN to accept alerts"}
            return _answer(runtime, "not_configured", 503, body)
        if not _token_ok(request.headers.get("Authorization"), token.reveal()):
            body = {"error": "missing or wrong bearer token"}
            return _answer(runtime, "unauthorized", 401, body)
        too_large = {"error": f"the body is larger than {MAX_BODY_BYTES // 1024} KB"}
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _answer(runtime, "too_large", 413, too_large)
        if not _is_json_type(request.content_type):
            body = {"error": "the body must be JSON (Content-Type: application/json)"}
            return _answer(runtime, "not_json", 415, body)
        raw = await read_capped(request, MAX_BODY_BYTES)
        if raw is None:
            return _answer(runtime, "too_large", 413, too_large)
        try:
            parsed = bounded_json.loads(raw.decode("utf-8"))
        except bounded_json.TooDeep as exc:
            body = {"error": f"the body nests deeper than {exc.limit} levels"}
            return _answer(runtime, "bad_request", 400, body)
        except (UnicodeDecodeError, ValueError):
            return _answer(runtime, "not_json", 415, {"error": "the body is not valid JSON"})
        try:
            alert = validate_alert(parsed)
        except AlertValidationError as exc:
            return _answer(runtime, "bad_request", 400, exc.as_json())
        prefix = owned_prefix(alert.dedup_key)
        if prefix is not None:
            body = {
                "error": f"dedup keys starting {prefix!r} belong to the bot's own checks",
                "field": "dedup_key",
            }
            return _answer(runtime, "forbidden", 403, body)
        return await _raise(runtime, alert)

    web_app.router.add_post(ALERTS_PATH, alerts)


async def _raise(runtime: Runtime, alert: Any) -> web.Response:
    work = runtime.work
    busy = {"error": "busy: too many alerts at once; retry after the Retry-After seconds"}
    if work.queued >= int(work.capacity * ALERT_QUEUE_SHARE):
        return _answer(runtime, "busy", 503, busy)  # the rest of the queue is for commands
    committed: asyncio.Future[RaiseOutcome] = asyncio.get_running_loop().create_future()
    committed.add_done_callback(_retrieve)

    async def apply_and_show() -> None:
        try:
            applied = await runtime.incidents.apply_alert(alert, actor=f"alert:{alert.source}")
        except Exception as exc:  # the sender is told (503); the worker goes on
            if not committed.done():
                committed.set_exception(exc)
            return
        if not committed.done():
            committed.set_result(applied.outcome)
        await applied.deliver()  # Slack, PagerDuty, what changed: after the 202

    if work.submit("alert", apply_and_show) is not Admission.ACCEPTED:
        return _answer(runtime, "busy", 503, busy)
    try:
        outcome = await asyncio.wait_for(asyncio.shield(committed), COMMIT_TIMEOUT_S)
    except TimeoutError:
        log.warning("alert not confirmed within %.0f s", COMMIT_TIMEOUT_S)
        body = {"error": f"not confirmed within {COMMIT_TIMEOUT_S:.0f} s; it may still apply"}
        return _answer(runtime, "unavailable", 503, body)
    except (psycopg.Error, PoolTimeout, OSError) as exc:
        problem = classify(exc)
        # The words of an "other" error may quote the body: only its SQLSTATE is told.
        words = f"SQLSTATE {problem.sqlstate}" if problem.kind is DbFailure.OTHER else problem
        log.warning("alert not stored: database %s (%s)", problem.kind, type(exc).__name__)
        body = {
            "error": f"database unavailable ({words}; {type(exc).__name__}); nothing was stored"
        }
        return _answer(runtime, "unavailable", 503, body)
    except Exception:  # a bug: named by an id in the log, never by its details here
        error_id = secrets.token_hex(4)
        log.exception("alert failed (error id %s)", error_id)
        body = {"error": f"internal error (error id {error_id}); nothing was stored"}
        return _answer(runtime, "failed", 500, body)
    return _answer(runtime, "accepted", 202, outcome.as_json())


def _retrieve(future: asyncio.Future[RaiseOutcome]) -> None:
    """Mark a failure as seen when nobody waits for it any more (the sender went away)."""
    if not future.cancelled():
        future.exception()
