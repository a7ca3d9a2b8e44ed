"""The state of the fake workspace (messages, views, DMs, users) and the Web API methods on it.

Each method takes the decoded request body and returns Slack's JSON reply.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Callable
from typing import Any

from local_slack.validation import ValidationFailure, message_failure, view_failure

Body = dict[str, Any]

MESSAGE_FIELDS = (
    "text",
    "markdown_text",
    "blocks",
    "attachments",
    "metadata",
    "unfurl_links",
    "mrkdwn",
)


def error(code: str, *messages: str) -> Body:
    return ValidationFailure(code, list(messages)).to_response()


def truthy(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")


class Workspace:
    """Messages per channel, views, DMs and users of the local workspace."""

    def __init__(self, *, team_id: str, bot_user_id: str, bot_id: str, app_id: str) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.base_url = ""
        self.messages: dict[str, dict[str, Body]] = {}
        self.ephemeral: list[Body] = []
        self.views: dict[str, Body] = {}
        self.used_triggers: set[str] = set()
        self.home_views: dict[str, Body] = {}
        self.users: dict[str, Body] = {}
        self._dms: dict[tuple[str, ...], str] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self.add_user(bot_user_id, name="aisi-bot", real_name="AISI Bot", is_bot=True)
        self.methods: dict[str, Callable[[Body], Body]] = {
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "views.open": self.views_open,
            "views.push": self.views_open,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "conversations.open": self.conversations_open,
            "users.info": self.users_info,
        }

    # ---- helpers -------------------------------------------------------------------------
    def next_ts(self) -> str:
        """Unique, increasing message timestamps: 1700000000.000100, 1700000000.000200, ..."""
        n = next(self._ts) * 100
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._ids):08d}"

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        is_bot: bool = False,
        locale: str = "en-US",
    ) -> Body:
        """Register (or replace) a user returned by users.info (``locale``: their Slack
        language, given only when asked with ``include_locale``)."""
        name = name or (user_id[2:] if user_id[:2] in ("U0", "W0") else user_id[1:]).lower()
        real_name = real_name or name.replace(".", " ").title()
        user: Body = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": tz_offset,
            "profile": {
                "title": "",
                "display_name": name,
                "display_name_normalized": name,
                "real_name": real_name,
                "real_name_normalized": real_name,
                "email": email or f"{name}@example.com",
                "team": self.team_id,
            },
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "locale": locale,
        }
        self.users[user_id] = user
        return user

    def dm_channel(self, users: list[str]) -> tuple[str, bool]:
        """The D... channel of a DM/MPDM with ``users``; second item: it already existed."""
        key = tuple(sorted(set(users)))
        existed = key in self._dms
        if not existed:
            self._dms[key] = self._new_id("D")
        return self._dms[key], existed

    def _resolve_channel(self, channel: str) -> str:
        return self.dm_channel([channel])[0] if channel[:1] in ("U", "W") else channel

    def message(self, channel: str, ts: str) -> Body | None:
        found = self.messages.get(channel, {}).get(ts)
        return copy.deepcopy(found) if found is not None else None

    def _content(self, body: Body) -> Body:
        return {k: copy.deepcopy(body[k]) for k in MESSAGE_FIELDS if k in body}

    # ---- chat.* ---------------------------------------------------------------------------
    def chat_post_message(self, body: Body) -> Body:
        if not body.get("channel"):
            return error("channel_not_found")
        if failure := message_failure(body):
            return failure.to_response()
        channel = self._resolve_channel(str(body["channel"]))
        ts = self.next_ts()
        message: Body = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": "",
            **self._content(body),
            "ts": ts,
        }
        if body.get("thread_ts"):
            message["thread_ts"] = str(body["thread_ts"])
        self.messages.setdefault(channel, {})[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _existing(self, body: Body, ts_field: str = "ts") -> tuple[str, str, Body] | Body:
        channel, ts = str(body.get("channel") or ""), str(body.get(ts_field) or "")
        if not channel:
            return error("channel_not_found")
        message = self.messages.get(channel, {}).get(ts)
        return (channel, ts, message) if message is not None else error("message_not_found")

    def chat_update(self, body: Body) -> Body:
        found = self._existing(body)
        if isinstance(found, dict):
            return found
        if failure := message_failure(body):
            return failure.to_response()
        channel, ts, message = found
        message.update(self._content(body))
        message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def chat_delete(self, body: Body) -> Body:
        found = self._existing(body)
        if isinstance(found, dict):
            return found
        channel, ts, _ = found
        del self.messages[channel][ts]
        return {"ok": True, "channel": channel, "ts": ts}

    def chat_post_ephemeral(self, body: Body) -> Body:
        if not body.get("channel"):
            return error("channel_not_found")
        if not body.get("user"):
            return error("user_not_found")
        if failure := message_failure(body):
            return failure.to_response()
        ts = self.next_ts()
        self.ephemeral.append(
            {"channel": body["channel"], "user": body["user"], "ts": ts, **self._content(body)}
        )
        return {"ok": True, "message_ts": ts}

    def chat_get_permalink(self, body: Body) -> Body:
        found = self._existing(body, "message_ts")
        if isinstance(found, dict):
            return found
        channel, ts, _ = found
        link = f"{self.base_url}/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    # ---- views.* --------------------------------------------------------------------------
    def _store_view(self, view: Body, previous: Body | None = None) -> Body:
        view_id = previous["id"] if previous else self._new_id("V")
        stored: Body = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"1700000000.{uuid.uuid4().hex[:8]}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": previous["root_view_id"] if previous else view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in view:
                stored[key] = copy.deepcopy(view[key])
        self.views[view_id] = stored
        return stored

    def views_open(self, body: Body) -> Body:
        trigger = str(body.get("trigger_id") or "")
        if not trigger:
            return error("invalid_arguments", "missing required field: trigger_id")
        if trigger in self.used_triggers:
            return error("exchanged_trigger_id", "a trigger_id opens one view only")
        if "view" not in body:
            return error("invalid_arguments", "missing required field: view")
        if failure := view_failure(body["view"], expected_types=("modal",)):
            return failure.to_response()
        self.used_triggers.add(trigger)
        return {"ok": True, "view": copy.deepcopy(self._store_view(body["view"]))}

    def views_update(self, body: Body) -> Body:
        previous = self.views.get(str(body.get("view_id") or ""))
        if previous is None and body.get("external_id"):
            matches = [v for v in self.views.values() if v["external_id"] == body["external_id"]]
            previous = matches[-1] if matches else None
        if previous is None:
            return error("not_found")
        if body.get("hash") and body["hash"] != previous["hash"]:
            return error("hash_conflict")
        if failure := view_failure(body.get("view"), expected_types=(previous["type"],)):
            return failure.to_response()
        return {"ok": True, "view": copy.deepcopy(self._store_view(body["view"], previous))}

    def views_publish(self, body: Body) -> Body:
        user_id = str(body.get("user_id") or "")
        if not user_id:
            return error("invalid_arguments", "missing required field: user_id")
        if failure := view_failure(body.get("view"), expected_types=("home",)):
            return failure.to_response()
        stored = self._store_view(body["view"], self.home_views.get(user_id))
        self.home_views[user_id] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    # ---- conversations.open / users.info ------------------------------------------------------
    def conversations_open(self, body: Body) -> Body:
        users = [u for u in str(body.get("users") or "").split(",") if u]
        if not users:
            if body.get("channel"):
                return {"ok": True, "channel": {"id": str(body["channel"])}}
            return error("users_list_not_supplied")
        channel, existed = self.dm_channel(users)
        reply: Body = {"ok": True, "channel": {"id": channel}}
        if existed:
            reply.update({"no_op": True, "already_open": True})
        return reply

    def users_info(self, body: Body) -> Body:
        user_id = str(body.get("user") or "")
        user = self.users.get(user_id)
        if user is None and user_id[:1] in ("U", "W"):
            user = self.add_user(user_id)
        if user is None:
            return error("user_not_found")
        shown = copy.deepcopy(user)
        if not truthy(body.get("include_locale")):
            shown.pop("locale", None)  # Slack gives the locale only when asked
        return {"ok": True, "user": shown}

    # ---- response_url -----------------------------------------------------------------------
    def apply_response(
        self, body: Body, target: tuple[str, str] | None
    ) -> ValidationFailure | None:
        """Validate a response_url body and apply replace/delete to the target message."""
        deleting = truthy(body.get("delete_original"))
        if not deleting and (failure := message_failure(body)):
            return failure
        if target is None:
            return None
        channel, ts = target
        message = self.messages.get(channel, {}).get(ts)
        if deleting and message is not None:
            del self.messages[channel][ts]
        elif truthy(body.get("replace_original")) and message is not None:
            for key in MESSAGE_FIELDS:  # the reply replaces the whole message
                message.pop(key, None)
            message.update({"text": "", **self._content(body)})
        elif body.get("response_type") == "in_channel":
            self.chat_post_message({**body, "channel": channel})
        return None
