"""Every template renders valid Block Kit within Slack's limits, with hostile and long input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.health.check import HealthGroup, HealthReport
from bot.health.probes.base import ProbeResult, ProbeState
from bot.help import COMMAND_HELP, CommandHelp
from bot.render import Renderer, UnfilteredValueError
from bot.sources.records import SourceResult
from bot.sync.plan import SyncPlan
from bot.sync.service import SyncReport, SyncRequest
from bot.sync.validate import Violation
from local_slack.validation import validate_blocks

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
    ],
    "usage": [
        lambda: {"problem": "", "usage": "Usage: `/health`"},
        lambda: {"problem": LONG, "usage": LONG},
    ],
    "error": [
        lambda: {"message": "Something went wrong.", "error_id": "ab12cd34"},
        lambda: {"message": LONG, "error_id": None},
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
    ],
    "stopped": [
        lambda: {"command": "/keys", "started": True},
        lambda: {"command": LONG, "started": False},
    ],
    "busy": [
        lambda: {"command": "/health", "stopping": False},
        lambda: {"command": LONG, "stopping": True},
    ],
    "not_built": [lambda: {"command": "/sync"}, lambda: {"command": LONG}],
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
    "home": [lambda: {"channel": "#ai-monitoring"}, lambda: {"channel": LONG}],
}


def _check(blocks: list[dict[str, Any]], limit: int = 50) -> None:
    assert validate_blocks(blocks, limit=limit) == []
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def test_every_template_has_samples() -> None:
    """Each template under bot/templates/ is exercised by this file."""
    assert set(Renderer().template_names()) == set(SAMPLES)


@pytest.mark.parametrize(
    ("name", "make"), [(name, make) for name, makes in SAMPLES.items() for make in makes]
)
def test_template_renders_within_block_kit_limits(
    name: str, make: Callable[[], dict[str, Any]]
) -> None:
    """The rendered message parses with slack_sdk's block models and breaks no limit."""
    message = Renderer().render(name, **make())
    assert message.text
    assert len(message.text) <= 40_000
    _check(message.blocks, limit=100 if name == "home" else 50)


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
