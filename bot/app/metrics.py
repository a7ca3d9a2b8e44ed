"""Prometheus metrics, in a registry owned by one runtime (no global state)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.health.probes.base import ProbeResult
from bot.slack.edge import REJECTION_REASONS

OTHER = "other"


def closed_label(value: object, allowed: Iterable[str]) -> str:
    """``value`` when it is one of ``allowed``, else "other": labels never come from input."""
    text = value if isinstance(value, str) else ""
    return text if text in set(allowed) else OTHER


class Metrics:
    """The bot's counters and histograms.

    Every label value comes from a closed set known at start-up (registered commands and
    action ids, probe names, fixed reasons; "other" for anything else), so no request can
    add a series.
    """

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # Counted once per request by the handler pipeline; labels from closed sets of ids.
        self.commands = Counter(
            "aisi_commands_total", "Slash commands received", ["command"], registry=self.registry
        )
        self.actions = Counter(
            "aisi_actions_total", "Button presses received", ["action"], registry=self.registry
        )
        self.views = Counter(
            "aisi_views_total", "Dialog submissions received", ["view"], registry=self.registry
        )
        self.events = Counter(
            "aisi_events_total", "Events API events received", ["event"], registry=self.registry
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
            ["group", "probe", "state"],
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.health_checks = Counter(
            "aisi_health_checks_total",
            "Health checks run, by overall state",
            ["state"],
            registry=self.registry,
        )
        self.edge_rejections = Counter(
            "aisi_edge_rejections_total",
            "Requests to /slack/events refused before Bolt saw them, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "aisi_event_loop_lag_seconds",
            "How late the event loop woke a periodic ticker (a stall delays every request)",
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.loop_lag_max = Gauge(
            "aisi_event_loop_lag_max_seconds",
            "The longest event-loop stall seen since start",
            registry=self.registry,
        )
        self.events_deduplicated = Counter(
            "aisi_events_deduplicated_total",
            "Slack event deliveries dropped because their event_id was already handled",
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
        self._max_lag = 0.0
        for reason in REJECTION_REASONS:  # every series exists from the start
            self.edge_rejections.labels(reason)

    def observe_probe(self, result: ProbeResult, seconds: float) -> None:
        """Record one probe run (its name comes from the configured probes, a closed set)."""
        self.probe_seconds.labels(result.group, result.name, result.state.value).observe(seconds)

    def observe_loop_lag(self, seconds: float) -> None:
        """Record one tick's lateness."""
        self.loop_lag.observe(seconds)
        if seconds > self._max_lag:
            self._max_lag = seconds
            self.loop_lag_max.set(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
