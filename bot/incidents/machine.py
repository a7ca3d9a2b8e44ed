"""Pure rules: which transition applies from which state and level, and the escalation order.

Decisions (what an on-call engineer expects):

- **Acknowledge** only from ``open``. Acknowledging stops automatic escalation.
- **Escalate** to Level 2 or 3 from ``open`` *or* ``acknowledged``: the person who took the
  incident may still need help from the dev team or the vendor. Only upwards: a press
  for a level the incident already reached is refused (it says who escalated and when).
  Escalating does not acknowledge and does not change the state.
- **Resolve** from ``open`` or ``acknowledged``. ``resolved`` is final.
- A **firing** alert whose key has an open (or acknowledged) incident updates it (count,
  last seen, latest title, severity and details). A firing alert whose key has only
  resolved incidents opens a **new** incident.
- A **resolved** alert resolves the open incident of its key; with none it is ``ignored``.

Escalation schedule: a round is Level 2 primary → Level 2 backup → Level 3, each step
``after_s`` after the previous one while nobody acknowledges. A step whose people list is
empty is skipped (Level 3 is always reached). After Level 3 the round starts again from
the primary, at most ``max_repeats`` more times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.incidents.model import (
    STEP_TARGETS,
    AlertStatus,
    EscalationTarget,
    Incident,
    Level,
    Refusal,
    State,
)
from bot.incidents.policy import EscalationPolicy

ACKNOWLEDGE_FROM: tuple[State, ...] = (State.OPEN,)
ESCALATE_FROM: tuple[State, ...] = (State.OPEN, State.ACKNOWLEDGED)
RESOLVE_FROM: tuple[State, ...] = (State.OPEN, State.ACKNOWLEDGED)
# Automatic escalation only runs while nobody has acknowledged.
AUTO_ESCALATE_FROM: tuple[State, ...] = (State.OPEN,)

LEVEL3_STEP = STEP_TARGETS.index(EscalationTarget.LEVEL3)


@dataclass(frozen=True)
class EscalationStep:
    """One step of the schedule: its round (0 = the first) and step (0 primary, 1 backup, 2 L3)."""

    round: int
    step: int

    @property
    def target(self) -> EscalationTarget:
        """Who this step reaches."""
        return STEP_TARGETS[self.step]

    @property
    def level(self) -> Level:
        """The level this step brings the incident to (the level never goes down)."""
        return Level.L3 if self.target is EscalationTarget.LEVEL3 else Level.L2


def _step_used(policy: EscalationPolicy, step: int) -> bool:
    target = STEP_TARGETS[step]
    return target is EscalationTarget.LEVEL3 or bool(policy.users_for(target))


def next_step(policy: EscalationPolicy, done: EscalationStep | None) -> EscalationStep | None:
    """The step after ``done`` (None: nothing done yet), or None when the schedule is over."""
    round_, step = (0, -1) if done is None else (done.round, done.step)
    while True:
        step += 1
        if step >= len(STEP_TARGETS):
            round_, step = round_ + 1, 0
        if round_ > policy.max_repeats:
            return None
        if _step_used(policy, step):
            return EscalationStep(round_, step)


def schedule(policy: EscalationPolicy) -> list[EscalationStep]:
    """Every step an incident nobody acknowledges goes through, in order."""
    steps: list[EscalationStep] = []
    current = next_step(policy, None)
    while current is not None:
        steps.append(current)
        current = next_step(policy, current)
    return steps


def manual_step(policy: EscalationPolicy, level: Level, round_: int) -> EscalationStep:
    """Where a button press for ``level`` puts the schedule (the automatic one continues on).

    Level 2 pages the primary (the backup when no primary is configured); Level 3 is the
    vendor request.
    """
    if level is Level.L3:
        return EscalationStep(round_, LEVEL3_STEP)
    if level is not Level.L2:
        raise ValueError("an incident is escalated to Level 2 or 3 only")
    if policy.primary or not policy.backup:
        return EscalationStep(round_, STEP_TARGETS.index(EscalationTarget.PRIMARY))
    return EscalationStep(round_, STEP_TARGETS.index(EscalationTarget.BACKUP))


def alert_opens_or_updates(status: AlertStatus) -> bool:
    """A firing alert creates or updates an incident; a resolved one only clears."""
    return status is AlertStatus.FIRING


def refusal_to_acknowledge(incident: Incident) -> Refusal | None:
    """Why an acknowledgement would not apply now (None: it would)."""
    if incident.state is State.ACKNOWLEDGED:
        return Refusal.ALREADY_ACKNOWLEDGED
    if incident.state is State.RESOLVED:
        return Refusal.ALREADY_RESOLVED
    return None


def refusal_to_escalate(incident: Incident, level: Level) -> Refusal | None:
    """Why an escalation to ``level`` would not apply now (None: it would)."""
    if incident.state is State.RESOLVED:
        return Refusal.ALREADY_RESOLVED
    if incident.level >= level:
        return Refusal.ALREADY_AT_LEVEL
    return None


def who_and_when(incident: Incident, refusal: Refusal) -> tuple[str | None, datetime | None]:
    """Who made the transition a refused press collided with, and when."""
    if refusal is Refusal.ALREADY_ACKNOWLEDGED:
        return incident.acknowledged_by, incident.acknowledged_at
    if refusal is Refusal.ALREADY_RESOLVED:
        return incident.resolved_by, incident.resolved_at
    return incident.escalated_by, incident.escalated_at
