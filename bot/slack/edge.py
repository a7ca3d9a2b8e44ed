"""What a request to /slack/events must prove before anything reads it.

The order is the contract: the headers are checked first (a timestamp of digits within
five minutes, a signature of Slack's exact shape), then the body is read up to a hard cap,
then the HMAC is compared in constant time; only a verified body is ever parsed. A request
that fails gets a fixed 401 (not verified) or 400 (verified but unparseable) and nothing
else happens: no outbound call, no row, no metric label from its content, no log of it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from bot.upstream import bounded_json

log = logging.getLogger(__name__)

# Slack's own bodies are a few KB (a large modal submission stays far below this).
MAX_BODY_BYTES = 256 * 1024
MAX_CLOCK_SKEW_S = 300

_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}", re.ASCII)

# Every reason a request can be refused for: the closed set of the rejection metric's label.
REJECTION_REASONS = (
    "missing_headers",
    "bad_timestamp",
    "stale_timestamp",
    "bad_signature_format",
    "too_large",
    "bad_signature",
    "not_utf8",
    "malformed",
    "foreign_workspace",
)


@dataclass(frozen=True)
class Rejection:
    """Why a request was refused, and the status it gets (401 unverified, 400 unparseable)."""

    status: int
    reason: str

    @property
    def body(self) -> str:
        """The fixed response body: it never echoes anything of the request."""
        return '{"error":"invalid request"}' if self.status == 401 else '{"error":"bad request"}'


def check_headers(timestamp: str | None, signature: str | None, now: float) -> Rejection | None:
    """Refuse before reading the body: both headers present, well formed, and fresh."""
    if not timestamp or not signature:
        return Rejection(401, "missing_headers")
    if not _TIMESTAMP.fullmatch(timestamp):
        return Rejection(401, "bad_timestamp")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW_S:
        return Rejection(401, "stale_timestamp")
    if not _SIGNATURE.fullmatch(signature):
        return Rejection(401, "bad_signature_format")
    return None


def check_length(content_length: int | None) -> Rejection | None:
    """Refuse a declared body over the cap without reading any of it."""
    if content_length is not None and content_length > MAX_BODY_BYTES:
        return Rejection(401, "too_large")
    return None


def signature_matches(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Slack's v0 HMAC-SHA256 of ``v0:{timestamp}:{body}``, compared in constant time."""
    if not secret:
        return False
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def decode_body(body: bytes) -> str | Rejection:
    """The verified body as text; Slack always sends UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "not_utf8")


def check_nesting(text: str) -> Rejection | None:
    """400 for a verified body whose JSON (the whole body, or a form field such as
    ``payload=``) nests deeper than ``bounded_json.MAX_DEPTH``: Bolt's parser would raise
    ``RecursionError`` and answer 500."""
    if text.lstrip().startswith(("{", "[")):
        fields = [text]
    else:
        fields = [value for _, value in parse_qsl(text, keep_blank_values=True)]
    if any(bounded_json.nesting_depth_exceeds(field) is not None for field in fields):
        return Rejection(400, "too_deep")
    return None


def check_shape(text: str) -> Rejection | None:
    """400 for a verified interactive ``payload=`` whose parts are not the JSON types Slack
    sends (Bolt would raise on them and answer 500): the payload an object, a
    ``block_actions``' ``actions`` a list of objects, a ``view`` an object."""
    if text.lstrip().startswith(("{", "[")):
        return None
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name != "payload":
            continue
        try:
            payload = bounded_json.loads(value)
        except ValueError:
            return Rejection(400, "malformed")
        if not isinstance(payload, dict):
            return Rejection(400, "malformed")
        actions = payload.get("actions", [])
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            return Rejection(400, "malformed")
        if "view" in payload and not isinstance(payload["view"], dict):
            return Rejection(400, "malformed")
    return None


class RejectionLog:
    """Logs refused requests without flooding: the first one, then one summary a minute.

    Only the reason is logged, never anything the request carried.
    """

    def __init__(self, interval_s: float = 60.0) -> None:
        self._interval_s = interval_s
        self._counts: dict[str, int] = {}
        self._next_log = 0.0

    def note(self, rejection: Rejection) -> None:
        """Count one refusal; log when the interval has passed."""
        self._counts[rejection.reason] = self._counts.get(rejection.reason, 0) + 1
        now = time.monotonic()
        if now < self._next_log:
            return
        total = sum(self._counts.values())
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(self._counts.items()))
        log.warning(
            "refused %d request(s) to /slack/events (%s); their content is not logged",
            total,
            reasons,
        )
        self._counts.clear()
        self._next_log = now + self._interval_s
