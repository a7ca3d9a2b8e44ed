"""The slash commands' grammar: each command's words parsed into what its handler needs.

``help`` (or ``-h``, ``--help``, ``?``) raises ``HelpRequested``; anything unknown raises a
``UsageError`` with the command's usage line (``bot.slack.help``), which the reply shows in
the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import NO_ARGUMENTS, UNKNOWN_ARGUMENT, HelpRequested, UsageError
from bot.slack.help import COMMAND_HELP, wants_help
from bot.sync.request import ALL_SCOPES

HEALTH_USAGE = COMMAND_HELP["/health"].usage
KEYS_USAGE = COMMAND_HELP["/keys"].usage
SYNC_USAGE = COMMAND_HELP["/sync"].usage
RECOVER_USAGE = COMMAND_HELP["/recover"].usage


def parse_health_args(text: str, components: Sequence[str]) -> str | None:
    """The one optional component word; anything else is a usage error."""
    words = text.split()
    if not words:
        return None
    if wants_help(text):
        raise HelpRequested("/health")
    if len(words) > 1 or words[0].lower() not in components:
        raise UsageError(UNKNOWN_ARGUMENT, HEALTH_USAGE, word=" ".join(words))
    return words[0].lower()


def parse_keys_args(text: str) -> None:
    """/keys takes no arguments (``help`` shows its help)."""
    words = text.split()
    if not words:
        return
    if wants_help(text):
        raise HelpRequested("/keys")
    raise UsageError(NO_ARGUMENTS, KEYS_USAGE, command="/keys", words=" ".join(words))


def parse_sync_args(text: str) -> tuple[str, bool, bool]:
    """(scope, dry_run, force) from the command text; anything unknown is a usage error."""
    if wants_help(text):
        raise HelpRequested("/sync")
    scope, dry_run, force = "", False, False
    for word in text.split():
        lowered = word.lower()
        if lowered == "--dry-run":
            dry_run = True
        elif lowered == "--force":
            force = True
        elif lowered in ALL_SCOPES and not scope:
            scope = lowered
        else:
            raise UsageError(UNKNOWN_ARGUMENT, SYNC_USAGE, word=word)
    return scope or "all", dry_run, force


def parse_recover_args(text: str) -> bool:
    """Whether ``--dry-run`` was typed; ``help`` shows the help; anything else is a usage error."""
    if wants_help(text):
        raise HelpRequested("/recover")
    words = text.split()
    for word in words:
        if word.lower() != "--dry-run":
            raise UsageError(UNKNOWN_ARGUMENT, RECOVER_USAGE, word=word)
    return bool(words)
