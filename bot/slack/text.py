"""Render Block Kit messages as readable plain terminal text (for the bot's local mode)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

RULE = "─" * 40
_ANGLE = re.compile(r"<([^<>]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _link(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        keyword = target[1:].split("^", 1)[0]
        return label or _SPECIAL.get(keyword, "@" + keyword)
    if not label:
        return target.removeprefix("mailto:")
    if label == target.removeprefix("mailto:"):
        return label
    return f"{label} ({target})"


def mrkdwn_to_text(text: str) -> str:
    """``<url|label>`` → ``label (url)``, ``<@U1>`` → ``@U1``, then unescape ``&amp; &lt; &gt;``."""
    text = _ANGLE.sub(lambda m: _link(m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: object) -> str:
    """A text object (plain_text or mrkdwn) or a bare string."""
    if isinstance(obj, str):
        return mrkdwn_to_text(obj)
    if not isinstance(obj, Mapping):
        return ""
    raw = str(obj.get("text", ""))
    return raw if obj.get("type") == "plain_text" else mrkdwn_to_text(raw)


def _element(element: Mapping[str, Any]) -> str:
    """An interactive element: ``[ Label ] (action_id)``."""
    kind = element.get("type", "")
    action = f" ({element['action_id']})" if element.get("action_id") else ""
    if kind == "button":
        return f"[ {_text(element.get('text'))} ]{action}"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("plain_text", "mrkdwn"):
        return _text(element)
    if kind == "overflow":
        return f"[ … ]{action}"
    if kind in ("checkboxes", "radio_buttons"):
        return _choices(element)
    initial = element.get("initial_option")
    label = _text(element.get("placeholder"))
    if isinstance(initial, Mapping):
        label = _text(initial.get("text")) or label
    return f"[ {label or kind} ▾ ]{action}"


def _choices(element: Mapping[str, Any]) -> str:
    """A checkbox or radio group: one line per option, ``[x]`` when chosen, with its value."""
    chosen = list(element.get("initial_options") or [])
    if isinstance(element.get("initial_option"), Mapping):
        chosen.append(element["initial_option"])
    values = {o.get("value") for o in chosen if isinstance(o, Mapping)}
    lines = []
    for option in element.get("options") or []:
        if not isinstance(option, Mapping):
            continue
        mark = "x" if option.get("value") in values else " "
        about = _text(option.get("description"))
        line = f"  [{mark}] {_text(option.get('text'))} ({option.get('value')})"
        lines.append(line + (f" — {about}" if about else ""))
    action = f" ({element['action_id']})" if element.get("action_id") else ""
    return action.strip() + "\n" + "\n".join(lines)


def _rich(element: Mapping[str, Any]) -> str:
    """Rich text: sections, lists, quotes, preformatted, and their inline elements."""
    kind = element.get("type")
    children = [e for e in element.get("elements", []) if isinstance(e, Mapping)]
    if kind == "text":
        return str(element.get("text", ""))
    if kind == "link":
        url = str(element.get("url", ""))
        label = element.get("text")
        return f"{label} ({url})" if label and label != url else url
    if kind == "user":
        return f"@{element.get('user_id', '')}"
    if kind == "channel":
        return f"#{element.get('channel_id', '')}"
    if kind == "usergroup":
        return f"@{element.get('usergroup_id', '')}"
    if kind == "broadcast":
        return f"@{element.get('range', 'here')}"
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    if kind == "rich_text_list":
        ordered = element.get("style") == "ordered"
        items = [_rich(c) for c in children]
        return "\n".join(f"{i}. {t}" if ordered else f"• {t}" for i, t in enumerate(items, 1))
    if kind == "rich_text_quote":
        return "\n".join("> " + line for line in "".join(_rich(c) for c in children).splitlines())
    if kind == "rich_text_preformatted":
        return "\n".join("    " + line for line in "".join(_rich(c) for c in children).splitlines())
    joiner = "\n" if kind == "rich_text" else ""
    return joiner.join(_rich(c) for c in children)


def _block(block: Mapping[str, Any]) -> str:
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"))
        return f"{title}\n{'=' * max(len(title), 3)}"
    if kind == "divider":
        return RULE
    if kind == "section":
        lines = [_text(block["text"])] if block.get("text") else []
        lines += ["  " + line for f in block.get("fields") or [] for line in _text(f).splitlines()]
        accessory = block.get("accessory")
        if isinstance(accessory, Mapping):
            lines.append("  " + _element(accessory))
        return "\n".join(lines)
    if kind == "context":
        return "  " + " · ".join(_element(e) for e in block.get("elements", []))
    if kind == "actions":
        return "  ".join(_element(e) for e in block.get("elements", []))
    if kind == "image":
        title = _text(block.get("title")) or block.get("alt_text", "")
        return f"[image: {title}] ({block.get('image_url', '')})"
    if kind == "rich_text":
        return _rich(block)
    if kind == "markdown":
        return str(block.get("text", ""))
    if kind == "input":
        element = block.get("element") or {}
        return f"{_text(block.get('label'))}: {_element(element)}"
    return f"[{kind} block]"


def _blocks(blocks: object) -> list[str]:
    if not isinstance(blocks, list):
        return []
    return [_block(b) for b in blocks if isinstance(b, Mapping)]


def message_to_text(body: Mapping[str, Any]) -> str:
    """A message (chat.postMessage/update or response_url body) as plain terminal text.

    Blocks are rendered when present (the ``text`` is then only a notification fallback);
    otherwise the mrkdwn ``text``. Attachments follow, prefixed with ``| ``.
    """
    if body.get("delete_original") in (True, "true"):
        return "(original message deleted)"
    parts = _blocks(body.get("blocks"))
    if not parts and body.get("text"):
        parts = [mrkdwn_to_text(str(body["text"]))]
    for attachment in body.get("attachments") or []:
        if not isinstance(attachment, Mapping):
            continue
        inner = _blocks(attachment.get("blocks")) or [
            mrkdwn_to_text(str(attachment[k]))
            for k in ("pretext", "title", "text")
            if attachment.get(k)
        ]
        inner += [
            f"{_text(f.get('title'))}: {_text(f.get('value'))}"
            for f in attachment.get("fields") or []
            if isinstance(f, Mapping)
        ]
        if not inner and attachment.get("fallback"):
            inner = [mrkdwn_to_text(str(attachment["fallback"]))]
        parts.append("\n".join("| " + line for line in "\n".join(inner).splitlines()))
    return "\n".join(p for p in parts if p)
