"""What the scheduled jobs are given: posting a message (Slack-free), and its failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.errors import BotError
from bot.slack.render import Message


class PostError(BotError):
    """Posting a message failed (Slack refused it or could not be reached); says why."""


# Posts one rendered message to the configured channel; raises PostError when it did not.
PostMessage = Callable[[Message], Awaitable[None]]
