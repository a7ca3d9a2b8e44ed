"""Hostile requests to /slack/events, as an attacker would send them (tests and bench).

Each shape comes with the status it must get: 401 when it is not verified (no or forged
signature, bad or stale timestamp, a body over the cap), 400 when it is correctly signed
but cannot be parsed. ``CANARY`` is in every body, so its absence from logs can be checked.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import aiohttp

from local_slack.payloads import signed_headers, slash_command_form

CANARY = "HOSTILE-CANARY-7f3a"
FORM = "application/x-www-form-urlencoded"
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class HostileRequest:
    """One request: its body, headers, whether to send it chunked, and the status it must get."""

    name: str
    body: bytes
    headers: dict[str, str]
    expect: int
    chunked: bool = False


def _form(response_url: str, command: str = "/health", text: str = CANARY) -> str:
    fields = slash_command_form(command, text, response_url=response_url)
    return urlencode(fields)


def _unsigned(body: str | bytes, timestamp: str | None, signature: str | None) -> dict[str, str]:
    headers = {"Content-Type": FORM}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    return headers


def hostile_requests(secret: str, response_url: str) -> list[HostileRequest]:
    """Every shape from the issue once: bad timestamps, forged signatures, bad payloads, sizes."""
    now = int(time.time())
    fresh = str(now)
    fake_sig = "v0=" + "0" * 64
    form = _form(response_url)
    nul_form = _form(response_url, command="/health\x00evil", text="a\nFORGED LOG LINE " + CANARY)
    out: list[HostileRequest] = []
    timestamps = {
        "x": "x",
        "float": "1.7e9",
        "NaN": "NaN",
        "now.0": f"{now}.0",
        "empty": "",
        "leading space": " 1700000000",
        "negative": "-1",
        "plus sign": "+1700000000",
        "hex": "0x10",
        "arabic digits": "١٧٠٠٠٠٠٠٠٠",
        "5000 digits": "9" * 5000,
        "301 s old": str(now - 301),
        "301 s ahead": str(now + 301),
    }
    for label, ts in timestamps.items():
        headers = _unsigned(form, ts, fake_sig)
        out.append(HostileRequest(f"timestamp {label}", form.encode(), headers, 401))
    out.append(HostileRequest("no headers", form.encode(), {"Content-Type": FORM}, 401))
    out.append(HostileRequest("no signature", form.encode(), _unsigned(form, fresh, None), 401))
    for sig in ("v0=00", "v0=" + "g" * 64, "v1=" + "0" * 64, "V0=" + "0" * 64, fake_sig + "0"):
        out.append(
            HostileRequest(f"signature {sig[:8]}", form.encode(), _unsigned(form, fresh, sig), 401)
        )
    out.append(HostileRequest("forged", form.encode(), _unsigned(form, fresh, fake_sig), 401))
    out.append(
        HostileRequest("NUL command", nul_form.encode(), _unsigned(nul_form, fresh, fake_sig), 401)
    )
    wrong = signed_headers("not-the-secret-" + "w" * 10, form)
    out.append(HostileRequest("wrong secret", form.encode(), wrong, 401))
    stale = signed_headers(secret, form, timestamp=now - 400)
    out.append(HostileRequest("stale but signed", form.encode(), stale, 401))
    for payload in ("{not json", "[1, 2, 3]", '"text"', "null", "{"):
        body = "payload=" + quote(payload)
        out.append(
            HostileRequest(
                f"unsigned payload {payload[:6]}",
                body.encode(),
                _unsigned(body, fresh, fake_sig),
                401,
            )
        )
        signed = signed_headers(secret, body)
        out.append(HostileRequest(f"signed payload {payload[:6]}", body.encode(), signed, 400))
    json_list = json.dumps([{"type": "event_callback"}])
    out.append(
        HostileRequest(
            "signed JSON list",
            json_list.encode(),
            signed_headers(secret, json_list, content_type="application/json"),
            400,
        )
    )
    bad_team = "payload=" + quote(json.dumps({"type": "block_actions", "team": 5}))
    out.append(
        HostileRequest("signed odd team", bad_team.encode(), signed_headers(secret, bad_team), 400)
    )
    not_utf8 = b"command=%2Fhealth&text=\xff\xfe" + CANARY.encode()
    out.append(HostileRequest("signed not UTF-8", not_utf8, _signed_bytes(secret, not_utf8), 400))
    big_letters = ("text=" + "a" * (64 * 1024) + "\nFORGED " + CANARY).encode()
    out.append(
        HostileRequest("64 KB letters", big_letters, _unsigned(big_letters, "x", fake_sig), 401)
    )
    # A fresh timestamp and a well-formed signature: Bolt itself would read, verify and log it.
    out.append(
        HostileRequest(
            "64 KB letters forged", big_letters, _unsigned(big_letters, fresh, fake_sig), 401
        )
    )
    mega = b"text=" + b"a" * MEGABYTE + CANARY.encode()
    out.append(HostileRequest("1 MB unsigned", mega, _unsigned(mega, "x", fake_sig), 401))
    out.append(HostileRequest("1 MB forged", mega, _unsigned(mega, fresh, fake_sig), 401))
    out.append(
        HostileRequest(
            "1 MB forged chunked", mega, _unsigned(mega, fresh, fake_sig), 401, chunked=True
        )
    )
    return out


def _signed_bytes(secret: str, body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


async def _chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def send(
    session: aiohttp.ClientSession, url: str, request: HostileRequest
) -> tuple[int, str]:
    """POST one hostile request; (status, response text)."""
    data: AsyncIterator[bytes] | io.BytesIO | bytes = request.body
    if request.chunked:
        data = _chunks(request.body)
    elif len(request.body) > 64 * 1024:
        data = io.BytesIO(request.body)  # aiohttp warns that big raw bytes block its loop
    async with session.post(url, data=data, headers=request.headers) as resp:
        return resp.status, await resp.text()
