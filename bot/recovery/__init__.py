"""Guided emergency recovery (``/recover``, ``aisi-bot recover``), Slack-free.

The public API:

- ``RecoveryOptions(steps=..., dry_run=..., continue_on_failure=..., force_sync=...)`` —
  what the operator chose; ``parse_steps("cache,db")`` reads ``--steps``.
- ``RecoveryService.run(options, *, actor, idempotency_key, progress)`` → ``RecoveryReport``;
  ``RecoveryService.current()`` → who runs one now (``LockHolder``) or None;
  ``RecoveryService.record_refusal(options, *, actor, reason)`` audits a refusal decided
  before a run (e.g. a non-operator typing ``/recover``); ``may_recover(actor, operators)``
  (``RecoveryService.may_run(actor)`` with the live operators).
- ``RecoveryReport`` (actor, options, started/finished, ``steps``: ``StepReport`` each with
  ``StepState``, duration, detail lines, data; ``outcome``: ``Outcome``; incident id).
- The steps, built by the wiring and handed to the service: ``CacheStep``,
  ``DatabaseStep``, ``SyncStep``, ``DeployStep`` (with ``bot.upstream.vercel.DeployHook`` and
  ``bot.upstream.vercel.VercelDeployments``); ``RecoveryLocks`` and ``RecoveryStore``.
"""

from bot.recovery.access import NOT_OPERATOR, OperatorCheck, may_recover
from bot.recovery.cache_step import CacheStep
from bot.recovery.db_step import DatabaseStep
from bot.recovery.deploy_step import NOT_FOLLOWED, DeployStep, format_seconds
from bot.recovery.incident import INCIDENT_KEY, AlertRaiser, recovery_alert
from bot.recovery.lock import LockRefusal, RecoveryLocks
from bot.recovery.model import (
    ALL_STEPS,
    Outcome,
    RecoveryOptions,
    RecoveryReport,
    StepName,
    StepReport,
    StepsError,
    StepState,
    parse_steps,
)
from bot.recovery.schema import APP_SCHEMA, SchemaCheck, check_app_schema
from bot.recovery.service import Progress, RecoveryService
from bot.recovery.steps import RecoveryStep, StepContext, StepFailedError
from bot.recovery.store import RecoveryStore
from bot.recovery.sync_step import SyncStep

__all__ = [
    "ALL_STEPS",
    "APP_SCHEMA",
    "INCIDENT_KEY",
    "NOT_FOLLOWED",
    "NOT_OPERATOR",
    "AlertRaiser",
    "CacheStep",
    "DatabaseStep",
    "DeployStep",
    "LockRefusal",
    "OperatorCheck",
    "Outcome",
    "Progress",
    "RecoveryLocks",
    "RecoveryOptions",
    "RecoveryReport",
    "RecoveryService",
    "RecoveryStep",
    "RecoveryStore",
    "SchemaCheck",
    "StepContext",
    "StepFailedError",
    "StepName",
    "StepReport",
    "StepState",
    "StepsError",
    "SyncStep",
    "check_app_schema",
    "format_seconds",
    "may_recover",
    "parse_steps",
    "recovery_alert",
]
