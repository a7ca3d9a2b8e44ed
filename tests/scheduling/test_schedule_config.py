"""[schedule]: triggers, time zone, grace; every replica computes the same firing times."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ConfigError
from bot.scheduling import JobTrigger, ScheduleConfig, TriggerKind, TriggerSpec, parse_trigger
from bot.settings.schedule import crontab_weekdays

SEOUL = ZoneInfo("Asia/Seoul")


def test_defaults_match_the_contract() -> None:
    """09:00 Asia/Seoul daily, checks 15m, keys 1h, sync 6h, grace 10 min."""
    config = ScheduleConfig.from_mapping({})
    assert config.timezone == "Asia/Seoul"
    assert config.daily_report == TriggerSpec(TriggerKind.CRON, "0 9 * * *")
    assert [config.source_checks.seconds, config.key_checks.seconds, config.sync.seconds] == [
        900.0,
        3600.0,
        21600.0,
    ]
    assert config.misfire_grace_s == 600.0


def test_durations_cron_and_off_are_read() -> None:
    """'30s', '* * * * *' and 'off' as the issue's examples."""
    config = ScheduleConfig.from_mapping(
        {
            "daily_report": "* * * * *",
            "source_checks": "10s",
            "key_checks": "off",
            "sync": "1h30m",
            "misfire_grace": "5m",
            "timezone": "UTC",
        }
    )
    assert config.daily_report.describe() == "cron * * * * *"
    assert (config.source_checks.seconds, config.source_checks.describe()) == (10.0, "every 10s")
    assert not config.key_checks.enabled and config.key_checks.describe() == "off"
    assert config.sync.seconds == 5400.0 and config.misfire_grace_s == 300.0


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"daily_report": "9am"}, "schedule.daily_report: must be a 5-field cron expression"),
        ({"daily_report": "15m"}, "schedule.daily_report: must be a 5-field cron expression"),
        ({"daily_report": "61 9 * * *"}, "schedule.daily_report: is not a valid cron expression"),
        ({"daily_report": "0 9 1 * 1"}, "restrict the day of month or the weekday, not both"),
        ({"source_checks": "0 9 * * *"}, "schedule.source_checks: must be a duration like 30s"),
        ({"source_checks": "0s"}, "schedule.source_checks: must be a duration like 30s"),
        ({"sync": "40d"}, "schedule.sync: must be from 1s to 31d"),
        ({"key_checks": 15}, "schedule.key_checks: must be a duration like 30s"),
        ({"misfire_grace": "0.5s"}, "schedule.misfire_grace: must be a duration from 1s to 24h"),
        ({"timezone": "Mars/Olympus"}, "schedule.timezone: must be an IANA time zone"),
    ],
)
def test_a_bad_value_names_its_key(mapping: dict[str, object], message: str) -> None:
    """One clear line naming the key and the reason."""
    with pytest.raises(ConfigError) as caught:
        ScheduleConfig.from_mapping(mapping)
    assert message in str(caught.value)


def test_crontab_weekdays_mean_what_crontab_means() -> None:
    """0 and 7 are Sunday, 1 is Monday (APScheduler 3 alone would read 0 as Monday)."""
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("0") == crontab_weekdays("7") == "sun"
    assert crontab_weekdays("5-7") == "sun,fri,sat"
    assert crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert crontab_weekdays("mon,wed") == "mon,wed"
    monday_nine = JobTrigger.build(
        parse_trigger("k", "0 9 * * 1", allow_cron=True, allow_interval=False), "Asia/Seoul"
    )
    fire = monday_nine.next_after(datetime(2026, 11, 26, 12, tzinfo=SEOUL))  # a Thursday
    assert fire == datetime(2026, 11, 30, 9, tzinfo=SEOUL) and fire.weekday() == 0


def test_interval_firings_are_the_same_on_every_replica() -> None:
    """Two replicas starting 7 s apart compute the same 6-hourly firings (local midnight-based)."""
    spec = TriggerSpec(TriggerKind.INTERVAL, "6h", 21600.0)
    first, second = JobTrigger.build(spec, "Asia/Seoul"), JobTrigger.build(spec, "Asia/Seoul")
    start = datetime(2026, 11, 26, 10, 0, 3, tzinfo=SEOUL)
    assert first.next_after(start) == second.next_after(start + timedelta(seconds=7))
    assert first.next_after(start) == datetime(2026, 11, 26, 12, 0, tzinfo=SEOUL)
    assert first.previous(start) == datetime(2026, 11, 26, 6, 0, tzinfo=SEOUL)


def test_the_previous_firing_is_found_for_cron_triggers() -> None:
    """Daily at 09:00: at 15:00 the previous firing is 09:00 today; at 08:00, yesterday's."""
    daily = JobTrigger.build(TriggerSpec(TriggerKind.CRON, "0 9 * * *"), "Asia/Seoul")
    assert daily.previous(datetime(2026, 11, 26, 15, tzinfo=SEOUL)) == datetime(
        2026, 11, 26, 9, tzinfo=SEOUL
    )
    assert daily.previous(datetime(2026, 11, 26, 8, tzinfo=SEOUL)) == datetime(
        2026, 11, 25, 9, tzinfo=SEOUL
    )
    minutely = JobTrigger.build(TriggerSpec(TriggerKind.CRON, "* * * * *"), "UTC")
    now = datetime(2026, 11, 26, 10, 30, 42, tzinfo=ZoneInfo("UTC"))
    assert minutely.previous(now) == now.replace(second=0)
    yearly = JobTrigger.build(TriggerSpec(TriggerKind.CRON, "0 0 1 1 *"), "UTC")
    assert yearly.previous(now) == datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))


def test_interval_catch_up_agrees_with_apscheduler_across_a_dst_change() -> None:
    """Berlin, every 7 h, the night clocks go back: the previous firing is one APScheduler fires."""
    trigger = JobTrigger.build(TriggerSpec(TriggerKind.INTERVAL, "7h", 25200.0), "Europe/Berlin")
    moment = datetime(2026, 10, 25, 1, 0, tzinfo=ZoneInfo("UTC"))  # after 03:00 CEST → 02:00 CET
    firings = []
    fire = trigger.next_after(moment - timedelta(days=3))
    while fire is not None and fire <= moment:
        firings.append(fire)
        fire = trigger.trigger.get_next_fire_time(fire, fire)
    assert trigger.previous(moment) == firings[-1]
    assert trigger.previous(firings[-1]) == firings[-1]
