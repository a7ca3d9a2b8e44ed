"""User groups of the local workspace and ``usergroups.users.list``, with Slack's replies.

Slack answers ``{"ok": true, "users": [...]}``; an unknown (or disabled, unless
``include_disabled``) group is ``no_such_subteam``; a token without ``usergroups:read``
gets ``missing_scope`` with ``needed`` and ``provided``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from local_slack.workspace import Body, truthy

DEFAULT_SCOPES = frozenset(
    {"commands", "chat:write", "chat:write.public", "im:write", "users:read", "usergroups:read"}
)


@dataclass
class UserGroup:
    """One user group: its members and whether it is disabled."""

    users: list[str]
    disabled: bool = False


@dataclass
class UserGroups:
    """The groups by id, and the scopes the bot token was granted."""

    groups: dict[str, UserGroup] = field(default_factory=dict)
    scopes: set[str] = field(default_factory=lambda: set(DEFAULT_SCOPES))

    def add(self, group_id: str, users: list[str], *, disabled: bool = False) -> None:
        """Create (or replace) a group with these members."""
        self.groups[group_id] = UserGroup(list(users), disabled)

    def users_list(self, body: Body) -> Body:
        """``usergroups.users.list``."""
        if "usergroups:read" not in self.scopes:
            reply: dict[str, Any] = {"ok": False, "error": "missing_scope"}
            reply["needed"] = "usergroups:read"
            reply["provided"] = ",".join(sorted(self.scopes))
            return reply
        group_id = str(body.get("usergroup") or "")
        if not group_id:
            return {"ok": False, "error": "invalid_arguments"}
        group = self.groups.get(group_id)
        if group is None or (group.disabled and not truthy(body.get("include_disabled"))):
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group.users)}
