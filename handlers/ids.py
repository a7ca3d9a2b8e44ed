"""Every id the Slack side uses, as enums, and who may use each (deny by default).

Action ids (buttons), view callback ids (dialogs) and block ids are interfaces: templates
print them and listeners match them, so they are spelled once, here. The role tables beside
them are what the authorisation step reads; anything not listed needs an operator.
"""

from __future__ import annotations

from enum import StrEnum

from bot.i18n.translator import N_


class Command(StrEnum):
    """The slash commands in manifest.yaml."""

    HEALTH = "/health"
    KEYS = "/keys"
    SYNC = "/sync"
    RECOVER = "/recover"


class ActionId(StrEnum):
    """Button action ids (fixed interface: docs/contract.md)."""

    INCIDENT_ACK = "incident_ack"
    INCIDENT_ESCALATE_L2 = "incident_escalate_l2"
    INCIDENT_ESCALATE_L3 = "incident_escalate_l3"
    INCIDENT_RESOLVE = "incident_resolve"
    INCIDENT_LINK = "incident_link"  # a link button in a Level 2 DM: Slack reports the click
    HEALTH_OPEN_INCIDENT = "health_open_incident"  # on a degraded /health report
    INCIDENT_POSTMORTEM = "incident_postmortem"  # on a resolved incident: its postmortem draft
    HOME_HEALTH_CHECK = "home_health_check"  # App Home: a health check, the report by DM
    HOME_SYNC_DRY_RUN = "home_sync_dry_run"  # App Home: /sync all --dry-run, the diff by DM


class ViewId(StrEnum):
    """Dialog callback ids (``view.callback_id``)."""

    RECOVER_CONFIRM = "recover_confirm"


CallbackId = ViewId


class BlockId(StrEnum):
    """Block ids listeners and dialogs refer to."""

    INCIDENT_ACTIONS = "incident_actions"
    RECOVER_STEPS = "recover_steps"
    RECOVER_OPTIONS = "recover_options"


class InputId(StrEnum):
    """Action ids of a dialog's inputs (read back from ``view.state.values``)."""

    RECOVER_STEPS = "steps"  # checkboxes: the steps to run
    RECOVER_OPTIONS = "options"  # checkboxes: dry run, continue after a failure, force sync


class EventType(StrEnum):
    """Events API events the bot listens to."""

    APP_HOME_OPENED = "app_home_opened"


class Role(StrEnum):
    """Who may do something."""

    ANYONE = "anyone"  # anyone in the bot's own workspace
    OPERATOR = "operator"  # auth.operators: user ids and user-group members
    RESPONDER = "responder"  # an operator, or one of the Level 2 people ([escalation])


COMMAND_ROLES: dict[Command, Role] = {
    Command.HEALTH: Role.ANYONE,
    Command.KEYS: Role.ANYONE,
    Command.SYNC: Role.OPERATOR,
    Command.RECOVER: Role.OPERATOR,
}
# Every press is checked again, whoever posted the message it is on.
ACTION_ROLES: dict[ActionId, Role] = {
    ActionId.INCIDENT_ACK: Role.RESPONDER,
    ActionId.INCIDENT_ESCALATE_L2: Role.RESPONDER,
    ActionId.INCIDENT_ESCALATE_L3: Role.RESPONDER,
    ActionId.INCIDENT_RESOLVE: Role.RESPONDER,
    ActionId.INCIDENT_LINK: Role.ANYONE,  # opens a URL; nothing happens in the bot
    ActionId.HEALTH_OPEN_INCIDENT: Role.RESPONDER,
    ActionId.INCIDENT_POSTMORTEM: Role.RESPONDER,
    ActionId.HOME_HEALTH_CHECK: COMMAND_ROLES[Command.HEALTH],
    ActionId.HOME_SYNC_DRY_RUN: COMMAND_ROLES[Command.SYNC],  # the same people as /sync
}
VIEW_ROLES: dict[ViewId, Role] = {ViewId.RECOVER_CONFIRM: Role.OPERATOR}

# How a refusal names what was asked: "Only configured operators may <this>".
ACTION_WORDS: dict[ActionId, str] = {
    ActionId.INCIDENT_ACK: N_("acknowledge an alert"),
    ActionId.INCIDENT_ESCALATE_L2: N_("escalate an alert to Level 2"),
    ActionId.INCIDENT_ESCALATE_L3: N_("escalate an alert to Level 3"),
    ActionId.INCIDENT_RESOLVE: N_("resolve an alert"),
    ActionId.INCIDENT_LINK: N_("open an incident"),
    ActionId.HEALTH_OPEN_INCIDENT: N_("open an incident from /health"),
    ActionId.INCIDENT_POSTMORTEM: N_("draft an incident's postmortem"),
    ActionId.HOME_HEALTH_CHECK: N_("run a health check"),
    ActionId.HOME_SYNC_DRY_RUN: N_("run a sync dry run"),
}
# Who a role is, in a refusal ("Only <these> may ...") and the config keys that list them.
ROLE_PEOPLE: dict[Role, tuple[str, str]] = {
    Role.OPERATOR: (N_("configured operators"), "auth.operators"),
    Role.RESPONDER: (
        N_("configured operators and the Level 2 people"),
        "auth.operators, escalation.level2_primary, escalation.level2_backup",
    ),
}
VIEW_WORDS: dict[ViewId, str] = {ViewId.RECOVER_CONFIRM: N_("start a recovery")}
# How a refusal names a command ("Only configured operators may run /sync").
COMMAND_WORDS: dict[Command, str] = {
    Command.HEALTH: N_("run /health"),
    Command.KEYS: N_("run /keys"),
    Command.SYNC: N_("run /sync"),
    Command.RECOVER: N_("run /recover"),
}
