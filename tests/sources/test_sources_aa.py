"""Artificial Analysis: the data API v2 (counts, cache) and the leaderboard page (Flight)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import httpx
import pytest

from bot.sources import aa_page
from bot.sources.aa_api import fetch_aa_api
from bot.sources.aa_page import decode_js_string, fetch_aa_page, parse_leaderboard_html
from bot.sources.records import ModelRecord
from bot.stores.result_cache import MemoryResultCache
from tests.fixture_files import fixture_bytes

KEY = "aa-test-KEY0123456789abcdefWXYZ"
BASE = "https://aa.test"
API_BODY = fixture_bytes("aa_api_v2_models.json")
PAGE_BODY = fixture_bytes("aa_leaderboard_page.html")
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, seen: list[httpx.Request] | None = None) -> httpx.AsyncClient:
    def recording(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    return httpx.AsyncClient(transport=httpx.MockTransport(recording))


def serve(body: bytes, content_type: str = "application/json") -> Handler:
    return lambda request: httpx.Response(200, content=body, headers={"content-type": content_type})


def page_with_chunks(*payloads: str) -> str:
    """An HTML page whose Flight chunks carry ``payloads`` as JS string literals."""
    scripts = "".join(f"<script>self.__next_f.push([1,{json.dumps(p)}])</script>" for p in payloads)
    return f"<html><head></head><body><div>hi</div>{scripts}</body></html>"


# ---------------------------------------------------------------- data API v2


async def test_api_fixture_yields_276_models_272_with_intelligence() -> None:
    """The real API response maps to 276 records, 272 with an intelligence index."""
    seen: list[httpx.Request] = []
    async with client_for(serve(API_BODY), seen) as client:
        result = await fetch_aa_api(client=client, base_url=BASE, key=KEY, timeout_s=5, cache=None)
    assert result.status == "ok", result.reason
    assert len(result.records) == 276
    assert sum(r.intelligence_score is not None for r in result.records) == 272
    mini = next(r for r in result.records if r.slug == "gpt-4o-mini")
    assert (mini.provider_slug, mini.provider_name, mini.source) == ("openai", "OpenAI", "aa_api")
    assert (mini.intelligence_score, mini.input_price, mini.output_price) == (21.2, 0.15, 0.6)
    assert mini.output_speed == pytest.approx(52.898)
    assert str(seen[0].url) == f"{BASE}/api/v2/data/llms/models"
    assert seen[0].headers["x-api-key"] == KEY
    assert not result.placeholder


async def test_api_cache_hit_makes_no_second_request() -> None:
    """A second sync within the TTL is answered from the cache, spending no quota."""
    seen: list[httpx.Request] = []
    cache = MemoryResultCache()
    async with client_for(serve(API_BODY), seen) as client:
        first = await fetch_aa_api(client=client, base_url=BASE, key=KEY, timeout_s=5, cache=cache)
        second = await fetch_aa_api(client=client, base_url=BASE, key=KEY, timeout_s=5, cache=cache)
    assert len(seen) == 1
    assert (first.facts["cached"], second.facts["cached"]) == ("no", "yes")
    assert len(second.records) == 276
    assert "cached" in second.reason
    assert abs((second.fetched_at - first.fetched_at).total_seconds()) < 5


async def test_api_cache_expiry_fetches_again() -> None:
    """After the TTL the API is asked again."""
    now = [1000.0]
    seen: list[httpx.Request] = []
    cache = MemoryResultCache(clock=lambda: now[0])
    async with client_for(serve(API_BODY), seen) as client:
        await fetch_aa_api(
            client=client, base_url=BASE, key=KEY, timeout_s=5, cache=cache, cache_ttl_s=60
        )
        now[0] += 61
        await fetch_aa_api(
            client=client, base_url=BASE, key=KEY, timeout_s=5, cache=cache, cache_ttl_s=60
        )
    assert len(seen) == 2


async def test_api_failure_is_not_cached() -> None:
    """A 429 is reported with its wait and not stored, so the next sync asks again."""
    seen: list[httpx.Request] = []
    cache = MemoryResultCache()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "120"})

    async with client_for(handler, seen) as client:
        first = await fetch_aa_api(client=client, base_url=BASE, key=KEY, timeout_s=5, cache=cache)
        await fetch_aa_api(client=client, base_url=BASE, key=KEY, timeout_s=5, cache=cache)
    assert (first.status, first.reason) == ("failed", "rate limited (retry after 120 s)")
    assert len(seen) == 2 and len(cache) == 0


async def test_api_without_key_is_skipped() -> None:
    """No AA key: skipped 'no key' without a request."""
    seen: list[httpx.Request] = []
    async with client_for(serve(API_BODY), seen) as client:
        result = await fetch_aa_api(client=client, base_url=BASE, key=None, timeout_s=5, cache=None)
    assert (result.status, result.reason, seen) == ("skipped", "no key", [])


async def test_api_garbage_is_unparseable() -> None:
    """A 200 with a non-JSON body fails as 'unparseable'."""
    async with client_for(serve(b"<html>maintenance</html>", "text/html")) as client:
        result = await fetch_aa_api(client=client, base_url=BASE, key=KEY, timeout_s=5, cache=None)
    assert result.status == "failed"
    assert result.reason.startswith("unparseable: not JSON")


# ---------------------------------------------------------------- leaderboard page


def test_page_fixture_yields_250_plus_models_with_slug_name_intelligence() -> None:
    """The saved 3.5 MB page parses to ≥ 250 models with slug, name and intelligence."""
    records = parse_leaderboard_html(PAGE_BODY.decode("utf-8"))
    complete = [r for r in records if r.slug and r.name and r.intelligence_score is not None]
    assert len(complete) >= 250
    assert len({r.slug for r in records}) == len(records)
    gpt5 = next(r for r in records if r.slug == "gpt-5")
    assert (gpt5.provider_slug, gpt5.source, gpt5.intelligence_score) == (
        "openai",
        "aa_page",
        68.47,
    )
    assert gpt5.output_speed is not None and gpt5.input_price is not None
    assert gpt5.context_window is not None


async def test_page_fetch_reports_models_and_serves_no_key() -> None:
    """fetch_aa_page GETs /leaderboards/models without any key and reports counts."""
    seen: list[httpx.Request] = []
    async with client_for(serve(PAGE_BODY, "text/html; charset=utf-8"), seen) as client:
        result = await fetch_aa_page(client=client, base_url=BASE, key=KEY, timeout_s=5)
    assert result.status == "ok", result.reason
    assert result.facts["models"] == len(result.records) >= 250
    assert str(seen[0].url) == f"{BASE}/leaderboards/models"
    assert KEY not in str(seen[0].headers) and not result.placeholder


async def test_page_without_flight_chunks_is_layout_changed() -> None:
    """HTML without self.__next_f.push chunks fails, naming what is missing."""
    html = b"<html><body><table><tr><td>GPT</td></tr></table></body></html>"
    async with client_for(serve(html, "text/html")) as client:
        result = await fetch_aa_page(client=client, base_url=BASE, timeout_s=5)
    assert result.status == "failed"
    assert result.reason.startswith("page layout changed: no Next.js Flight chunks")


async def test_page_without_models_arrays_is_layout_changed() -> None:
    """Flight chunks without any "models" array fail, naming the missing array."""
    html = page_with_chunks('0:{"P":null}\n', '1:["$","div",null,{"children":"x"}]\n')
    async with client_for(serve(html.encode(), "text/html")) as client:
        result = await fetch_aa_page(client=client, base_url=BASE, timeout_s=5)
    assert result.status == "failed"
    assert result.reason == 'page layout changed: no "models" arrays in 2 Flight chunks'


def test_flight_row_split_across_chunks_and_flight_values() -> None:
    """A models array spanning chunks is joined; $undefined, $$, deleted, deprecated handled."""
    models = [
        {
            "slug": "a-1",
            "name": "A 1",
            "intelligence_index": 50,
            "deprecated": True,
            "deleted": False,
            "model_creators": {"slug": "mistralai", "name": "Mistral"},
        },
        {"slug": "b", "name": "$$B", "intelligence_index": "$undefined", "deleted": False},
        {"slug": "gone", "name": "Gone", "intelligence_index": 10, "deleted": True},
        {"slug": "a-1", "name": "A 1", "intelligence_index": None, "median_output_speed": 99.5},
    ]
    row = '5:["$","$L1",null,{"models":' + json.dumps(models) + "}]\n"
    cut = len(row) // 2
    records = parse_leaderboard_html(page_with_chunks(row[:cut], row[cut:]))
    by_slug = {r.slug: r for r in records}
    assert set(by_slug) == {"a-1", "b"}
    a = by_slug["a-1"]
    assert (a.intelligence_score, a.output_speed, a.is_deprecated) == (50.0, 99.5, True)
    assert (a.provider_slug, a.provider_name) == ("mistral", "Mistral")
    assert (by_slug["b"].name, by_slug["b"].intelligence_score) == ("$B", None)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (r"a\"b\\c\nd", 'a"b\\c\nd'),
        (r"\u003cdiv\u003e \u0026", "<div> &"),
        (r"\x41\x42 caf\u00e9", "AB café"),
        (r"\ud83d\ude00 \u{1F600}", "\U0001f600 \U0001f600"),
        (r"it\'s\vok", "it's\vok"),
    ],
)
def test_js_string_literals_decode(literal: str, expected: str) -> None:
    """JS string escapes (\\", \\\\, \\n, \\uXXXX, \\xXX, \\u{...}, surrogates, \\') decode."""
    assert decode_js_string(literal) == expected


async def test_page_parsing_runs_in_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_leaderboard_html is called off the event loop's thread."""
    threads: list[threading.Thread] = []
    real = aa_page.parse_leaderboard_html

    def spy(html: str) -> list[ModelRecord]:
        threads.append(threading.current_thread())
        return real(html)

    monkeypatch.setattr(aa_page, "parse_leaderboard_html", spy)
    async with client_for(serve(PAGE_BODY, "text/html")) as client:
        result = await fetch_aa_page(client=client, base_url=BASE, timeout_s=5)
    assert result.status == "ok"
    assert threads and threads[0] is not threading.main_thread()
