"""Incident metrics for ``/metrics``: time to acknowledge and resolve, open by severity."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.incidents.model import Severity

# Every answer POST /alerts gives, by a word from this closed set (never from the request).
ALERT_OUTCOMES = (
    "accepted",
    "unauthorized",
    "not_configured",
    "too_large",
    "not_json",
    "bad_request",
    "forbidden",
    "busy",
    "unavailable",
    "failed",
)
# From a minute to a day: on-call response times, not request latencies.
_BUCKETS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)


class IncidentPrometheus:
    """An ``IncidentMetrics`` over Prometheus histograms, registered in the runtime's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.time_to_acknowledge = Histogram(
            "aisi_incident_time_to_acknowledge_seconds",
            "Seconds from an incident opening to its acknowledgement",
            ["severity"],
            registry=registry,
            buckets=_BUCKETS,
        )
        self.time_to_resolve = Histogram(
            "aisi_incident_time_to_resolve_seconds",
            "Seconds from an incident opening to its resolution",
            ["severity"],
            registry=registry,
            buckets=_BUCKETS,
        )
        self.open_incidents = Gauge(
            "aisi_incidents_open",
            "Incidents open or acknowledged, by severity",
            ["severity"],
            registry=registry,
        )
        for severity in Severity:
            self.open_incidents.labels(severity=severity.value).set(0)
        self.alerts_received = Counter(
            "aisi_alerts_received_total",
            "POST /alerts requests, by how they were answered",
            ["outcome"],
            registry=registry,
        )
        for outcome in ALERT_OUTCOMES:
            self.alerts_received.labels(outcome)

    def observe_time_to_acknowledge(self, severity: Severity, seconds: float) -> None:
        """Record one acknowledgement."""
        self.time_to_acknowledge.labels(severity=severity.value).observe(max(0.0, seconds))

    def observe_time_to_resolve(self, severity: Severity, seconds: float) -> None:
        """Record one resolution."""
        self.time_to_resolve.labels(severity=severity.value).observe(max(0.0, seconds))

    def set_open(self, counts: dict[Severity, int]) -> None:
        """Set the open-incident gauge from ``IncidentService.open_by_severity()``."""
        for severity in Severity:
            self.open_incidents.labels(severity=severity.value).set(counts.get(severity, 0))
