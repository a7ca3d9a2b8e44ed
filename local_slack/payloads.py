"""Builders for the requests Slack sends to an app (slash commands, block actions, view
submissions).

The local server does not send these itself: tests post them to the bot, signed with
:func:`signed_headers`.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0LOCAL"
TEAM_DOMAIN = "local"
APP_ID = "A0LOCAL"

_trigger_counter = itertools.count(1)


def new_trigger_id() -> str:
    """A unique trigger_id in Slack's shape (``<digits>.<digits>.<hex>``)."""
    return f"{next(_trigger_counter)}.1700000000.{uuid.uuid4().hex}"


def _username(user_id: str) -> str:
    name = user_id[2:] if user_id.startswith(("U0", "W0")) else user_id[1:]
    return name.lower() or user_id.lower()


def slash_command_form(
    command: str,
    text: str,
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0OPS",
    response_url: str,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    channel_name: str = "ops",
    user_name: str | None = None,
) -> dict[str, str]:
    """The form fields of a slash command request, as Slack sends them."""
    return {
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or _username(user_id),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def _find_action(
    message: dict[str, Any], action_id: str, value: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The block_id and element of ``action_id`` (with ``value``, when given) inside the
    message's or view's blocks, if present."""
    for block in message.get("blocks") or []:
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if not isinstance(element, dict) or element.get("action_id") != action_id:
                continue
            if value is None or element.get("value") == value:
                return str(block.get("block_id") or "local"), element
    return "local", {"type": "button", "text": {"type": "plain_text", "text": action_id}}


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    message: dict[str, Any],
    channel_id: str,
    user_id: str,
    response_url: str,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """The ``payload`` of a block_actions request for a button click on ``message``."""
    block_id, element = _find_action(message, action_id)
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": element.get("type", "button"),
        "value": value,
        "action_ts": f"{time.time():.6f}",
    }
    if "text" in element:
        action["text"] = element["text"]
    if "style" in element:
        action["style"] = element["style"]
    return {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": _username(user_id),
            "name": _username(user_id),
            "team_id": team_id,
        },
        "api_app_id": APP_ID,
        "container": {
            "type": "message",
            "message_ts": message.get("ts", ""),
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "ops"},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def view_submission_payload(
    callback_id: str,
    *,
    user_id: str,
    values: dict[str, Any] | None = None,
    private_metadata: str = "",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """The ``payload`` of a view_submission: a modal with ``callback_id`` submitted."""
    view_id = "V" + uuid.uuid4().hex[:10].upper()
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": _username(user_id), "team_id": team_id},
        "api_app_id": APP_ID,
        "trigger_id": new_trigger_id(),
        "is_enterprise_install": False,
        "enterprise": None,
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": [],
            "state": {"values": values or {}},
            "hash": uuid.uuid4().hex[:12],
            "app_id": APP_ID,
        },
        "response_urls": [],
    }


def view_state(view: dict[str, Any], choices: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """``view.state.values`` as Slack sends them when a modal is submitted: each input's
    initial choice, or the option values (or the text) given in ``choices`` by action_id."""
    choices = choices or {}
    values: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict) or not element.get("action_id"):
            continue
        action, kind = str(element["action_id"]), element.get("type")
        state: dict[str, Any] = {"type": kind}
        if kind == "checkboxes":
            options = element.get("options") or []
            picked = choices.get(action)
            state["selected_options"] = (
                [o for o in options if o.get("value") in picked]
                if picked is not None
                else list(element.get("initial_options") or [])
            )
        elif kind in ("radio_buttons", "static_select"):
            options = element.get("options") or []
            picked = choices.get(action)
            chosen = (
                next((o for o in options if picked and o.get("value") == picked[0]), None)
                if picked is not None
                else element.get("initial_option")
            )
            state["selected_option"] = chosen
        else:
            picked = choices.get(action)
            state["value"] = picked[0] if picked else element.get("initial_value")
        values.setdefault(str(block.get("block_id") or "local"), {})[action] = state
    return values


def submitted_view_payload(
    view: dict[str, Any],
    *,
    user_id: str,
    choices: dict[str, list[str]] | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """The ``payload`` of a view_submission of ``view`` (as views.open returned it), with
    its inputs as first shown or as ``choices`` (option values by action_id) set them."""
    payload = view_submission_payload(
        str(view.get("callback_id") or ""),
        user_id=user_id,
        private_metadata=str(view.get("private_metadata") or ""),
        team_id=team_id,
    )
    submitted = {**payload["view"], **{k: view[k] for k in ("id", "hash", "title") if k in view}}
    submitted["blocks"] = view.get("blocks") or []
    submitted["state"] = {"values": view_state(view, choices)}
    return {**payload, "view": submitted}


def app_home_opened_body(user_id: str, *, team_id: str = TEAM_ID) -> dict[str, Any]:
    """The Events API body Slack sends when ``user_id`` opens the app's Home tab."""
    return {
        "token": "unused",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "U0LOCALBOT", "is_bot": True}],
        "event": {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }


def home_actions_payload(
    action_id: str,
    value: str | None,
    *,
    view: dict[str, Any],
    user_id: str,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """The ``payload`` of a button click on a published Home view (no response_url: a Home
    tab has no message to answer)."""
    block_id, element = _find_action(view, action_id, value)
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": element.get("type", "button"),
        "action_ts": f"{time.time():.6f}",
        "text": element.get("text"),
    }
    if value is not None:
        action["value"] = value
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": _username(user_id), "team_id": team_id},
        "api_app_id": APP_ID,
        "container": {"type": "view", "view_id": view.get("id", "")},
        "trigger_id": new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }


def interactivity_body(payload: dict[str, Any]) -> str:
    """The raw form body of an interactivity request: ``payload=<url-quoted JSON>``."""
    return "payload=" + quote(json.dumps(payload))


def signed_headers(
    signing_secret: str, body: str, *, timestamp: int | None = None, content_type: str | None = None
) -> dict[str, str]:
    """Headers Slack adds to a request: timestamp and signature of the exact raw body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    if signature is None:
        raise ValueError("could not sign the request body")
    return {
        "Content-Type": content_type or "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
