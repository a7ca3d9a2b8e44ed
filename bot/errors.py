"""The bot's small exception tree. Handlers map these to short user messages."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose; its text is safe to show a user."""

    user_message: str = "The bot could not do that."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.user_message)

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
    """A command got arguments it does not take; carries the usage text."""

    def __init__(self, message: str, usage: str) -> None:
        self.usage = usage
        super().__init__(message)


class HelpRequested(BotError):
    """The user asked for a command's help: not a failure, answered with the help text."""

    def __init__(self, command: str) -> None:
        self.command = command
        super().__init__(f"help for {command}")


class NotAuthorizedError(BotError):
    """The verified user may not do this: ``what`` ("run /sync", "resolve an alert") is
    allowed to ``who_may`` only. Its text is the one wording of a refusal."""

    user_message = "You are not allowed to do that."

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


class DependencyError(BotError):
    """A dependency (database, cache, upstream) failed; names which one."""

    def __init__(self, dependency: str, reason: str) -> None:
        self.dependency = dependency
        self.reason = reason
        super().__init__(f"{dependency} is unavailable: {reason}")
