"""The provider table: every AI provider the bot knows, in one place.

One row per provider drives the key checks (``/keys``, ``/health keys``), the health
probes and the sync's provider listings: its name, how people read it, the environment
variable of its key, the base URL setting (its default is in ``bot.settings.model.URL_DEFAULTS``,
the one URL table), how to check its key without spending tokens, and its model listing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.settings.model import URL_DEFAULTS, Settings
from bot.sources.providers import (
    ANTHROPIC_VERSION,
    fetch_anthropic_models,
    fetch_google_models,
    fetch_openai_models,
    fetch_replicate_models,
)
from bot.sources.records import SourceResult

# The Artificial Analysis check spends from a 1,000 requests/day quota: its answer is kept.
AA_CACHE_TTL_S = 3600

ListingFetch = Callable[..., Awaitable[SourceResult]]


@dataclass(frozen=True)
class KeyCheck:
    """How to check a provider's key with a request that spends no tokens."""

    path: str
    auth_header: str
    bearer: bool = False
    extra_headers: tuple[tuple[str, str], ...] = ()
    cache_ttl_s: int = 0  # > 0: the endpoint spends a daily quota, cache its answer

    def url(self, base_url: str) -> str:
        """The check's URL under ``base_url``."""
        return base_url.rstrip("/") + self.path

    def headers(self, key: str) -> dict[str, str]:
        """The key goes in a header only, never in a URL."""
        secret = f"Bearer {key}" if self.bearer else key
        return {self.auth_header: secret, **dict(self.extra_headers)}


@dataclass(frozen=True)
class Provider:
    """One AI provider: names, secret, base URL setting, key check and model listing."""

    name: str
    display_name: str
    secret_env: str
    url_setting: str
    key_check: KeyCheck
    listing: ListingFetch | None = None  # the provider's model listing: a sync source

    @property
    def default_base_url(self) -> str:
        """The base URL when neither the environment nor a settings file sets one."""
        return URL_DEFAULTS[self.url_setting]

    def base_url(self, settings: Settings) -> str:
        """The configured base URL."""
        return settings.urls[self.url_setting]

    def key(self, settings: Settings) -> str | None:
        """The configured key, or None."""
        secret = settings.secret(self.secret_env)
        return secret.reveal() if secret else None


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "openai",
        "OpenAI",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        KeyCheck("/models", "Authorization", bearer=True),
        fetch_openai_models,
    ),
    Provider(
        "anthropic",
        "Anthropic",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        KeyCheck(
            "/v1/models", "x-api-key", extra_headers=(("anthropic-version", ANTHROPIC_VERSION),)
        ),
        fetch_anthropic_models,
    ),
    Provider(
        "google",
        "Google AI",
        "GOOGLE_AI_API_KEY",
        "GOOGLE_AI_BASE_URL",
        KeyCheck("/v1beta/models", "x-goog-api-key"),
        fetch_google_models,
    ),
    Provider(
        "replicate",
        "Replicate",
        "REPLICATE_API_TOKEN",
        "REPLICATE_BASE_URL",
        KeyCheck("/v1/account", "Authorization", bearer=True),
        fetch_replicate_models,
    ),
    Provider(
        "artificial_analysis",
        "Artificial Analysis",
        "ARTIFICIAL_ANALYSIS_API_KEY",
        "ARTIFICIAL_ANALYSIS_BASE_URL",
        KeyCheck("/api/v2/data/llms/models", "x-api-key", cache_ttl_s=AA_CACHE_TTL_S),
        # Its data reaches the sync through its own two sources (bot.sync.wiring).
    ),
)
PROVIDER: dict[str, Provider] = {provider.name: provider for provider in PROVIDERS}
ARTIFICIAL_ANALYSIS = PROVIDER["artificial_analysis"]
