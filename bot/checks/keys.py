"""Key checks (hourly): each provider key, by a request that spends no tokens.

``key:<provider>`` fails when the key is invalid or out of quota (critical), or missing
(warning, unless ``alert_on_missing`` is off). Rate limits, provider outages and timeouts
say nothing about the key: UNKNOWN, which leaves an incident as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from bot.checks.model import CheckContext, CheckResult, CheckState, NamedCheck
from bot.health.probes.base import ProbeResult
from bot.health.probes.keys import probe_key
from bot.incidents.model import Severity
from bot.sources.provider_table import PROVIDER
from bot.stores.result_cache import ResultCache

_FAILING: dict[str, tuple[str, Severity]] = {
    "invalid": ("key invalid", Severity.CRITICAL),
    "quota": ("key out of quota", Severity.CRITICAL),
    "missing": ("key missing", Severity.WARNING),
}


@dataclass(frozen=True)
class KeyTarget:
    """One provider key to check: provider (as in ``bot.sources.provider_table``), key, URL."""

    provider: str
    key: str | None
    base_url: str = ""


def key_id(provider: str) -> str:
    """'key:openai'."""
    return f"key:{provider}"


def key_result(provider: str, probe: ProbeResult, *, alert_on_missing: bool = True) -> CheckResult:
    """The check outcome of one key probe (its detail is already masked)."""
    name = PROVIDER[provider].display_name
    facts = {k: v for k, v in probe.facts.items() if k in ("key", "http_status", "retry_after_s")}
    if probe.status == "valid":
        return CheckResult(
            key_id(provider),
            CheckState.OK,
            f"{name} key failing",
            probe.detail,
            probe.status,
            facts=facts,
        )
    failing = _FAILING.get(probe.status)
    if failing is None or (probe.status == "missing" and not alert_on_missing):
        state = CheckState.SKIPPED if probe.status == "missing" else CheckState.UNKNOWN
        return CheckResult(
            key_id(provider), state, f"{name} key failing", probe.detail, probe.status, facts=facts
        )
    what, severity = failing
    return CheckResult(
        key_id(provider),
        CheckState.FAILED,
        f"{name} {what}",
        probe.detail,
        probe.status,
        severity,
        facts,
    )


def key_checks(
    targets: Sequence[KeyTarget],
    *,
    client: httpx.AsyncClient,
    cache: ResultCache | None,
    timeout_s: float,
    alert_on_missing: bool = True,
) -> list[NamedCheck]:
    """One check per key (the AA key's answer is cached, as for /keys: it spends quota)."""

    def one(target: KeyTarget) -> NamedCheck:
        async def run(_: CheckContext) -> list[CheckResult]:
            probe = await probe_key(
                target.provider,
                target.key,
                base_url=target.base_url,
                client=client,
                cache=cache,
                timeout_s=timeout_s,
            )
            return [key_result(target.provider, probe, alert_on_missing=alert_on_missing)]

        return NamedCheck(f"key:{target.provider}", key_id(target.provider), run)

    return [one(target) for target in targets]
