"""Sustained load with wrk: N connections sending pre-signed `/health` back-to-back.

Slack signatures stay valid for 300 s, so the requests are signed once, right before a run,
and wrk replays them (a Lua script rotates through them). The script counts the acks that
say "busy" (nothing queued) and prints one ``WRK`` line with wrk's own latency percentiles.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from local_slack.payloads import signed_headers, slash_command_form

BODIES = 64  # distinct pre-signed requests (each its own response_url key)
BUSY_MARK = "not started"  # in the ack of a request the bot refused (templates/busy.json.j2)
WRK_LINE = re.compile(r"^WRK (.*)$", re.M)

_LUA = """
local requests, threads, i = {}, {}, 0
%(requests)s
function setup(thread) table.insert(threads, thread) end
function init(args) busy = 0; non200 = 0 end
function request()
  i = i %% #requests + 1
  return requests[i]
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1
  elseif body and string.find(body, "%(busy)s", 1, true) then busy = busy + 1 end
end
function done(summary, latency, requests_)
  local b, n = 0, 0
  for _, t in ipairs(threads) do b = b + t:get("busy"); n = n + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%%d p50_us=%%d p99_us=%%d max_us=%%d busy=%%d non200=%%d errors=%%d\\n",
    summary.requests, latency:percentile(50), latency:percentile(99), latency.max, b, n,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured (latencies in ms)."""

    requests: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    busy: int
    non200: int
    errors: int


def ensure_wrk() -> str | None:
    """The wrk executable, installing Debian's package when it is missing; None if impossible."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        print("wrk is not installed and apt-get is not available here")
        return None
    print("wrk is missing: installing Debian's package (apt-get install -y wrk)…", flush=True)
    for argv in ([apt, "install", "-y", "wrk"], [apt, "update"], [apt, "install", "-y", "wrk"]):
        try:
            done = subprocess.run(  # noqa: S603 - a fixed apt-get command line
                argv, capture_output=True, text=True, timeout=300, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"  {' '.join(argv[1:])}: {exc}")
            continue
        if argv[-1] == "wrk" and done.returncode == 0:
            break
        if done.returncode != 0:
            print(f"  {' '.join(argv[1:])} failed: {done.stderr.strip().splitlines()[-1:]}")
    return shutil.which("wrk")


def _lua_string(text: str) -> str:
    assert "]==]" not in text
    return f"[==[{text}]==]"


def write_script(folder: Path, url: str, secret: str, response_url: str) -> Path:
    """A Lua script with BODIES freshly signed /health requests (valid for 300 s)."""
    parts = urlsplit(url)
    path = parts.path
    lines = []
    for n in range(BODIES):
        body = urlencode(slash_command_form("/health", "", response_url=f"{response_url}-{n}"))
        headers = {"Host": parts.netloc, **signed_headers(secret, body)}
        lua_headers = ", ".join(
            f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()
        )
        lines.append(
            f'requests[{n + 1}] = wrk.format("POST", {_lua_string(path)}, {{{lua_headers}}},'
            f" {_lua_string(body)})"
        )
    script = folder / "sustained.lua"
    script.write_text(_LUA % {"requests": "\n".join(lines), "busy": BUSY_MARK})
    return script


async def run_wrk(
    wrk: str, url: str, script: Path, *, connections: int, seconds: float
) -> WrkResult:
    """Run wrk against ``url`` and parse its WRK line."""
    proc = await asyncio.create_subprocess_exec(
        wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(script),
        url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace")
    match = WRK_LINE.search(text)
    if proc.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed (exit {proc.returncode}):\n{text}")
    values = dict(item.split("=", 1) for item in match.group(1).split())
    return WrkResult(
        requests=int(values["requests"]),
        p50_ms=int(values["p50_us"]) / 1000,
        p99_ms=int(values["p99_us"]) / 1000,
        max_ms=int(values["max_us"]) / 1000,
        busy=int(values["busy"]),
        non200=int(values["non200"]),
        errors=int(values["errors"]),
    )
