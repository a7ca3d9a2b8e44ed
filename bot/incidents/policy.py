"""Who may press incident buttons, under the escalation policy (``[escalation]``, read by
``bot.settings.escalation``)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.settings.escalation import EscalationPolicy

__all__ = ["EscalationPolicy", "may_press_incident_button"]


def may_press_incident_button(
    user_id: str, *, operators: Iterable[str], policy: EscalationPolicy
) -> bool:
    """Whether a verified Slack user may press an incident button: operators and Level 2.

    Deny by default: an empty or unknown id may not. Membership of a Slack user group
    listed in the policy cannot be known here; the Slack side resolves groups first.
    """
    if not user_id:
        return False
    return user_id in set(operators) or user_id in policy.level2_people
