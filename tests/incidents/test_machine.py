"""The pure transition rules and the escalation schedule."""

from __future__ import annotations

from bot.incidents import EscalationPolicy, EscalationTarget, Level
from bot.incidents.machine import EscalationStep, manual_step, next_step, schedule

P, B, L3 = EscalationTarget.PRIMARY, EscalationTarget.BACKUP, EscalationTarget.LEVEL3


def targets(policy: EscalationPolicy) -> list[tuple[int, EscalationTarget]]:
    return [(s.round, s.target) for s in schedule(policy)]


def test_one_round_is_primary_backup_level3_then_nothing() -> None:
    """max_repeats 0: primary, backup, Level 3, and the schedule ends."""
    policy = EscalationPolicy(primary=("UP",), backup=("UB",), max_repeats=0)
    assert targets(policy) == [(0, P), (0, B), (0, L3)]
    assert next_step(policy, EscalationStep(0, 2)) is None


def test_repeats_start_again_from_the_primary() -> None:
    """max_repeats 1: a second full round follows the first."""
    policy = EscalationPolicy(primary=("UP",), backup=("UB",), max_repeats=1)
    assert targets(policy) == [(0, P), (0, B), (0, L3), (1, P), (1, B), (1, L3)]


def test_empty_lists_skip_their_step_but_level3_is_reached() -> None:
    """No primary: backup then Level 3; nobody at all: Level 3 each round."""
    assert targets(EscalationPolicy(backup=("UB",), max_repeats=0)) == [(0, B), (0, L3)]
    assert targets(EscalationPolicy(primary=("UP",), max_repeats=0)) == [(0, P), (0, L3)]
    assert targets(EscalationPolicy(max_repeats=1)) == [(0, L3), (1, L3)]


def test_levels_of_steps() -> None:
    """Primary and backup are Level 2; the third step is Level 3."""
    assert [s.level for s in schedule(EscalationPolicy(primary=("U",), backup=("V",)))][:3] == [
        Level.L2,
        Level.L2,
        Level.L3,
    ]


def test_a_button_press_maps_to_a_step_of_the_current_round() -> None:
    """Level 2 by hand pages the primary (the backup if no primary); Level 3 is step 3."""
    both = EscalationPolicy(primary=("UP",), backup=("UB",))
    assert manual_step(both, Level.L2, 1) == EscalationStep(1, 0)
    assert manual_step(both, Level.L3, 0) == EscalationStep(0, 2)
    assert manual_step(EscalationPolicy(backup=("UB",)), Level.L2, 0).target is B
