"""The ``[escalation]`` settings: who is paged at each step, how long an unacknowledged
incident waits, how often the round repeats (read by ``bot.incidents``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.settings.values import as_duration, as_int, as_user_ids


class EscalationTarget(StrEnum):
    """The three steps of an escalation round, in order (their index is the step number)."""

    PRIMARY = "primary"
    BACKUP = "backup"
    LEVEL3 = "level3"



@dataclass(frozen=True)
class EscalationPolicy:
    """Who is paged, how long an unacknowledged incident waits, how often the round repeats.

    ``primary`` and ``backup`` are Slack user (or user-group) ids; an empty list skips its
    step. ``after_s`` is ``escalation.auto_escalate_after``; ``max_repeats`` is how many more
    rounds follow the first (0: one round). ``flap_threshold`` is how many consecutive
    failures of the bot's own check open an incident.
    """

    primary: tuple[str, ...] = ()
    backup: tuple[str, ...] = ()
    after_s: float = 900.0
    max_repeats: int = 3
    flap_threshold: int = 2

    def __post_init__(self) -> None:
        if self.after_s <= 0:
            raise ValueError("after_s must be positive")
        if self.max_repeats < 0:
            raise ValueError("max_repeats must be 0 or more")
        if self.flap_threshold < 1:
            raise ValueError("flap_threshold must be 1 or more")

    def users_for(self, target: EscalationTarget) -> tuple[str, ...]:
        """The people a step pages (none for Level 3, which is a vendor request)."""
        if target is EscalationTarget.PRIMARY:
            return self.primary
        if target is EscalationTarget.BACKUP:
            return self.backup
        return ()

    @property
    def level2_people(self) -> frozenset[str]:
        """Everyone on Level 2 (primary and backup)."""
        return frozenset(self.primary) | frozenset(self.backup)


MAX_AUTO_ESCALATE_AFTER_S = 7 * 86400.0


def policy_from_config(section: Mapping[str, Any]) -> EscalationPolicy:
    """The policy from the ``[escalation]`` table; a bad value raises ``ConfigError`` naming it.

    ``auto_escalate_after`` (a duration string) replaces ``auto_escalate_minutes``, which is
    still read when the new key is absent. Defaults: 15 min, 3 repeats, flap threshold 2.
    """
    if section.get("auto_escalate_after") is not None:
        after_s: float = as_duration(
            "escalation.auto_escalate_after",
            section["auto_escalate_after"],
            1,
            MAX_AUTO_ESCALATE_AFTER_S,
        )
    else:
        minutes = section.get("auto_escalate_minutes", 15)
        after_s = 60.0 * as_int("escalation.auto_escalate_minutes", minutes, 1, 10080)
    return EscalationPolicy(
        primary=as_user_ids("escalation.level2_primary", section.get("level2_primary", [])),
        backup=as_user_ids("escalation.level2_backup", section.get("level2_backup", [])),
        after_s=after_s,
        max_repeats=as_int("escalation.max_repeats", section.get("max_repeats", 3), 0, 20),
        flap_threshold=as_int(
            "escalation.flap_threshold", section.get("flap_threshold", 2), 1, 100
        ),
    )
