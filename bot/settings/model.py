"""Settings: secrets and connections from the environment, the rest from TOML files.

The TOML files and their layering are :mod:`bot.settings.files`. Every value is validated
at start-up; a bad one raises ``ConfigError`` naming the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.i18n.translator import SUPPORTED as LANGUAGES
from bot.settings.escalation import EscalationPolicy, policy_from_config
from bot.settings.files import load_config_files, override_dir
from bot.settings.keys import KeyRecorder
from bot.settings.schedule import ScheduleConfig
from bot.settings.secrets import Secret
from bot.settings.values import (
    as_bool,
    as_choice,
    as_duration,
    as_float,
    as_int,
    as_slack_id,
    as_str_list,
    as_url,
    as_user_ids,
)

SECRET_ENV = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GOOGLE_AI_API_KEY",
    "REPLICATE_API_TOKEN",
    "ARTIFICIAL_ANALYSIS_API_KEY",
    "VERCEL_DEPLOY_HOOK_URL",
    "VERCEL_TOKEN",
    "ALERTS_TOKEN",
    "PAGERDUTY_ROUTING_KEY",
)
LEGACY_AA_ENV = "artificialanalysis_API_TOKEN"

# The one table of external base URLs and their defaults. Each is also settable by the
# environment variable of the same name or under [urls] in a settings file.
URL_DEFAULTS: dict[str, str] = {
    "SLACK_API_URL": "https://slack.com/api/",
    "APP_BASE_URL": "https://ai-server-information.vercel.app",
    "OPENAI_BASE_URL": "https://api.openai.com/v1",
    "ANTHROPIC_BASE_URL": "https://api.anthropic.com",
    "GOOGLE_AI_BASE_URL": "https://generativelanguage.googleapis.com",
    "REPLICATE_BASE_URL": "https://api.replicate.com",
    "ARTIFICIAL_ANALYSIS_BASE_URL": "https://artificialanalysis.ai",
    "GITHUB_BACKUP_URL": (
        "https://raw.githubusercontent.com/ksy2728/AI-GO/master/public/data/aa-models.json"
    ),
    "VERCEL_API_URL": "https://api.vercel.com",
    "PAGERDUTY_EVENTS_URL": "https://events.pagerduty.com/v2/enqueue",
}

# Inbound alerts (POST /alerts) may fill this share of the work queue ([work] queue_length);
# slash commands and buttons keep the rest.
ALERT_QUEUE_SHARE = 0.75


# The status page formats the vendors probe reads (bot.health.probes.vendors).
STATUS_PAGE_KINDS = ("statuspage", "neon", "google_cloud")


@dataclass(frozen=True)
class StatusPage:
    """One vendor status page (``[[status_pages]]``): its machine-readable ``url`` and
    format, the ``page_url`` people open, and how to reach the vendor's support."""

    name: str
    kind: str
    url: str
    page_url: str
    contact: str = ""


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with. Secrets are ``Secret`` and never print."""

    secrets: Mapping[str, Secret]
    database_url: Secret | None
    redis_url: Secret | None
    urls: Mapping[str, str]
    port: int = 3000
    host: str = "0.0.0.0"  # noqa: S104 - HTTP mode must be reachable by Slack
    data_dir: Path = field(default_factory=lambda: default_data_dir({}))
    log_level: str = "INFO"
    log_format: str = "text"
    channel: str = "#ai-monitoring"
    language: str = "en"  # slack.language: the channel's; a person's Slack locale overrides it
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    probe_timeout_s: float = 5.0
    health_deadline_s: float = 8.0
    operators: tuple[str, ...] = ()
    slack_team_id: str | None = None
    slack_enterprise_id: str | None = None
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    sync_max_deactivate_share: float = 0.2
    sync_min_active_models: int = 10
    sync_source_timeout_s: float = 30.0
    aa_fresh_window_s: int = 600  # a person's sync accepts a cached AA answer at most this old
    work_workers: int = 8
    work_queue_length: int = 64
    shutdown_grace_s: float = 20.0
    cache_key_prefixes: tuple[str, ...] = ()
    vercel_project_id: str | None = None
    vercel_deploy_timeout_s: int = 600
    status_pages: tuple[StatusPage, ...] = ()
    local_mode_forced: bool = False
    replica_id: str | None = None  # BOT_REPLICA_ID: this replica's name in chatops.job_runs

    def secret(self, name: str) -> Secret | None:
        """A secret by its environment name, or None when unset."""
        value = self.secrets.get(name)
        return value if value else None

    @property
    def slack_mode(self) -> str:
        """'socket', 'http' or 'local', from which Slack credentials exist."""
        if self.local_mode_forced:
            return "local"
        if self.secret("SLACK_APP_TOKEN") and self.secret("SLACK_BOT_TOKEN"):
            return "socket"
        if self.secret("SLACK_BOT_TOKEN") and self.secret("SLACK_SIGNING_SECRET"):
            return "http"
        return "local"

    def secret_values(self) -> list[str]:
        """Every secret's real value, for the log redactor."""
        values = [s.reveal() for s in self.secrets.values() if s]
        values += [s.reveal() for s in (self.database_url, self.redis_url) if s]
        return values


def default_data_dir(env: Mapping[str, str]) -> Path:
    """BOT_DATA_DIR, else $XDG_DATA_HOME/aisi-bot, else ~/.local/share/aisi-bot."""
    home = env.get("HOME") or str(Path.home())
    base = env.get("XDG_DATA_HOME") or str(Path(home) / ".local" / "share")
    return Path(base) / "aisi-bot"


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(name, "must be a table")
    return value


def parse_status_pages(data: Mapping[str, Any]) -> tuple[StatusPage, ...]:
    """The ``[[status_pages]]`` table of merged settings files, validated."""
    raw = data.get("status_pages", [])
    if not isinstance(raw, list):
        raise ConfigError("status_pages", "must be an array of tables")
    pages = []
    for index, item in enumerate(raw):
        key = f"status_pages[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigError(key, "must be a table")
        kind = as_choice(f"{key}.kind", item.get("kind"), STATUS_PAGE_KINDS)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{key}.name", "must be a non-empty string")
        pages.append(
            StatusPage(
                name=name,
                kind=kind,
                url=as_url(f"{key}.url", item.get("url")),
                page_url=as_url(f"{key}.page_url", item.get("page_url", item.get("url"))),
                contact=str(item.get("contact", "")),
            )
        )
    return tuple(pages)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build and validate settings from the environment and config files."""
    env = dict(os.environ) if env is None else dict(env)
    files = load_config_files(override_dir(env))
    recorder = KeyRecorder()
    data = recorder.wrap(files)

    secrets = {name: Secret(env[name]) for name in SECRET_ENV if env.get(name)}
    if "ARTIFICIAL_ANALYSIS_API_KEY" not in secrets and env.get(LEGACY_AA_ENV):
        secrets["ARTIFICIAL_ANALYSIS_API_KEY"] = Secret(env[LEGACY_AA_ENV])
    if "VERCEL_DEPLOY_HOOK_URL" in secrets:
        as_url("VERCEL_DEPLOY_HOOK_URL", secrets["VERCEL_DEPLOY_HOOK_URL"].reveal(), quiet=True)

    file_urls = _section(data, "urls")
    urls = {}
    for name, default in URL_DEFAULTS.items():
        from_file = file_urls.get(name)  # read even when the environment wins: a known key
        raw = env.get(name) or from_file or default
        urls[name] = as_url(name, raw)
    if not urls["SLACK_API_URL"].endswith("/"):
        urls["SLACK_API_URL"] += "/"

    database_url = _connection_url("DATABASE_URL", env, ("postgres", "postgresql"))
    redis_url = _connection_url("REDIS_URL", env, ("redis", "rediss", "unix"))

    slack = _section(data, "slack")
    schedule = _section(data, "schedule")
    health = _section(data, "health")
    auth = _section(data, "auth")
    escalation = _section(data, "escalation")
    sync = _section(data, "sync")
    cache = _section(data, "cache")
    work = _section(data, "work")
    vercel = _section(data, "vercel")

    probe_timeout = as_float(
        "health.probe_timeout_seconds", health.get("probe_timeout_seconds", 5), 0.1, 60
    )
    deadline = as_float("health.deadline_seconds", health.get("deadline_seconds", 8), 0.2, 120)
    if deadline < probe_timeout:
        raise ConfigError(
            "health.deadline_seconds", "must be at least health.probe_timeout_seconds"
        )
    channel = str(slack.get("channel", "#ai-monitoring"))
    if not channel or any(c.isspace() for c in channel):
        raise ConfigError(
            "slack.channel", f"must be a channel name or id without spaces (got {channel!r})"
        )

    settings = Settings(
        secrets=secrets,
        database_url=database_url,
        redis_url=redis_url,
        urls=urls,
        port=as_int("PORT", env.get("PORT", "3000"), 0, 65535),
        host=env.get("HOST", "0.0.0.0"),  # noqa: S104 - Slack must reach HTTP mode
        data_dir=Path(env["BOT_DATA_DIR"]) if env.get("BOT_DATA_DIR") else default_data_dir(env),
        log_level=as_choice(
            "LOG_LEVEL", env.get("LOG_LEVEL", "INFO").upper(), ("DEBUG", "INFO", "WARNING", "ERROR")
        ),
        log_format=as_choice("LOG_FORMAT", env.get("LOG_FORMAT", "text").lower(), ("text", "json")),
        channel=channel,
        language=as_choice("slack.language", slack.get("language", "en"), LANGUAGES),
        schedule=ScheduleConfig.from_mapping(schedule),
        probe_timeout_s=probe_timeout,
        health_deadline_s=deadline,
        operators=as_user_ids("auth.operators", auth.get("operators", [])),
        slack_team_id=as_slack_id("slack.team_id", slack.get("team_id"), "T"),
        slack_enterprise_id=as_slack_id("slack.enterprise_id", slack.get("enterprise_id"), "E"),
        escalation=policy_from_config(escalation),
        sync_max_deactivate_share=as_float(
            "sync.max_deactivate_share", sync.get("max_deactivate_share", 0.2), 0.0, 1.0
        ),
        sync_min_active_models=as_int(
            "sync.min_active_models", sync.get("min_active_models", 10), 0, 1_000_000
        ),
        sync_source_timeout_s=as_float(
            "sync.source_timeout_seconds", sync.get("source_timeout_seconds", 30), 0.5, 600
        ),
        aa_fresh_window_s=as_duration(
            "sync.aa_fresh_window", sync.get("aa_fresh_window", "10m"), 0, 6 * 3600
        ),
        work_workers=as_int("work.workers", work.get("workers", 8), 1, 256),
        work_queue_length=as_int("work.queue_length", work.get("queue_length", 64), 1, 100_000),
        shutdown_grace_s=as_float(
            "work.shutdown_grace_seconds", work.get("shutdown_grace_seconds", 20), 0, 600
        ),
        cache_key_prefixes=as_str_list("cache.app_key_prefixes", cache.get("app_key_prefixes", [])),
        vercel_project_id=_optional_str("vercel.project_id", vercel.get("project_id")),
        vercel_deploy_timeout_s=as_duration(
            "vercel.deploy_timeout", vercel.get("deploy_timeout", "10m"), 10, 3 * 3600
        ),
        status_pages=parse_status_pages(data),
        local_mode_forced=as_bool("AISI_LOCAL_MODE", env.get("AISI_LOCAL_MODE", "false")),
        replica_id=_replica_id(env.get("BOT_REPLICA_ID", "")),
    )
    recorder.check(files)
    return settings


def _replica_id(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if len(text) > 100 or any(c.isspace() for c in text):
        raise ConfigError("BOT_REPLICA_ID", "must be at most 100 characters without spaces")
    return text


def _optional_str(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or any(c.isspace() for c in value):
        raise ConfigError(key, f"must be a string without spaces (got {value!r})")
    return value


def _connection_url(name: str, env: Mapping[str, str], schemes: tuple[str, ...]) -> Secret | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if scheme not in schemes:
        raise ConfigError(
            name, f"must be a URL starting with one of {', '.join(s + '://' for s in schemes)}"
        )
    return Secret(raw)
