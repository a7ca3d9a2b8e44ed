"""The bot's small exception tree. Handlers map these to short user messages.

A ``BotError``'s ``message_id`` and ``values`` are what a template translates (the
``error`` and ``usage`` templates: ``_(message_id, **values)``); ``str(error)`` is the same
text in English, for logs and for callers that show it as data.
"""

from __future__ import annotations

from typing import Any

from bot.i18n.translator import N_

# The problem line of a usage error naming one argument a command does not take.
UNKNOWN_ARGUMENT = N_("Unknown argument `%(word)s`.")
# What a person is told of a failure that is not theirs (the details go to the log).
SOMETHING_WENT_WRONG = N_("Something went wrong on our side.")
NO_ARGUMENTS = N_("`%(command)s` takes no arguments (got `%(words)s`).")


class BotError(Exception):
    """Base of every error the bot raises on purpose; its text is safe to show a user."""

    user_message: str = N_("The bot could not do that.")

    def __init__(self, message: str | None = None) -> None:
        text = message or self.user_message
        # Free text (a reason from an upstream) is shown as it is; a catalog message is
        # translated where shown: subclasses with placeholders set message_id and values.
        self.message_id: str = "" if message else self.user_message
        self.values: dict[str, Any] = {}
        super().__init__(text)

    @property
    def public_text(self) -> str:
        """The text shown to the user (already free of secrets)."""
        return str(self)


class ConfigError(BotError):
    """A configuration value is invalid; names the key and the reason."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class UsageError(BotError):
    """A command got arguments it does not take: ``message`` is a catalog message id with
    placeholders filled from ``values`` (the argument, as typed: data), ``usage`` the
    command's usage line (``/health [keys|db|...]``, shown as it is)."""

    def __init__(self, message: str, usage: str, **values: str) -> None:
        self.usage = usage
        super().__init__(message % values)
        self.message_id = message
        self.values = dict(values)


class HelpRequested(BotError):
    """The user asked for a command's help: not a failure, answered with the help text."""

    def __init__(self, command: str) -> None:
        self.command = command
        super().__init__(f"help for {command}")


class NotAuthorizedError(BotError):
    """The verified user may not do this: ``what`` ("run /sync", "resolve an alert") is
    allowed to ``who_may`` only. Its text is the one wording of a refusal."""

    user_message = N_("You are not allowed to do that.")

    def __init__(
        self,
        what: str = "do that",
        who_may: str = "configured operators",
        keys: str = "auth.operators",
    ) -> None:
        self.what = what
        self.who_may = who_may
        self.keys = keys  # the settings that list who may
        super().__init__(f"Only {who_may} may {what} ({keys}).")
        self.message_id = N_("Only %(who)s may %(what)s (%(keys)s).")
        self.values = {"who": who_may, "what": what, "keys": keys}


class DependencyError(BotError):
    """A dependency (database, cache, upstream) failed; names which one."""

    def __init__(self, dependency: str, reason: str) -> None:
        self.dependency = dependency
        self.reason = reason
        super().__init__(f"{dependency} is unavailable: {reason}")
        self.message_id = N_("%(dependency)s is unavailable: %(reason)s")
        self.values = {"dependency": dependency, "reason": reason}
