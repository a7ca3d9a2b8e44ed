"""Which workspace a request must come from: the bot's own, never another one.

A signing secret is per app, so an app installed in several workspaces (or a Slack
Connect partner's) receives correctly signed requests from all of them; only the team
(or the Enterprise Grid organisation) says whose they are.

The rule:
- the bot's own identity is ``slack.team_id`` / ``slack.enterprise_id`` when configured,
  else what ``auth.test`` says about the bot token;
- an org-wide installation (an enterprise id and no team id of its own) accepts any
  workspace of that organisation, and nothing else;
- otherwise the request's team must be the bot's team, and when both carry an enterprise
  id the two must be equal.
The request's team is the installation it was delivered to (for events, Slack's
``authorizations``, so an event from a shared channel delivered to this workspace passes);
for commands and button clicks it is the workspace of the person acting, so people from a
partner workspace in a shared channel cannot operate the bot.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Installation:
    """A workspace identity: team id and Enterprise Grid organisation id (either may be None)."""

    team_id: str | None
    enterprise_id: str | None

    @property
    def known(self) -> bool:
        """True when there is anything to compare against."""
        return bool(self.team_id or self.enterprise_id)

    @property
    def org_wide(self) -> bool:
        """An organisation-wide installation: an enterprise and no workspace of its own (its
        token reports no team, or the organisation's id in place of one)."""
        team = self.team_id or ""
        return bool(self.enterprise_id) and (not team or team.startswith("E"))


def same_workspace(own: Installation, team_id: str | None, enterprise_id: str | None) -> bool:
    """True when a request from (team_id, enterprise_id) belongs to ``own``."""
    if not own.known:
        return False
    if own.org_wide:
        return enterprise_id == own.enterprise_id
    if team_id != own.team_id:
        return False
    return not (enterprise_id and own.enterprise_id and enterprise_id != own.enterprise_id)
