"""Every template renders valid Block Kit within its surface's limits: ordinary, hostile and
overflowing input, and what did not fit is said, never dropped silently."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.errors import NO_ARGUMENTS, SOMETHING_WENT_WRONG, UNKNOWN_ARGUMENT
from bot.health.check import HealthGroup, HealthReport
from bot.health.probes.base import ProbeResult, ProbeState
from bot.health.probes.stores import NOT_CONFIGURED
from bot.i18n.said import Said
from bot.i18n.translator import N_
from bot.slack.blockkit import FALLBACK_TEXT, MAX_BLOCKS, VIEW_TITLE, Surface
from bot.slack.help import COMMAND_HELP, CommandHelp
from bot.slack.render import Message, Renderer, UnfilteredValueError
from bot.slack.report_view import ReportLayout
from bot.sources.records import SourceResult
from bot.sync.plan import ExistingModel, SyncPlan, check_guard
from bot.sync.service import SyncReport, SyncRequest
from bot.sync.validate import Violation
from local_slack.validation import validate_blocks
from tests.home.samples import SAMPLES as HOME_SAMPLES
from tests.home.samples import overflowing as home_overflowing
from tests.incidents.postmortem_samples import OVERFLOW as POSTMORTEM_OVERFLOW
from tests.incidents.postmortem_samples import SAMPLES as POSTMORTEM_SAMPLES
from tests.incidents.template_samples import OVERFLOW as INCIDENT_OVERFLOW
from tests.incidents.template_samples import SAMPLES as INCIDENT_SAMPLES
from tests.recovery.report_samples import overflowing as recovery_overflowing
from tests.recovery.report_samples import samples as recovery_samples
from tests.scheduling.report_samples import huge_report, template_samples

LONG = "Ünïcödé ✓ 模型 — <!channel> & <https://evil|click> " * 200


def _report(state: ProbeState, detail: str, groups: int = 6, per_group: int = 6) -> HealthReport:
    keys = ["keys", "db", "cache", "app", "vendors", "ops"][:groups]
    built = []
    for key in keys:
        results = tuple(
            ProbeResult(f"Probe {key} {i} 🚀", key, state, 1234.5, detail) for i in range(per_group)
        )
        built.append(HealthGroup(key, key.title(), state, results))
    unknown = tuple(r.name for g in built for r in g.results) if state is ProbeState.UNKNOWN else ()
    return HealthReport(state, tuple(built), datetime.now(UTC), 4321.0, None, unknown)


def _keys_report(
    status: str, key: str, latency: float | None, detail: str, **facts: Any
) -> HealthReport:
    state = {"valid": ProbeState.OK, "rate_limited": ProbeState.DEGRADED}.get(
        status, ProbeState.DOWN
    )
    results = tuple(
        ProbeResult(name, "keys", state, latency, detail, status, {"key": key, **facts})
        for name in ("OpenAI", "Anthropic", "Google AI", "Replicate", "Artificial Analysis")
    )
    group = HealthGroup("keys", "Provider keys", state, results)
    return HealthReport(state, (group,), datetime.now(UTC), 10.0, "keys")


def _source(i: int) -> SourceResult:
    if i % 3 == 0:
        return SourceResult(f"src{i}", "failed", "HTTP 500 " + LONG[:300], duration_ms=12.5)
    return SourceResult(
        f"src{i}",
        "ok",
        records=(),
        duration_ms=1234.0,
        placeholder=i % 3 == 1,
        placeholder_reason="246 of 275 models have speed 100 and prices 5/10",
    )


def _sync_report(outcome: str, *, reason: str = "", plan: bool = True) -> SyncReport:
    report = SyncReport(
        SyncRequest("all", False, False, "user:U0ALICE"), outcome=outcome, reason=reason
    )
    report.sources = [(f"src{i}", _source(i)) for i in range(8)]
    if plan:
        built = SyncPlan(unchanged=12, active_before=275)
        built.from_source.update({"aa_api": 200, "defaults": 3, LONG[:80]: 1})
        report.plan = built
    report.violations = [
        Violation(
            "aa_page",
            f"model-{i}",
            "output_speed",
            "2230",
            "output speed must be at most 1000 tok/s",
        )
        for i in range(40)
    ]
    report.run_id, report.cache_keys_cleared = 7, 12
    return report


def _refused_by_the_guard() -> SyncReport:
    """The drop guard's own reason (words the catalog translates, numbers as data)."""
    gone = [ExistingModel(f"id{i}", f"model-{i}", "openai", True, {}) for i in range(200)]
    plan = SyncPlan(deactivate=gone, active_before=275)
    report = _sync_report("refused")
    report.reason = check_guard(plan, max_share=0.2, min_active=100, force=False).reason
    return report


def _interrupted_report() -> SyncReport:
    report = _sync_report("interrupted", reason="the bot shut down", plan=False)
    report.sources.append(
        ("aa_api", SourceResult("aa_api", "ok", facts={"quota_remaining": 3, "quota_limit": None}))
    )
    report.not_finished = ["github_backup", LONG[:90]]
    return report


SAMPLES: dict[str, list[Callable[[], dict[str, Any]]]] = {
    "health_report": [
        lambda: {"report": _report(ProbeState.OK, "fine")},
        lambda: {"report": _report(ProbeState.DEGRADED, LONG)},
        lambda: {"report": _report(ProbeState.DOWN, "connection refused <@U123>")},
        lambda: {"report": _report(ProbeState.UNKNOWN, LONG, groups=1, per_group=40)},
        lambda: {"report": _report(ProbeState.UNKNOWN, NOT_CONFIGURED)},
        lambda: {"report": _report(ProbeState.OK, Said(N_("%(num)s active models"), num=270))},
    ],
    "usage": [
        lambda: {"problem": "", "usage": "/health [keys|db]"},
        lambda: {
            "problem": UNKNOWN_ARGUMENT,
            "values": {"word": "<!channel> nonsense"},
            "usage": COMMAND_HELP["/sync"].usage,
        },
        lambda: {
            "problem": NO_ARGUMENTS,
            "values": {"command": "/keys", "words": LONG},
            "usage": COMMAND_HELP["/keys"].usage,
        },
        lambda: {"problem": LONG, "usage": LONG},
    ],
    "error": [
        lambda: {"message": "Something went wrong.", "error_id": "ab12cd34"},
        lambda: {"message": LONG, "error_id": None},
        lambda: {
            "message": "Something went wrong on our side.",
            "message_id": SOMETHING_WENT_WRONG,
            "error_id": "ab12cd34",
        },
        lambda: {
            "message": "",
            "message_id": "%(dependency)s is unavailable: %(reason)s",
            "values": {"dependency": "Vercel", "reason": LONG},
            "error_id": None,
        },
    ],
    "keys_report": [
        lambda: {"report": _keys_report("valid", "…abcd", 120.0, "key accepted")},
        lambda: {"report": _keys_report("rate_limited", "…wxyz", 99.0, LONG, retry_after_s=7)},
        lambda: {"report": _keys_report("missing", "(not set)", None, "no key configured")},
        lambda: {"report": _keys_report("provider_down", "…1234", 5000.0, LONG)},
        lambda: {
            "report": _keys_report(
                "valid",
                "…abcd",
                80.0,
                "key valid",
                quota_remaining=812,
                quota_limit=1000,
                quota_resets_at="2026-11-27T00:00:00+00:00",
            )
        },
    ],
    "sync_progress": [
        lambda: {
            "scope": "all",
            "dry_run": False,
            "user_id": "U0ALICE",
            "done": [],
            "pending": ["openai"],
        },
        lambda: {
            "scope": "all",
            "dry_run": True,
            "user_id": "U0ALICE",
            "done": [(f"src{i}", _source(i)) for i in range(8)],
            "pending": [LONG[:100]],
        },
    ],
    "sync_report": [
        lambda: {"report": _sync_report("applied"), "user_id": "U0ALICE"},
        lambda: {"report": _sync_report("refused", reason=LONG), "user_id": "U0ALICE"},
        lambda: {"report": _sync_report("busy", plan=False), "user_id": "U0BOB"},
        lambda: {
            "report": _sync_report("failed", reason="database error", plan=False),
            "user_id": LONG,
        },
        lambda: {"report": _interrupted_report(), "user_id": "U0ALICE"},
        lambda: {"report": _refused_by_the_guard(), "user_id": "U0ALICE"},
    ],
    "stopped": [
        lambda: {"command": "/keys", "started": True},
        lambda: {"command": LONG, "started": False},
    ],
    "busy": [
        lambda: {"command": "/health", "stopping": False},
        lambda: {"command": LONG, "stopping": True},
    ],
    "help": [
        *(lambda h=h: {"help": h} for h in COMMAND_HELP.values()),
        lambda: {
            "help": CommandHelp(
                command=LONG,
                usage=LONG,
                summary=LONG,
                arguments=((LONG, LONG),) * 10,
                who=LONG,
                examples=(LONG, "<!channel>"),
                available=False,
            )
        },
    ],
    **HOME_SAMPLES,
    "daily_report": template_samples(),
    "not_authorized": [
        lambda: {"what": "run /sync", "who_may": "configured operators", "keys": "auth.operators"},
        lambda: {"what": LONG, "who_may": "<!channel>", "keys": LONG},
    ],
    **INCIDENT_SAMPLES,
    **POSTMORTEM_SAMPLES,
    **recovery_samples(LONG),
}


HUGE = LONG * 20  # about 1 MB: past every text limit Slack has


def _many_sources(count: int) -> list[tuple[str, SourceResult]]:
    return [(f"source-{i} " + LONG[:60], _source(i)) for i in range(count)]


def _overflowing_sync_report() -> SyncReport:
    report = _sync_report("refused", reason=HUGE)
    report.sources = _many_sources(300)
    assert report.plan is not None
    report.plan.from_source.update({f"origin-{i} {LONG[:40]}": i for i in range(400)})
    report.violations = [
        Violation("aa_page", f"model-{i} {LONG[:80]}", "output_speed", "2230", "at most 1000")
        for i in range(500)
    ]
    report.not_finished = [f"late-{i}" for i in range(100)]
    return report


def _overflowing_keys_report() -> HealthReport:
    results = tuple(
        ProbeResult(f"Provider {i} {LONG[:40]}", "keys", ProbeState.DOWN, 9.0, HUGE, "invalid",
                    {"key": "…" + LONG[:300]})
        for i in range(120)
    )
    group = HealthGroup("keys", "Provider keys", ProbeState.DOWN, results)
    return HealthReport(ProbeState.DOWN, (group,), datetime.now(UTC), 10.0, "keys")


# Inputs past every limit a template has, and what its message must then say it left out.
OVERFLOW: dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]] = {
    "health_report": (
        lambda: {"report": _report(ProbeState.UNKNOWN, HUGE, groups=6, per_group=60)},
        ("more probes",),
    ),
    "keys_report": (lambda: {"report": _overflowing_keys_report()}, ("more providers",)),
    "sync_progress": (
        lambda: {"scope": HUGE, "dry_run": True, "user_id": "U0ALICE",
                 "done": _many_sources(300), "pending": [LONG] * 50},
        ("more sources",),
    ),
    "sync_report": (
        lambda: {"report": _overflowing_sync_report(), "user_id": HUGE},
        ("more sources", "more violations", "…"),
    ),
    "help": (
        lambda: {"help": CommandHelp(command=HUGE, usage=HUGE, summary=HUGE,
                                     arguments=((HUGE, HUGE),) * 200, who=HUGE,
                                     examples=(HUGE,) * 50, available=False)},
        ("more arguments",),
    ),
    **home_overflowing(HUGE),
    "usage": (lambda: {"problem": HUGE, "usage": HUGE}, ("…",)),
    "error": (lambda: {"message": HUGE, "error_id": "ab12cd34"}, ("…",)),
    "busy": (lambda: {"command": HUGE, "stopping": False}, ("…",)),
    "stopped": (lambda: {"command": HUGE, "started": True}, ("…",)),
    "not_authorized": (lambda: {"what": HUGE, "who_may": HUGE}, ("…",)),
    "daily_report": (lambda: {"layout": ReportLayout(huge_report())}, ("more providers",)),
    **INCIDENT_OVERFLOW,
    **POSTMORTEM_OVERFLOW,
    **recovery_overflowing(HUGE),
}


def _check(message: Message, surface: Surface) -> None:
    """Slack's block models accept every block, and the surface's limits hold."""
    assert validate_blocks(message.blocks, limit=MAX_BLOCKS[surface]) == []
    for block in message.blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    assert message.text and len(message.text) <= FALLBACK_TEXT
    assert len(message.title) <= VIEW_TITLE


def _cases(table: dict[str, Any]) -> list[tuple[str, Surface]]:
    return [(name, surface) for name in table for surface in sorted(Renderer.surfaces(name))]


def test_every_template_has_samples_and_an_overflow_case() -> None:
    """Each template under templates/ has ordinary samples and an overflowing case."""
    names = set(Renderer().template_names())
    assert names == set(SAMPLES)
    assert names == set(OVERFLOW)


@pytest.mark.parametrize(
    ("name", "surface", "make"),
    [(n, s, make) for n, s in _cases(SAMPLES) for make in SAMPLES[n]],
)
def test_template_renders_within_block_kit_limits(
    name: str, surface: Surface, make: Callable[[], dict[str, Any]]
) -> None:
    """The rendered message parses with slack_sdk's block models and breaks no limit."""
    _check(Renderer().render(name, surface=surface, **make()), surface)


@pytest.mark.parametrize(("name", "surface"), _cases(OVERFLOW))
def test_overflowing_input_fits_and_says_what_was_left_out(name: str, surface: Surface) -> None:
    """Input past every limit still renders within the surface's limits, and says what it cut."""
    make, said = OVERFLOW[name]
    message = Renderer().render(name, surface=surface, **make())
    _check(message, surface)
    shown = json.dumps(message.blocks, ensure_ascii=False)
    for words in said:
        assert words in shown, (name, words)
    assert "<!channel>" not in shown and "<https://evil|click>" not in shown


def test_user_text_cannot_mention_or_link() -> None:
    """<!channel>, <@U…> and <url|label> in values are escaped in every text field."""
    message = Renderer().render("usage", problem="<!channel> <@U1> <https://x|y> & co", usage="u")
    rendered = str(message.blocks) + message.text
    assert (
        "<!channel>" not in rendered and "<@U1>" not in rendered and "<https://x|y>" not in rendered
    )
    assert "&lt;!channel&gt;" in rendered and "&amp; co" in rendered


def test_printing_a_value_without_a_filter_fails(tmp_path: Any) -> None:
    """A template that prints a bare value is rejected, so nothing reaches Slack unescaped."""
    (tmp_path / "bad.json.j2").write_text('{"text": "{{ who }}", "blocks": []}')
    with pytest.raises(UnfilteredValueError):
        Renderer(tmp_path).render("bad", who="<!channel>")


def test_a_template_is_rendered_only_for_its_surfaces() -> None:
    """Asking for a surface a template is not meant for is an error, not a wrong message."""
    with pytest.raises(ValueError, match="not shown on a modal"):
        Renderer().render("usage", surface=Surface.MODAL, problem="", usage="u")
