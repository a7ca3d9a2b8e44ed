"""Who may start a recovery: a configured operator (``user:<id>``) or the CLI (``cli:<name>``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol, runtime_checkable

from bot.i18n.translator import N_

NOT_OPERATOR = N_("only configured operators may run a recovery (auth.operators)")


@runtime_checkable
class OperatorCheck(Protocol):
    """Who is an operator now (``bot.slack.operators.Operators``: user ids, user-group members)."""

    async def allows(self, user_id: str) -> bool:
        """True when ``user_id`` is a configured operator."""
        ...


def may_recover(actor: str, operators: Collection[str]) -> bool:
    """Deny by default: ``user:<id>`` of a configured operator, or the CLI (``cli:<name>``)."""
    kind, _, who = actor.partition(":")
    if not who:
        return False
    return kind == "cli" or (kind == "user" and who in set(operators))


Operators = Collection[str] | OperatorCheck


async def allowed(actor: str, operators: Operators) -> bool:
    """``may_recover`` against a fixed set of ids, or a live check of the operators."""
    if not isinstance(operators, OperatorCheck):
        return may_recover(actor, operators)
    kind, _, who = actor.partition(":")
    if kind == "cli" and who:
        return True
    return kind == "user" and bool(who) and await operators.allows(who)
