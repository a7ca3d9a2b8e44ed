"""Prometheus metrics, in a registry owned by one runtime (no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    """The bot's counters and histograms."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "aisi_commands_total", "Slash commands received", ["command"], registry=self.registry
        )
        self.errors = Counter(
            "aisi_errors_total",
            "Unexpected errors met while handling work",
            ["source"],
            registry=self.registry,
        )
        self.probe_seconds = Histogram(
            "aisi_probe_seconds",
            "Health probe duration",
            ["group", "state"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.health_checks = Counter(
            "aisi_health_checks_total",
            "Health checks run, by overall state",
            ["state"],
            registry=self.registry,
        )

        # The bounded executor of work after the ack; ``work`` is a command name (a closed set).
        self.work_queue = Gauge(
            "aisi_work_queue_length",
            "Acknowledged work waiting for a worker",
            registry=self.registry,
        )
        self.work_running = Gauge(
            "aisi_work_running", "Acknowledged work running now", registry=self.registry
        )
        self.work_completed = Counter(
            "aisi_work_completed_total", "Work items finished", ["work"], registry=self.registry
        )
        self.work_refused = Counter(
            "aisi_work_refused_total",
            "Requests told 'busy' because the work queue was full or the bot was stopping",
            ["work"],
            registry=self.registry,
        )
        self.work_abandoned = Counter(
            "aisi_work_abandoned_total",
            "Work cancelled or never started because the shutdown grace period ended",
            ["work"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
