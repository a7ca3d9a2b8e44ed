"""A local server that speaks the Slack Web API (and Socket Mode) over real HTTP.

Used by the test suite and by the bot's local mode. Bind it to 127.0.0.1 on an
ephemeral port and point ``AsyncWebClient(base_url=server.api_url)`` at it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from local_slack.payloads import (
    APP_ID,
    block_actions_payload,
    interactivity_body,
    signed_headers,
    slash_command_form,
)
from local_slack.recording import CallLog, RecordedCall
from local_slack.socket_mode import SocketModeHub
from local_slack.usergroups import UserGroups
from local_slack.validation import validate_blocks
from local_slack.wire import BadRequest, FailureScript, read_body, recorded_headers
from local_slack.workspace import Body, Workspace, error

__all__ = [
    "LocalSlack",
    "RecordedCall",
    "block_actions_payload",
    "interactivity_body",
    "signed_headers",
    "slash_command_form",
    "validate_blocks",
]

log = logging.getLogger(__name__)

APP_TOKEN_METHODS = ("apps.connections.open",)


class LocalSlack:
    """The Slack Web API, a response_url endpoint and a Socket Mode websocket, locally."""

    def __init__(
        self,
        *,
        bot_token: str,
        app_token: str | None = None,
        team_id: str = "T0LOCAL",
        bot_user_id: str = "U0LOCALBOT",
        bot_id: str = "B0LOCAL",
        on_call: Callable[[RecordedCall], None] | None = None,
    ) -> None:
        self._bot_token = bot_token
        self._app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.workspace = Workspace(
            team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id, app_id=APP_ID
        )
        self.usergroups = UserGroups()
        self.workspace.methods["usergroups.users.list"] = self.usergroups.users_list
        self.socket = SocketModeHub(app_id=APP_ID)
        self._log = CallLog(on_call)
        self._failures = FailureScript()
        self._response_targets: dict[str, tuple[str, str]] = {}
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    def __repr__(self) -> str:  # never shows tokens
        return f"LocalSlack(url={self._url!r}, team_id={self.team_id!r})"

    # ---- lifecycle ------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving; ``port=0`` picks a free ephemeral port."""
        if self._runner is not None:
            raise RuntimeError("LocalSlack is already started")
        app = web.Application()
        app.router.add_route("POST", "/api/{method}", self._api)
        app.router.add_route("GET", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket-mode", self.socket.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        bound_host, bound_port = runner.addresses[0][:2]
        self._runner = runner
        self._url = f"http://{bound_host}:{bound_port}"
        self.workspace.base_url = self._url

    async def stop(self) -> None:
        """Close websockets and stop serving (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.socket.closing = True
        await self.socket.drop_all()
        await runner.cleanup()

    async def __aenter__(self) -> LocalSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("LocalSlack is not started")
        return self._url

    @property
    def api_url(self) -> str:
        """Base URL for ``AsyncWebClient(base_url=...)`` (with the trailing slash it needs)."""
        return self.url + "/api/"

    # ---- state, recording, scripting ------------------------------------------------------
    @property
    def calls(self) -> list[RecordedCall]:
        return self._log.calls

    def calls_for(self, method: str) -> list[RecordedCall]:
        return self._log.calls_for(method)

    async def wait_for(
        self,
        method: str,
        *,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
        since: int = 0,
    ) -> RecordedCall:
        """The first call to ``method`` (``"*"``: any method) at position >= ``since`` in
        ``calls`` that matches ``predicate``, already recorded or yet to come.

        Raises TimeoutError listing the calls seen. Pass ``since=len(server.calls)`` to wait
        only for calls made from now on.
        """
        return await self._log.wait_for(method, predicate=predicate, within=timeout, since=since)

    def clear(self) -> None:
        """Forget recorded calls (messages and views are kept)."""
        self._log.clear()

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """Current state of a posted message (after updates), or None."""
        return self.workspace.message(channel, ts)

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (``"response_url"`` works too).

        status=429 answers ``ratelimited`` with a ``Retry-After`` header (default 1 s).
        """
        self._failures.add(method, error=error, status=status, retry_after=retry_after, times=times)

    def response_url_for(
        self, key: str, *, channel: str | None = None, message_ts: str | None = None
    ) -> str:
        """A response_url; with channel+message_ts, replace/delete_original act on that message."""
        if channel is not None and message_ts is not None:
            self._response_targets[key] = (channel, message_ts)
        return f"{self.url}/response/{key}"

    # ---- Socket Mode ------------------------------------------------------------------------
    @property
    def socket_connections_total(self) -> int:
        return self.socket.connections_total

    async def socket_send(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> str:
        """Send an envelope (slash_commands, interactive, events_api); return its id."""
        return await self.socket.send(
            type, payload, accepts_response_payload=accepts_response_payload, within=timeout
        )

    async def wait_socket_ack(
        self,
        envelope_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
    ) -> dict[str, Any]:
        """The client's ack of an envelope: ``{"envelope_id": ..., "payload": ...?}``."""
        return await self.socket.wait_ack(envelope_id, timeout)

    async def drop_socket_connections(self) -> None:
        await self.socket.drop_all()

    async def wait_socket_connected(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
    ) -> None:
        """Wait until ``count`` connections in total were accepted (hello sent)."""
        await self.socket.wait_connected(count, timeout)

    # ---- HTTP handlers ------------------------------------------------------------------------
    def _auth_error(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        if method in APP_TOKEN_METHODS:
            if self._app_token is not None and token == self._app_token:
                return None
            return "not_allowed_token_type" if token == self._bot_token else "invalid_auth"
        if token == self._bot_token or (method == "auth.test" and token == self._app_token):
            return None
        return "not_allowed_token_type" if token == self._app_token else "invalid_auth"

    def _call_method(self, method: str, body: Body) -> Body:
        if method == "auth.test":
            return {
                "ok": True,
                "url": self.url + "/",
                "team": "Local Workspace",
                "user": "aisi-bot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        if method == "apps.connections.open":
            ws_url = "ws" + self.url.removeprefix("http") + "/socket-mode"
            return {"ok": True, "url": f"{ws_url}?ticket={self.socket.issue_ticket()}"}
        handler = self.workspace.methods.get(method)
        if handler is None:
            return error("unknown_method")
        try:
            return handler(body)
        except Exception:
            log.exception("local Slack: %s failed", method)
            return error("internal_error")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        status, headers = 200, dict[str, str]()
        try:
            body, token = await read_body(request)
        except BadRequest as exc:
            body, token, response = {}, None, error(exc.code)
        else:
            known = method in self.workspace.methods or method in ("auth.test", *APP_TOKEN_METHODS)
            auth_error = self._auth_error(method, token) if known else None
            if not known:
                response = error("unknown_method")
            elif auth_error is not None:
                response = error(auth_error)
            elif failure := self._failures.pop(method):
                status, headers, response = failure.status, failure.headers(), error(failure.error)
            else:
                response = self._call_method(method, body)
        self._record(method, body, request, response, status)
        return web.json_response(response, status=status, headers=headers)

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        status, headers = 200, dict[str, str]()
        response: Body = {"ok": True}
        try:
            body, _ = await read_body(request)
        except BadRequest as exc:
            body, status, response = {}, 400, error(exc.code)
        else:
            if failure := self._failures.pop("response_url"):
                status, headers, response = failure.status, failure.headers(), error(failure.error)
            elif invalid := self.workspace.apply_response(body, self._response_targets.get(key)):
                status, response = 400, invalid.to_response()
        self._record("response_url", body, request, response, status, key=key)
        return web.json_response(response, status=status, headers=headers)

    def _record(
        self,
        method: str,
        body: Body,
        request: web.Request,
        response: Body,
        status: int,
        key: str | None = None,
    ) -> None:
        headers = recorded_headers(request)
        call = RecordedCall(
            method=method,
            body=body,
            headers=headers,
            ok=bool(response.get("ok")),
            response=response,
            key=key,
            status=status,
        )
        self._log.record(call)
