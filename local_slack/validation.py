"""Checks that reject what Slack rejects, with Slack's error codes.

Block checks lean on slack_sdk's own models: ``Block.parse`` must build the block and
``validate_json()`` / ``to_dict()`` must not raise (``to_dict`` also validates nested
elements such as button texts and action ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
TEXT_LIMIT = 40_000


@dataclass(frozen=True)
class ValidationFailure:
    """A rejected request: Slack's error code plus human-readable details."""

    error: str
    errors: list[str] = field(default_factory=list)

    def to_response(self) -> dict[str, Any]:
        """The JSON body Slack answers with (HTTP 200, ``ok: false``)."""
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.errors:
            body["errors"] = list(self.errors)
            body["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in self.errors]}
        return body


def _describe(index: int, block: Mapping[str, Any]) -> str:
    block_id = block.get("block_id")
    where = f"blocks[{index}] ({block.get('type')!s}"
    return where + (f", block_id={block_id!r})" if block_id else ")")


def validate_blocks(blocks: object, *, limit: int) -> list[str]:
    """Return one string per problem in ``blocks`` (empty list: Slack would accept them).

    ``limit`` is the maximum number of blocks: 50 in a message, 100 in a view.
    """
    if not isinstance(blocks, list):
        return [f"blocks must be a JSON array, got {type(blocks).__name__}"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"too many blocks: {len(blocks)} > {limit}")
    for index, raw in enumerate(blocks):
        if not isinstance(raw, dict):
            errors.append(f"blocks[{index}] must be an object, got {type(raw).__name__}")
            continue
        if not isinstance(raw.get("type"), str):
            errors.append(f"blocks[{index}] has no 'type'")
            continue
        where = _describe(index, raw)
        try:
            # Block constructors mutate nothing we keep, but parse a copy to be safe.
            block = Block.parse(dict(raw))
        except Exception as exc:  # any constructor failure means Slack would refuse it
            errors.append(f"{where}: cannot be built: {exc}")
            continue
        if block is None:
            errors.append(f"{where}: unsupported block type")
            continue
        try:
            block.validate_json()
            block.to_dict()  # validates nested elements (button text, action_id, ...)
        except Exception as exc:
            errors.append(f"{where}: {exc}")
    return errors


def message_failure(
    body: Mapping[str, Any], *, require_content: bool = True
) -> ValidationFailure | None:
    """Validate the text/blocks/attachments of a message body like chat.postMessage does."""
    text = body.get("text")
    blocks = body.get("blocks")
    attachments = body.get("attachments")
    markdown_text = body.get("markdown_text")
    if text is not None and not isinstance(text, str):
        text = str(text)
    if require_content and not (text or blocks or attachments or markdown_text):
        return ValidationFailure("no_text", ["message needs text, blocks or attachments"])
    if markdown_text and (text or blocks):
        return ValidationFailure(
            "markdown_text_conflict", ["markdown_text cannot be used with text or blocks"]
        )
    if text is not None and len(text) > TEXT_LIMIT:
        return ValidationFailure("msg_too_long", [f"text is {len(text)} > {TEXT_LIMIT} chars"])
    if blocks is not None:
        errors = validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT)
        if errors:
            return ValidationFailure("invalid_blocks", errors)
    if attachments is not None and not isinstance(attachments, list):
        return ValidationFailure("invalid_attachments", ["attachments must be a JSON array"])
    for index, attachment in enumerate(attachments or []):
        if not isinstance(attachment, dict):
            return ValidationFailure("invalid_attachments", [f"attachments[{index}] not object"])
        if "blocks" in attachment:
            errors = validate_blocks(attachment["blocks"], limit=MESSAGE_BLOCK_LIMIT)
            if errors:
                return ValidationFailure(
                    "invalid_blocks", [f"attachments[{index}].{e}" for e in errors]
                )
    return None


def view_failure(view: object, *, expected_types: tuple[str, ...]) -> ValidationFailure | None:
    """Validate a view for views.open/update/push (modal) or views.publish (home)."""
    if not isinstance(view, dict):
        return ValidationFailure("invalid_arguments", ["view must be a JSON object"])
    if view.get("type") not in expected_types:
        wanted = " or ".join(expected_types)
        return ValidationFailure(
            "invalid_arguments", [f"view.type must be {wanted}, got {view.get('type')!r}"]
        )
    errors = validate_blocks(view.get("blocks", []), limit=VIEW_BLOCK_LIMIT)
    if errors:
        return ValidationFailure("invalid_blocks", errors)
    if view["type"] == "modal" and not view.get("title"):
        return ValidationFailure("invalid_arguments", ["a modal needs a title"])
    blocks = [b for b in view.get("blocks", []) if isinstance(b, dict)]
    needs_submit = any(b.get("type") == "input" for b in blocks)
    if view["type"] == "modal" and needs_submit and not view.get("submit"):
        return ValidationFailure(
            "invalid_arguments", ["must provide a submit property when using input blocks"]
        )
    if errors := _initial_options_errors(blocks):
        return ValidationFailure("invalid_blocks", errors)
    try:
        # Blocks were checked above; let View check title/submit/close/metadata limits.
        model = View(**{k: v for k, v in view.items() if k != "blocks"})
        model.blocks = None  # type: ignore[assignment]  # skip its "at least 1 block" rule
        model.validate_json()
    except Exception as exc:
        return ValidationFailure("invalid_arguments", [f"view: {exc}"])
    return None


def _initial_options_errors(blocks: list[dict[str, Any]]) -> list[str]:
    """Slack refuses initial options that are not exactly among an element's options."""
    errors: list[str] = []
    for index, block in enumerate(blocks):
        element = block.get("element") if block.get("type") == "input" else None
        elements = [element] if isinstance(element, dict) else []
        elements += [e for e in block.get("elements") or [] if isinstance(e, dict)]
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for item in elements:
            options = item.get("options")
            if not isinstance(options, list):
                continue
            chosen = list(item.get("initial_options") or [])
            if isinstance(item.get("initial_option"), dict):
                chosen.append(item["initial_option"])
            for option in chosen:
                if option not in options:
                    errors.append(
                        f"{_describe(index, block)}: initial option {option.get('value')!r}"
                        " is not one of the options"
                    )
    return errors
