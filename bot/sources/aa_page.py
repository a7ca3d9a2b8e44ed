"""Priority 2b: the AA leaderboard page ``/leaderboards/models`` (no key), read as data.

The page has no table. Its data are in Next.js "Flight" chunks, one per
``<script>self.__next_f.push([1,"<JS string literal>"])</script>``. The decoded
literals, concatenated in order, form the Flight stream (rows ``<hex id>:<payload>``;
a row may span chunks), and the models sit in JSON arrays under ``"models":[``. Parsing
3.5 MB is CPU work, so :func:`fetch_aa_page` runs :func:`parse_leaderboard_html` in a
worker thread; the decoder walks arrays one element at a time so no single C call
holds the GIL for long.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator

import httpx
from bs4 import BeautifulSoup

from bot.sources.placeholder import with_placeholder_check
from bot.sources.records import (
    ModelRecord,
    SourceFailure,
    SourceResult,
    as_float,
    as_int,
    as_str,
    elapsed_ms,
    failed,
    get_ok,
    normalise_model_slug,
    normalise_provider,
)
from bot.upstream.http import Facts

SOURCE = "aa_page"
LEADERBOARD_PATH = "/leaderboards/models"
_PUSH = "self.__next_f.push("
_PUSH_FALLBACK = re.compile(r"^\[\s*1\s*,\s*([\"'])(.*)\1\s*\]$", re.S)
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_JS_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_MODELS_KEY = re.compile(r'"models"\s*:\s*\[')
_WS = " \t\r\n"
_DECODER = json.JSONDecoder()


class PageLayoutChanged(ValueError):
    """The page no longer carries the data where this parser looks for them."""


def decode_js_string(body: str, quote: str = '"') -> str:
    """A JS string literal's value (``body`` without its quotes).

    Next.js writes these with JSON.stringify, so JSON decoding is exact and fast; a
    literal with JS-only escapes (``\\x41``, ``\\'``, ``\\v``, ``\\u{...}``) is decoded by hand.
    """
    if quote == '"':
        try:
            value = json.loads(f'"{body}"')
            if isinstance(value, str):
                return value
        except ValueError:
            pass

    def unescape(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "ux" and len(code) > 1:
            return chr(int(code[1:].strip("{}"), 16))
        if code in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
            return ""  # line continuation
        return _JS_SIMPLE.get(code, code)

    text = _JS_ESCAPE.sub(unescape, body)
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _push_payload(script: str) -> str | None:
    """The decoded string of a ``self.__next_f.push([1, "..."])`` call; None for other types."""
    inner = script.strip().removeprefix(_PUSH).rstrip("; \t\r\n").removesuffix(")").strip()
    try:
        value = json.loads(inner)
    except ValueError:
        match = _PUSH_FALLBACK.match(inner)
        return decode_js_string(match.group(2), match.group(1)) if match else None
    if isinstance(value, list) and len(value) == 2 and value[0] == 1:
        return value[1] if isinstance(value[1], str) else None
    return None  # [0] bootstrap, [2, ...] form state, [3, "base64"] binary


def flight_stream(html: str) -> tuple[str, int]:
    """(the concatenated decoded Flight text, number of push chunks found)."""
    soup = BeautifulSoup(html, "lxml")
    pieces: list[str] = []
    chunks = 0
    for tag in soup.find_all("script"):
        script = tag.string
        if script is None or not script.lstrip().startswith(_PUSH):
            continue
        chunks += 1
        payload = _push_payload(str(script))
        if payload is not None:
            pieces.append(payload)
    if chunks and not pieces:
        raise PageLayoutChanged(f"{chunks} Flight chunks but none holds a decodable string")
    return "".join(pieces), chunks


def _iter_array(text: str, pos: int) -> Iterator[object]:
    """The elements of the JSON array whose '[' is at ``pos``, decoded one at a time."""
    pos += 1
    while True:
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        if text.startswith("]", pos):
            return
        value, pos = _DECODER.raw_decode(text, pos)
        yield value
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos):
            raise ValueError(f"expected ',' or ']' at {pos}")


def models_arrays(text: str) -> tuple[list[list[dict[str, object]]], int]:
    """(every decodable ``"models":[...]`` array's objects, count of broken arrays)."""
    arrays: list[list[dict[str, object]]] = []
    broken = 0
    for match in _MODELS_KEY.finditer(text):
        try:
            items = [i for i in _iter_array(text, match.end() - 1) if isinstance(i, dict)]
        except ValueError:
            broken += 1
            continue
        arrays.append(items)
    return arrays, broken


def flight_value(value: object) -> object:
    """A Flight-encoded JSON value as plain data: '$undefined' → None, '$$x' → '$x', ..."""
    if not isinstance(value, str) or not value.startswith("$"):
        return value
    if value.startswith("$$"):
        return value[1:]  # an escaped literal '$'
    if value.startswith("$D"):
        return value[2:]  # a Date, as its ISO string
    if value.startswith("$n"):
        return as_int(value[2:])  # a BigInt
    if value == "$-0":
        return 0.0
    return None  # $undefined, $NaN, $Infinity, and references ($L1b, $@2, $S...) we skip


def _creator(model: dict[str, object]) -> tuple[str, str]:
    """(provider slug, provider name) from ``model_creators`` or the 'Name, Creator' label."""
    creators = model.get("model_creators")
    if isinstance(creators, list):
        creators = next((c for c in creators if isinstance(c, dict)), None)
    if isinstance(creators, dict):
        name = as_str(flight_value(creators.get("name")))
        slug = as_str(flight_value(creators.get("slug"))) or name
        if slug:
            return normalise_provider(slug), name or slug
    label = as_str(model.get("name_and_creator_label"))
    name = label.rpartition(", ")[2] if ", " in label else ""
    return (normalise_provider(name), name) if name else ("unknown", "")


def _speed(model: dict[str, object]) -> float | None:
    speed = as_float(model.get("median_output_speed"))
    timescale = model.get("timescaleData")
    if speed is None and isinstance(timescale, dict):
        speed = as_float(flight_value(timescale.get("median_output_speed")))
    return speed


def _record(slug: str, model: dict[str, object]) -> ModelRecord:
    """A record from a merged model (top-level Flight values already decoded)."""
    provider_slug, provider_name = _creator(model)
    images = model.get("supports_images_input") is True
    return ModelRecord(
        provider_slug=provider_slug,
        provider_name=provider_name,
        slug=slug,
        name=as_str(model.get("name")),
        source="aa_page",
        raw_id=as_str(model.get("id")) or slug,
        intelligence_score=as_float(model.get("intelligence_index")),
        output_speed=_speed(model),
        input_price=as_float(model.get("price_1m_input_tokens")),
        output_price=as_float(model.get("price_1m_output_tokens")),
        context_window=as_int(model.get("context_window_tokens")),
        modalities=("text", "image") if images else ("text",),
        is_deprecated=model.get("deprecated") is True,
    )


def merge_models(arrays: list[list[dict[str, object]]]) -> dict[str, dict[str, object]]:
    """One dict per model slug: the page repeats models, one copy with more fields."""
    merged: dict[str, dict[str, object]] = {}
    for items in arrays:
        for item in items:
            slug = normalise_model_slug(as_str(flight_value(item.get("slug"))))
            if not slug or not as_str(flight_value(item.get("name"))):
                continue
            target = merged.setdefault(slug, {})
            for field, raw in item.items():
                value = flight_value(raw)
                if value is not None and target.get(field) is None:
                    target[field] = value
            for flag in ("deleted", "deprecated"):  # any copy saying so wins
                if flight_value(item.get(flag)) is True:
                    target[flag] = True
    return merged


def parse_leaderboard_html(html: str) -> list[ModelRecord]:
    """Every non-deleted model on the page, one per slug; raises PageLayoutChanged."""
    text, chunks = flight_stream(html)
    if not chunks:
        raise PageLayoutChanged("no Next.js Flight chunks (self.__next_f.push scripts) found")
    arrays, broken = models_arrays(text)
    if not arrays:
        detail = f" ({broken} undecodable)" if broken else ""
        raise PageLayoutChanged(f'no "models" arrays{detail} in {chunks} Flight chunks')
    merged = merge_models(arrays)
    if not merged:
        raise PageLayoutChanged('"models" arrays hold no objects with slug and name')
    records = [_record(slug, m) for slug, m in merged.items() if m.get("deleted") is not True]
    if records and all(r.intelligence_score is None for r in records):
        raise PageLayoutChanged("models carry no intelligence_index values")
    return records


def _parse_body(content: bytes, encoding: str) -> list[ModelRecord]:
    return parse_leaderboard_html(content.decode(encoding, errors="replace"))


async def fetch_aa_page(
    *,
    client: httpx.AsyncClient,
    base_url: str,
    key: str | None = None,
    timeout_s: float,
) -> SourceResult:
    """GET ``{base}/leaderboards/models`` (no key; ``key`` is ignored) and parse it off-loop."""
    del key  # the page is public; the parameter keeps every fetch_* signature alike
    started = time.perf_counter()
    url = base_url.rstrip("/") + LEADERBOARD_PATH
    try:
        response = await get_ok(client, url, timeout_s=timeout_s, headers={"Accept": "text/html"})
        encoding = response.charset_encoding or "utf-8"
        records = await asyncio.to_thread(_parse_body, response.content, encoding)
    except SourceFailure as exc:
        return failed(SOURCE, str(exc), started)
    except PageLayoutChanged as exc:
        return failed(SOURCE, f"page layout changed: {exc}", started)
    except LookupError:
        return failed(SOURCE, "unparseable: unknown charset", started)
    scored = sum(1 for r in records if r.intelligence_score is not None)
    facts: Facts = {
        "models": len(records),
        "with_intelligence": scored,
        "deprecated": sum(1 for r in records if r.is_deprecated),
        "page_bytes": len(response.content),
    }
    reason = f"{len(records)} models ({scored} with an intelligence index)"
    result = SourceResult(SOURCE, "ok", reason, tuple(records), elapsed_ms(started), facts=facts)
    return with_placeholder_check(result)
