"""Which probes /health runs, wired to the runtime's clients and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.health import HealthCheck, NamedProbe
from bot.probes.base import ProbeResult
from bot.probes.stores import probe_cache, probe_database

if TYPE_CHECKING:
    from bot.runtime import Runtime


def build_health_check(runtime: Runtime) -> HealthCheck:
    """The full set of probes for this runtime."""
    settings = runtime.settings
    timeout = settings.probe_timeout_s

    async def database() -> ProbeResult:
        return await probe_database(runtime.db, timeout_s=timeout)

    async def cache() -> ProbeResult:
        return await probe_cache(runtime.redis, timeout_s=timeout)

    probes = [
        NamedProbe("Database", "db", database),
        NamedProbe("Cache (Redis)", "cache", cache),
    ]
    return HealthCheck(probes, probe_timeout_s=timeout, deadline_s=settings.health_deadline_s)
