"""A ProbeResult written to and read back from a ``ResultCache`` (``bot.stores.result_cache``).

Probes store short JSON strings (a parsed probe result) under a key for a few seconds to
an hour, so that an upstream with a request quota (Artificial Analysis) or a slow status
page is not called on every slash command.
"""

from __future__ import annotations

import json

from bot.health.probes.base import ProbeResult, ProbeState
from bot.i18n.said import Said
from bot.i18n.translator import N_


def encode_cached(result: ProbeResult, checked_at: float) -> str:
    """A ProbeResult as JSON for a ResultCache, stamped with when it was checked."""
    data = {
        "name": result.name,
        "group": result.group,
        "state": result.state.value,
        "latency_ms": result.latency_ms,
        "detail": result.detail,
        "status": result.status,
        "facts": result.facts,
        "checked_at": checked_at,
    }
    return json.dumps(data)


def decode_cached(raw: str, now: float) -> ProbeResult | None:
    """A cached ProbeResult marked ``cached`` with its age; None if unreadable."""
    try:
        data = json.loads(raw)
        age = max(0, int(now - float(data["checked_at"])))
        latency = data["latency_ms"]
        facts: dict[str, str | int | float | None] = {
            str(k): v
            for k, v in dict(data["facts"]).items()
            if v is None or isinstance(v, str | int | float)
        }
        facts.update(cached="yes", cache_age_s=age)
        return ProbeResult(
            name=str(data["name"]),
            group=str(data["group"]),
            state=ProbeState(data["state"]),
            latency_ms=float(latency) if latency is not None else None,
            detail=Said(
                N_("%(detail)s (cached, %(age)s s old)"), detail=str(data["detail"]), age=age
            ),
            status=str(data["status"]),
            facts=facts,
        )
    except (ValueError, KeyError, TypeError):
        return None
