"""The daily report, built from stored data only (never a guessed number).

``ReportBuilder.snapshot_counts`` records today's active models per source and provider in
``chatops.daily_model_counts``; ``ReportBuilder.build`` returns a ``DailyReport`` whose
sections each hold a value or say why they could not (``unknown``). The Slack side
(``bot.slack.report_view``) lays it out within Block Kit's limits. Slack-free.
"""

from bot.reports.builder import ReportBuilder
from bot.reports.counts import DailyCountStore
from bot.reports.model import (
    DailyReport,
    DataQuality,
    FailingCheck,
    Finding,
    IncidentSummary,
    KeyState,
    KeyStates,
    ModelCounts,
    NextRun,
    OpenIncident,
    SourceSyncs,
    SyncSummary,
    Trend,
)
from bot.reports.sparkline import sparkline

__all__ = [
    "DailyCountStore",
    "DailyReport",
    "DataQuality",
    "FailingCheck",
    "Finding",
    "IncidentSummary",
    "KeyState",
    "KeyStates",
    "ModelCounts",
    "NextRun",
    "OpenIncident",
    "ReportBuilder",
    "SourceSyncs",
    "SyncSummary",
    "Trend",
    "sparkline",
]
