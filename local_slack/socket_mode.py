"""Server side of Slack's Socket Mode: a websocket that sends envelopes and collects acks."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from local_slack.recording import Signal

log = logging.getLogger(__name__)

ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")


class SocketModeHub:
    """Accepts Socket Mode websocket connections and exchanges envelopes with them."""

    def __init__(self, *, app_id: str) -> None:
        self.app_id = app_id
        self.connections_total = 0
        self.closing = False  # set on server stop: refuse new connections
        self.sent: list[dict[str, Any]] = []  # every envelope/message sent by us
        self.received: list[dict[str, Any]] = []  # every JSON message sent by clients
        self._connections: list[web.WebSocketResponse] = []
        self._tickets: set[str] = set()
        self._acks: dict[str, dict[str, Any]] = {}
        self._signal = Signal()

    @property
    def open_connections(self) -> int:
        return sum(1 for ws in self._connections if not ws.closed)

    def issue_ticket(self) -> str:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return ticket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for ``GET /socket-mode?ticket=...``."""
        if self.closing:
            return web.json_response({"ok": False, "error": "server_stopping"}, status=503)
        if request.query.get("ticket") not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        ws = web.WebSocketResponse(autoping=True)  # aiohttp answers the client's pings
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": self.open_connections + 1,
                "debug_info": {"host": "local", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        )
        self._connections.append(ws)
        self.connections_total += 1
        self._signal.notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        finally:
            self._connections.remove(ws)
            self._signal.notify()
        return ws

    def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            log.warning("socket mode: ignoring a non-JSON message")
            return
        if not isinstance(message, dict):
            return
        self.received.append(message)
        envelope_id = message.get("envelope_id")
        if isinstance(envelope_id, str):
            self._acks[envelope_id] = message
        self._signal.notify()

    def _current(self) -> web.WebSocketResponse | None:
        live = [ws for ws in self._connections if not ws.closed]
        return live[-1] if live else None

    async def _send_json(self, message: dict[str, Any], within: float) -> None:
        while True:
            ws = await self._signal.wait_until(self._current, within)
            try:
                await ws.send_json(message)
            except ConnectionError:  # closed between the check and the send: wait for the next
                continue
            self.sent.append(message)
            return

    async def send(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        within: float = 5.0,
    ) -> str:
        """Send an envelope to the newest open connection (waiting for one); return its id."""
        if type not in ENVELOPE_TYPES:
            raise ValueError(f"envelope type must be one of {ENVELOPE_TYPES}, got {type!r}")
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": type,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        try:
            await self._send_json(envelope, within)
        except TimeoutError:
            raise TimeoutError(
                f"no Socket Mode connection within {within}s to send a {type} envelope "
                f"(connections accepted so far: {self.connections_total})"
            ) from None
        return envelope_id

    async def send_disconnect(self, reason: str = "refresh_requested", within: float = 5.0) -> None:
        """Send Slack's ``disconnect`` message, which asks the client to reconnect."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "local"}}
        await self._send_json(message, within)

    async def wait_ack(self, envelope_id: str, within: float = 5.0) -> dict[str, Any]:
        """The client's acknowledgement of an envelope: ``{"envelope_id": ..., "payload"?}``."""
        try:
            return await self._signal.wait_until(lambda: self._acks.get(envelope_id), within)
        except TimeoutError:
            raise TimeoutError(
                f"no ack for envelope {envelope_id} within {within}s; "
                f"acks received: {sorted(self._acks)}"
            ) from None

    async def wait_connected(self, count: int, within: float = 5.0) -> None:
        """Wait until ``count`` connections in total have been accepted (hello sent)."""
        try:
            await self._signal.wait_until(
                lambda: True if self.connections_total >= count else None, within
            )
        except TimeoutError:
            raise TimeoutError(
                f"only {self.connections_total} Socket Mode connection(s) within {within}s, "
                f"wanted {count}"
            ) from None

    async def drop_all(self) -> None:
        """Close every open websocket from the server side (the client should reconnect)."""
        for ws in list(self._connections):
            if not ws.closed:
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"dropped by LocalSlack")
