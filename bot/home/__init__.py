"""App Home as plain data: what the tab shows, read from stored data only (never a live probe),
who looked at it lately, and the signal that an incident changed (Slack-free)."""

from bot.home.refresh import HomeViewers, SignallingNotifier
from bot.home.snapshot import (
    HomeIncident,
    HomeKey,
    HomeReader,
    HomeRun,
    HomeSnapshot,
    HomeSource,
)

__all__ = [
    "HomeIncident",
    "HomeKey",
    "HomeReader",
    "HomeRun",
    "HomeSnapshot",
    "HomeSource",
    "HomeViewers",
    "SignallingNotifier",
]
