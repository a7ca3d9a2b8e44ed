"""Source checks: each source reachable and sane, the GitHub backup fresh, AA quota left,
the app's ``/api/health`` read truthfully. Each check id is its incident's dedup key:

- ``source:<name>`` — the source answered with models (``<name>`` as in the sync);
- ``source:<name>:placeholder`` — its models are not scraper placeholders;
- ``source:github_backup:age`` — the backup file is at most ``max_age_days`` old;
- ``source:aa_api:quota`` — AA's daily quota has at least ``min_left`` requests left;
- ``app:health`` — every service in the app's ``/api/health`` is healthy.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

import httpx

from bot.checks.model import CheckContext, CheckResult, CheckState, NamedCheck
from bot.health.probes.app import probe_app_health
from bot.health.probes.base import ProbeState
from bot.incidents.model import Severity
from bot.sources.aa_api import AA_MODELS_PATH, parse_aa_api
from bot.sources.aa_api import SOURCE as AA_SOURCE
from bot.sources.placeholder import with_placeholder_check
from bot.sources.records import SourceFailure, SourceResult, elapsed_ms, failed, http_failure
from bot.upstream.http import http_get, read_json

SourceFetch = Callable[[], Awaitable[SourceResult]]
BACKUP = "github_backup"
_REMAINING = ("x-ratelimit-remaining", "ratelimit-remaining", "x-ratelimit-remaining-requests")
_LIMIT = ("x-ratelimit-limit", "ratelimit-limit", "x-ratelimit-limit-requests")
_OK, _FAILED = CheckState.OK, CheckState.FAILED


def source_id(name: str, aspect: str = "") -> str:
    """The check id (and dedup key) of a source: 'source:aa_api', 'source:aa_api:quota'."""
    return f"source:{name}" + (f":{aspect}" if aspect else "")


def results_of_source(result: SourceResult) -> list[CheckResult]:
    """Reachable (with models) and not placeholders, from one source's fetch result."""
    name = result.source
    if result.status == "skipped":
        reason = result.reason or "not asked"
        return [CheckResult(source_id(name), CheckState.SKIPPED, f"{name} not checked", reason)]
    if not result.ok:
        return [
            CheckResult(
                source_id(name),
                _FAILED,
                f"Source {name} failing",
                result.reason,
                status="failed",
                facts={"duration_ms": round(result.duration_ms)},
            ),
        ]
    count = len(result.records)
    placeholder_id = source_id(name, "placeholder")
    checks = [
        CheckResult(
            source_id(name),
            _OK,
            f"Source {name} failing",
            result.reason or f"{count} models",
            status="ok",
            facts={"models": count},
        ),
    ]
    if result.placeholder:
        checks.append(
            CheckResult(
                placeholder_id,
                _FAILED,
                f"Source {name} serves placeholder data",
                result.placeholder_reason,
                status="placeholder",
                facts={"models": count},
            ),
        )
    else:
        checks.append(
            CheckResult(
                placeholder_id,
                _OK,
                f"Source {name} serves placeholder data",
                f"{count} models, values vary",
                facts={"models": count},
            ),
        )
    return checks


def backup_age_result(result: SourceResult, *, max_age_days: int) -> CheckResult:
    """Whether the GitHub backup was written at most ``max_age_days`` ago."""
    check_id = source_id(BACKUP, "age")
    title = f"GitHub backup older than {max_age_days} days"
    if not result.ok:
        return CheckResult(check_id, CheckState.UNKNOWN, title, "backup unreachable: age unknown")
    age = result.facts.get("age_days")
    if not isinstance(age, int):
        return CheckResult(check_id, CheckState.UNKNOWN, title, "the backup has no lastUpdated")
    updated = result.facts.get("last_updated")
    detail = f"backup {age} days old" + (f" (updated {str(updated)[:10]})" if updated else "")
    state = _FAILED if age > max_age_days else _OK
    facts = {"age_days": age, "last_updated": updated, "max_age_days": max_age_days}
    return CheckResult(
        check_id,
        state,
        title,
        detail,
        "stale" if state is _FAILED else "fresh",
        Severity.WARNING,
        facts,
    )


def fetch_check(
    name: str, fetch: SourceFetch, *, backup_max_age_days: int | None = None
) -> NamedCheck:
    """A check of any source the sync asks (its fetch function); the backup adds its age."""

    async def run(_: CheckContext) -> list[CheckResult]:
        result = await fetch()
        checks = results_of_source(result)
        if backup_max_age_days is not None:
            checks.append(backup_age_result(result, max_age_days=backup_max_age_days))
        return checks

    return NamedCheck(name, source_id(name), run)


def _header_int(headers: Mapping[str, str], names: tuple[str, ...]) -> int | None:
    for name in names:
        raw = headers.get(name, "").split(",")[0].split(";")[0].strip()
        if raw.isdigit():
            return int(raw)
    return None


def quota_result(
    headers: Mapping[str, str] | None, status_code: int, *, min_left: int
) -> CheckResult:
    """AA's quota left, when its answer says (rate-limit headers, or a 429)."""
    check_id = source_id(AA_SOURCE, "quota")
    title = "Artificial Analysis API quota nearly used up"
    if status_code == 429:
        return CheckResult(
            check_id,
            _FAILED,
            title,
            "HTTP 429: the daily quota is used up",
            "exhausted",
            facts={"remaining": 0},
        )
    remaining = _header_int(headers or {}, _REMAINING)
    if remaining is None:
        return CheckResult(
            check_id, CheckState.UNKNOWN, title, "AA did not say (no rate-limit headers)"
        )
    limit = _header_int(headers or {}, _LIMIT)
    of = f" of {limit}" if limit is not None else ""
    state = _FAILED if remaining < min_left else _OK
    return CheckResult(
        check_id,
        state,
        title,
        f"{remaining}{of} requests left today",
        "low" if state is _FAILED else "ok",
        Severity.WARNING,
        {"remaining": remaining, "limit": limit, "min_left": min_left},
    )


def aa_api_check(
    *,
    client: httpx.AsyncClient,
    base_url: str,
    key: str | None,
    timeout_s: float,
    min_left: int,
    min_interval_s: float = 900.0,
) -> NamedCheck:
    """The AA data API: reachable with models, not placeholders, and quota left (1 request).

    AA allows 1,000 requests a day: the API is asked at most every ``min_interval_s``
    however often the source checks run; in between this check reports nothing (its last
    outcome stands).
    """

    async def run(ctx: CheckContext) -> list[CheckResult]:
        token = (key or "").strip()
        if not token:
            skipped = SourceResult(AA_SOURCE, "skipped", "no key configured")
            return results_of_source(skipped)
        last = await ctx.previous(source_id(AA_SOURCE))
        if last is not None and (ctx.now() - last.checked_at).total_seconds() < min_interval_s:
            return []
        started = time.perf_counter()
        url = base_url.rstrip("/") + AA_MODELS_PATH
        fetched = await http_get(client, url, timeout_s=timeout_s, headers={"x-api-key": token})
        response = fetched.response
        if response is None:
            return results_of_source(failed(AA_SOURCE, fetched.detail, started))
        quota = quota_result(response.headers, response.status_code, min_left=min_left)
        if not response.is_success:
            return [*results_of_source(failed(AA_SOURCE, http_failure(response), started)), quota]
        try:
            records = parse_aa_api(await read_json(response))
        except ValueError as exc:
            reason = f"unparseable: not JSON ({str(exc)[:80]})"
            return [*results_of_source(failed(AA_SOURCE, reason, started)), quota]
        except SourceFailure as exc:
            return [*results_of_source(failed(AA_SOURCE, str(exc), started)), quota]
        result = SourceResult(
            AA_SOURCE, "ok", f"{len(records)} models", tuple(records), elapsed_ms(started)
        )
        return [*results_of_source(with_placeholder_check(result)), quota]

    return NamedCheck(AA_SOURCE, source_id(AA_SOURCE), run)


def app_health_check(*, client: httpx.AsyncClient, base_url: str, timeout_s: float) -> NamedCheck:
    """The app's ``/api/health``, read by its services (it says 'healthy' with its DB down)."""

    async def run(_: CheckContext) -> list[CheckResult]:
        probe = await probe_app_health(base_url, client=client, timeout_s=timeout_s)
        state = {ProbeState.OK: _OK, ProbeState.UNKNOWN: CheckState.UNKNOWN}.get(
            probe.state, _FAILED
        )
        facts = {k: v for k, v in probe.facts.items() if isinstance(v, str | int | float)}
        return [
            CheckResult(
                "app:health",
                state,
                "App health check failing",
                probe.detail,
                probe.status,
                Severity.CRITICAL,
                facts,
            )
        ]

    return NamedCheck("app_health", "app:health", run)
