"""The sources' shared contract: normalised model records, source results, and failures.

Every source adapter (provider listings, AA API, AA page, GitHub backup, defaults file)
returns one :class:`SourceResult` holding :class:`ModelRecord` rows, and never raises
for an upstream problem: the failure is named in ``reason`` in a fixed vocabulary
("HTTP 500", "rate limited (retry after 30 s)", "timeout after 10 s", "unreachable",
"unparseable: ...", "page layout changed: ..."). Keys never appear in a reason.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import httpx

from bot.upstream.http import Facts, http_get, parse_retry_after, read_json, short

RecordSource = Literal["provider_api", "aa_api", "aa_page", "github_backup", "defaults"]
Status = Literal["ok", "failed", "skipped"]

# Canonical provider slugs are Artificial Analysis' model-creator slugs, so that the
# creator slug "openai", the backup's "OpenAI" and a listing's "openai" all meet.
PROVIDER_ALIASES: Mapping[str, str] = {
    "open-ai": "openai",
    "google-ai": "google",
    "google-ai-studio": "google",
    "google-deepmind": "google",
    "deepmind": "google",
    "gemini": "google",
    "anthropic-ai": "anthropic",
    "claude": "anthropic",
    "meta-llama": "meta",
    "meta-ai": "meta",
    "facebook": "meta",
    "mistral-ai": "mistral",
    "mistralai": "mistral",
    "x-ai": "xai",
    "deepseek-ai": "deepseek",
    "ibm-granite": "ibm",
    "amazon": "aws",
    "amazon-web-services": "aws",
    "microsoft": "azure",
    "microsoft-azure": "azure",
    "lg-ai-research": "lg",
    "z-ai": "zai",
    "allen-institute-for-ai": "ai2",
    "moonshot-ai": "moonshotai",
    "liquid-ai": "liquidai",
    "qwen": "alibaba",
}


def _slugify(text: str) -> str:
    slug = re.sub(r"[\s_]+", "-", text.strip().lower())
    return re.sub(r"-{2,}", "-", slug).strip("-")


def normalise_provider(name_or_slug: str) -> str:
    """A provider's canonical slug: 'OpenAI', 'openai' and 'Mistral AI' → 'openai', 'mistral'."""
    slug = _slugify(name_or_slug.replace(".", "-"))
    return PROVIDER_ALIASES.get(slug, slug)


def normalise_model_slug(slug: str) -> str:
    """Lower case, no provider prefix ('openai/', 'models/'), spaces and dots → '-', no '--'.

    Dots go too, so Google's 'gemini-2.0-flash' meets AA's 'gemini-2-0-flash'.
    """
    return _slugify(slug.strip().rsplit("/", 1)[-1].replace(".", "-"))


@dataclass(frozen=True)
class ModelRecord:
    """One model as a source reports it; prices are USD per 1M tokens."""

    provider_slug: str
    provider_name: str
    slug: str
    name: str
    source: RecordSource
    raw_id: str
    intelligence_score: float | None = None
    output_speed: float | None = None  # tokens per second
    input_price: float | None = None
    output_price: float | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    description: str = ""
    modalities: tuple[str, ...] = ()
    is_deprecated: bool = False


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SourceResult:
    """What one source adapter produced: records, or why there are none."""

    source: str  # adapter name: openai, anthropic, google, replicate, aa_api, ...
    status: Status
    reason: str = ""
    records: tuple[ModelRecord, ...] = ()
    duration_ms: float = 0.0
    placeholder: bool = False
    placeholder_reason: str = ""
    fetched_at: datetime = field(default_factory=utc_now)
    facts: Facts = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def elapsed_ms(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()`` value)."""
    return (time.perf_counter() - started) * 1000


def failed(source: str, reason: str, started: float, facts: Facts | None = None) -> SourceResult:
    duration = elapsed_ms(started)
    return SourceResult(source, "failed", reason, duration_ms=duration, facts=facts or {})


def skipped(source: str, reason: str) -> SourceResult:
    return SourceResult(source, "skipped", reason)


# ---------------------------------------------------------------- value coercion


def as_float(value: object) -> float | None:
    """A finite number from an int, float or numeric string; None otherwise (bools too)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_int(value: object) -> int | None:
    number = as_float(value)
    return int(number) if number is not None else None


def as_str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


# ---------------------------------------------------------------- HTTP failures


def http_failure(response: httpx.Response) -> str:
    """The reason word for a non-2xx answer; provider bodies are not echoed."""
    code = response.status_code
    if code == 429:
        retry = parse_retry_after(response.headers.get("retry-after"))
        return "rate limited" + (f" (retry after {retry:g} s)" if retry is not None else "")
    if code in (401, 403):
        return f"HTTP {code} (key rejected)"
    return f"HTTP {code}"


class SourceFailure(Exception):
    """An upstream problem, already worded as a SourceResult reason."""


async def get_ok(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout_s: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> httpx.Response:
    """A 2xx response; raises SourceFailure naming the timeout, refusal or HTTP status."""
    fetched = await http_get(client, url, timeout_s=timeout_s, headers=headers, params=params)
    if fetched.response is None:
        raise SourceFailure(fetched.detail or fetched.failure)
    if not 200 <= fetched.response.status_code < 300:
        raise SourceFailure(http_failure(fetched.response))
    return fetched.response


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout_s: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> object:
    """The decoded JSON of a 2xx response; raises SourceFailure otherwise."""
    response = await get_ok(client, url, timeout_s=timeout_s, headers=headers, params=params)
    try:
        return await read_json(response)
    except ValueError as exc:
        raise SourceFailure(f"unparseable: not JSON ({short(str(exc), 80)})") from exc
