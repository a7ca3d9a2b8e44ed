"""Alert validation, durations and who may press: plain rules, no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import ConfigError
from bot.incidents import (
    AlertStatus,
    AlertValidationError,
    EscalationPolicy,
    Severity,
    may_press_incident_button,
    validate_alert,
)
from bot.settings.escalation import policy_from_config
from bot.settings.values import parse_duration


def body(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "dedup_key": "app_down",
        "title": "The app answers 500",
        "severity": "critical",
        "source": "uptime",
        "status": "firing",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def test_valid_alert_is_parsed_into_typed_values() -> None:
    """A complete body becomes an AlertInput with enums and optional details."""
    parsed = validate_alert(body(details={"url": "https://x"}, extra="ignored"))
    assert parsed.severity is Severity.CRITICAL
    assert parsed.status is AlertStatus.FIRING
    assert parsed.details == {"url": "https://x"}


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"dedup_key": ...}, "dedup_key", "required"),
        ({"dedup_key": ""}, "dedup_key", "empty"),
        ({"dedup_key": "   "}, "dedup_key", "empty"),
        ({"dedup_key": "k" * 201}, "dedup_key", "at most 200"),
        ({"dedup_key": 12}, "dedup_key", "string"),
        ({"title": "t" * 201}, "title", "at most 200"),
        ({"title": "two\nlines"}, "title", "control"),
        ({"severity": "high"}, "severity", "critical, warning, info"),
        ({"severity": ...}, "severity", "required"),
        ({"source": None}, "source", "required"),
        ({"status": "ok"}, "status", "firing, resolved"),
        ({"details": [1, 2]}, "details", "string or an object"),
        ({"details": "x" * 70_000}, "details", "at most"),
    ],
)
def test_each_bad_field_is_named(over: dict[str, Any], field: str, words: str) -> None:
    """A bad alert raises AlertValidationError naming the field and saying what is wrong."""
    with pytest.raises(AlertValidationError) as caught:
        validate_alert(body(**over))
    assert caught.value.field == field
    assert words in caught.value.error
    assert caught.value.as_json() == {"error": caught.value.error, "field": field}


def test_a_body_that_is_not_an_object_names_the_body() -> None:
    """A JSON array (or string) is refused as a whole."""
    with pytest.raises(AlertValidationError) as caught:
        validate_alert([body()])
    assert caught.value.field == "body"


def test_first_bad_field_is_reported_in_contract_order() -> None:
    """With several bad fields, the first in the contract's order is named."""
    with pytest.raises(AlertValidationError) as caught:
        validate_alert(body(title="", severity="nope"))
    assert caught.value.field == "title"


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2s", 2)]
)
def test_durations_parse_to_seconds(text: str, seconds: float) -> None:
    """auto_escalate_after accepts 90s, 15m, 1h and combinations."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "0s", "-5m", "1.5h", "15 minutes", "1h 30m"])
def test_bad_durations_are_refused_with_a_reason(text: str) -> None:
    """A malformed or zero duration raises ValueError saying what is expected."""
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_duration(text)


def test_operators_and_level2_may_press_and_nobody_else() -> None:
    """Buttons: auth.operators and Level 2 people; deny by default."""
    policy = EscalationPolicy(primary=("UP",), backup=("UB",))
    assert may_press_incident_button("UOP", operators=("UOP",), policy=policy)
    assert may_press_incident_button("UP", operators=(), policy=policy)
    assert may_press_incident_button("UB", operators=(), policy=policy)
    assert not may_press_incident_button("UX", operators=("UOP",), policy=policy)
    assert not may_press_incident_button("", operators=("",), policy=policy)


def test_policy_from_the_escalation_table() -> None:
    """[escalation] with auto_escalate_after, people, repeats and flap threshold."""
    policy = policy_from_config(
        {
            "level2_primary": ["U012PRIMARY"],
            "level2_backup": ["S012GROUP"],
            "auto_escalate_after": "2s",
            "max_repeats": 0,
            "flap_threshold": 3,
        }
    )
    assert policy == EscalationPolicy(
        primary=("U012PRIMARY",), backup=("S012GROUP",), after_s=2, max_repeats=0, flap_threshold=3
    )


def test_policy_defaults_and_the_old_minutes_key() -> None:
    """Without auto_escalate_after the old auto_escalate_minutes still counts; defaults apply."""
    assert policy_from_config({"auto_escalate_minutes": 5}).after_s == 300
    assert policy_from_config({}) == EscalationPolicy(after_s=900, max_repeats=3, flap_threshold=2)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"auto_escalate_after": "soon"}, "escalation.auto_escalate_after"),
        ({"auto_escalate_after": 15}, "escalation.auto_escalate_after"),
        ({"auto_escalate_after": "30d"}, "escalation.auto_escalate_after"),
        ({"max_repeats": -1}, "escalation.max_repeats"),
        ({"flap_threshold": 0}, "escalation.flap_threshold"),
        ({"level2_primary": ["alice"]}, "escalation.level2_primary"),
    ],
)
def test_bad_policy_values_name_their_key(section: dict[str, Any], key: str) -> None:
    """Each bad value fails with a ConfigError naming the key."""
    with pytest.raises(ConfigError) as caught:
        policy_from_config(section)
    assert caught.value.key == key
