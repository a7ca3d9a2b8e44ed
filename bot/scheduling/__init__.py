"""Scheduled work: one APScheduler per replica, each firing claimed once in PostgreSQL.

The public API: ``ScheduleConfig`` (``[schedule]``: triggers, time zone, misfire grace),
``Scheduler`` (``add_job``, ``start``, ``shutdown``, ``next_runs``, ``statuses``), what a job
receives and returns (``Firing``, ``JobResult``), and the recorded runs (``JobRun``,
``Outcome``, ``JobRunStore``), and the /health probe (``probe_scheduler``). See each
module's docstring.
"""

from bot.scheduling.model import (
    Firing,
    JobFunc,
    JobResult,
    JobStatus,
    default_replica_id,
    job_statuses,
)
from bot.scheduling.probe import probe_scheduler, scheduler_result
from bot.scheduling.runs import JobRun, JobRunStore, Outcome
from bot.scheduling.scheduler import Scheduler
from bot.scheduling.triggers import JobTrigger, TriggerKind, TriggerSpec
from bot.settings.schedule import JobId, ScheduleConfig, parse_trigger

__all__ = [
    "Firing",
    "JobFunc",
    "JobId",
    "JobResult",
    "JobRun",
    "JobRunStore",
    "JobStatus",
    "JobTrigger",
    "Outcome",
    "ScheduleConfig",
    "Scheduler",
    "TriggerKind",
    "TriggerSpec",
    "default_replica_id",
    "job_statuses",
    "parse_trigger",
    "probe_scheduler",
    "scheduler_result",
]
