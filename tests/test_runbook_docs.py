"""docs/runbook.md and docs/runbook.ko.md name only what exists, and cover the same procedures.

Every slash command they mention (a code span starting with ``/``) is in manifest.yaml and
is accepted by the command's own parser; every ``aisi-bot ...`` call (in a code span or a
code block) is accepted by the real argparse parser of ``bot.cli``; every button
(``**Label** (`action_id`)``) has an action id of ``handlers.ids`` and a label a template
shows. ``[x]`` in a call means optional (both forms are checked), ``a|b`` alternatives,
and the upper-case words of ``PLACEHOLDERS`` stand for values. Each procedure of the
operations runbook has an anchor (``<a id="api-outage"></a>``) in both documents, and each
procedure names a Slack way and a command-line way.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

import bot.cli
from bot.errors import HelpRequested, UsageError
from bot.i18n.translator import Translator
from bot.slack.commands import (
    parse_health_args,
    parse_keys_args,
    parse_recover_args,
    parse_sync_args,
)
from handlers.ids import ActionId, Command

REPO = Path(__file__).resolve().parents[1]
DOCS = {lang: REPO / "docs" / name for lang, name in (("en", "runbook.md"),
                                                         ("ko", "runbook.ko.md"))}
TEMPLATES = REPO / "templates"

# The procedures of the team's operations runbook, each an anchor in both documents.
PROCEDURES = frozenset({
    "api-outage",  # API 장애 대응
    "scraper-outage",  # 스크레이퍼 장애 대응
    "database-outage",  # 데이터베이스 장애 대응
    "regular-checks",  # 정기 점검 사항: daily, weekly, monthly
    "data-source-unknown",  # DataSourceBadge shows 'unknown'
    "slack-alerts-missing",  # Slack 알림이 오지 않음
    "model-count-drop",  # 모델 수가 갑자기 감소
    "build-failure",  # Build 실패
    "escalation",  # 연락처 및 에스컬레이션: Level 1, 2, 3, status pages
    "health-check",  # 건강 상태 종합 체크 (script)
    "emergency-recovery",  # 긴급 복구 스크립트
})
# Sections of the bot's own that are not a runbook procedure but are kept in both languages.
BOT_SECTIONS = frozenset({"postmortem", "app-home", "slack-down"})

# Buttons being added in parallel (their template or action id arrives at merge): the
# coordinator empties this once they are in.
ARRIVING: dict[str, str] = {}
# Values the upper-case words of a documented call stand for.
PLACEHOLDERS = {"KEY": "db_down", "ID": "42", "TITLE": "Backup stale"}
# HTTP paths of the bot, written in code spans like slash commands but not commands.
HTTP_PATHS = frozenset({"/alerts", "/healthz", "/readyz", "/metrics", "/api/health"})

HEALTH_PARTS = ("keys", "db", "cache", "app", "vendors", "ops")
SLASH_PARSERS: dict[str, Callable[[str], object]] = {
    Command.HEALTH: lambda text: parse_health_args(text, HEALTH_PARTS),
    Command.KEYS: parse_keys_args,
    Command.SYNC: parse_sync_args,
    Command.RECOVER: parse_recover_args,
}

_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)
_SPAN = re.compile(r"`([^`\n]+)`")
_BUTTON = re.compile(r"\*\*([^*]+)\*\*\s*\(`([a-z0-9_]+)`")
_ACTION_LIKE = re.compile(r"^(incident|health|home)_[a-z0-9_]+$")
_ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')


def _text(lang: str) -> str:
    return DOCS[lang].read_text(encoding="utf-8")


def _spans(text: str) -> Iterator[str]:
    """Inline code spans and the lines of code blocks."""
    for block in _FENCE.findall(text):
        yield from (line.strip() for line in block.splitlines() if line.strip())
    yield from _SPAN.findall(_FENCE.sub("", text))


def _slash_spans(text: str) -> list[str]:
    found = []
    for span in _spans(text):
        first = span.split()[0]
        if re.fullmatch(r"/[a-z]+", first) and first not in HTTP_PATHS:
            found.append(span)
    return found


def _cli_spans(text: str) -> list[str]:
    return [span for span in _spans(text) if span.startswith("aisi-bot ")]


def _variants(words: list[str]) -> Iterator[list[str]]:
    """Every concrete form of a documented call: ``[x]`` with and without, ``a|b`` each."""
    choices = []
    for word in words:
        optional = word.startswith("[") and word.endswith("]")
        core = word[1:-1] if optional else word
        options: list[str | None] = [PLACEHOLDERS.get(c, c) for c in core.split("|")]
        if optional:
            options.append(None)
        choices.append(options)
    for combination in itertools.product(*choices):
        yield [w for w in combination if w is not None]


def _parse_cli(argv: list[str]) -> str:
    """"" when bot.cli's parser accepts ``argv``, else its complaint."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            bot.cli._parser().parse_args(argv)
    except SystemExit as exit_:
        return err.getvalue().strip().splitlines()[-1] if exit_.code else ""
    return ""


def _manifest_commands() -> set[str]:
    manifest = yaml.safe_load((REPO / "manifest.yaml").read_text(encoding="utf-8"))
    return {c["command"] for c in manifest["features"]["slash_commands"]}


def _sections(text: str) -> dict[str, str]:
    """Each anchored section's text, up to the next anchor."""
    marks = list(_ANCHOR.finditer(text))
    return {
        m.group(1): text[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)]
        for i, m in enumerate(marks)
    }


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_every_slash_command_exists_and_takes_its_arguments(lang: str) -> None:
    """Each /command is in manifest.yaml, and its parser accepts the documented arguments."""
    spans = _slash_spans(_text(lang))
    assert spans, "no slash command found"
    manifest = _manifest_commands()
    wrong = []
    for span in spans:
        words = shlex.split(span)
        if words[0] not in manifest or words[0] not in set(Command):
            wrong.append(f"{span}: no such command")
            continue
        for form in _variants(words[1:]):
            try:
                SLASH_PARSERS[words[0]](" ".join(form))
            except HelpRequested:
                pass
            except UsageError as error:
                wrong.append(f"{span}: {' '.join(form)!r} refused: {error}")
    assert wrong == []


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_every_cli_call_is_accepted_by_the_real_parser(lang: str) -> None:
    """Each `aisi-bot ...` parses with bot.cli's own argparse parser, in every form."""
    spans = _cli_spans(_text(lang))
    assert len(spans) > 20
    wrong = []
    for span in spans:
        for form in _variants(shlex.split(span)[1:]):
            complaint = _parse_cli(form)
            if complaint:
                wrong.append(f"{span}: {shlex.join(form)!r}: {complaint}")
    assert wrong == []


def test_the_cli_check_would_catch_a_wrong_call() -> None:
    """The parser check refuses a subcommand, an action or a flag that does not exist."""
    assert _parse_cli(["incidents", "postmortem", "42"]) == ""
    assert _parse_cli(["incidents", "--all", "--json"]) == ""
    assert "invalid choice" in _parse_cli(["incident", "postmortem", "42"])
    assert "invalid choice" in _parse_cli(["alert", "ack", "db_down"])
    assert "unrecognized arguments" in _parse_cli(["sync", "--dryrun"])
    assert list(_variants(["[--dry-run]", "a|b"])) == [["--dry-run", "a"], ["--dry-run", "b"],
                                                       ["a"], ["b"]]


_TEMPLATE_BUTTON = re.compile(
    r'"action_id": "([a-z0-9_]+)"(?:(?!"action_id").)*?"text": \{"type": "plain_text", '
    r'"text": \{\{ (?:_\()?"([^"]+)"',
    re.DOTALL,
)


def template_buttons() -> dict[str, str]:
    """Each button a template shows: action id → its (English) label; ARRIVING added."""
    shown = "\n".join(p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.j2")))
    return {**dict(_TEMPLATE_BUTTON.findall(shown)), **ARRIVING}


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_every_button_exists_with_its_label(lang: str) -> None:
    """Each **Label** (`action_id`) names an action id of handlers.ids that a template shows
    with that label (the Korean runbook may give the label's catalog translation)."""
    text = _text(lang)
    buttons = {(" ".join(label.split()), action_id) for label, action_id in _BUTTON.findall(text)}
    assert buttons
    ids = {a.value for a in ActionId} | set(ARRIVING)
    labels = template_buttons()
    ko = Translator("ko")
    wrong = []
    for label, action_id in sorted(buttons):
        if action_id not in ids:
            wrong.append(f"{action_id}: no such action id")
        elif action_id not in labels:
            wrong.append(f"{action_id}: no template shows this button")
        elif label not in (labels[action_id], ko.gettext(labels[action_id])):
            wrong.append(f"{action_id}: labelled {labels[action_id]!r}, not {label!r}")
    for span in _spans(text):
        if _ACTION_LIKE.match(span) and span not in ids:
            wrong.append(f"{span}: looks like an action id but is none")
    assert wrong == []


def test_the_button_check_reads_the_templates() -> None:
    """The four incident buttons and "Open incident" are found with their labels."""
    labels = template_buttons()
    assert labels[ActionId.INCIDENT_ACK] == "Acknowledge"
    assert labels[ActionId.INCIDENT_ESCALATE_L3] == "Escalate to Level 3"
    assert labels[ActionId.HEALTH_OPEN_INCIDENT] == "Open incident"


def test_both_runbooks_name_every_button_of_an_incident() -> None:
    """The buttons people press during an incident are all in both documents."""
    pressed = {a.value for a in ActionId} - {ActionId.INCIDENT_LINK.value} | set(ARRIVING)
    for lang in DOCS:
        named = {action_id for _, action_id in _BUTTON.findall(_text(lang))}
        assert pressed - named == set(), lang


def test_both_runbooks_cover_the_same_procedures() -> None:
    """The same anchors in both, every procedure of the operations runbook among them."""
    anchors = {lang: [m.group(1) for m in _ANCHOR.finditer(_text(lang))] for lang in DOCS}
    assert anchors["en"] == anchors["ko"]  # the same procedures in the same order
    assert len(set(anchors["en"])) == len(anchors["en"])
    assert set(anchors["en"]) >= PROCEDURES
    assert set(anchors["en"]) == PROCEDURES | BOT_SECTIONS


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_each_procedure_names_a_slack_way_and_a_command_line_way(lang: str) -> None:
    """Every procedure maps to a slash command or a button, and to an `aisi-bot` call."""
    missing = []
    for anchor, section in _sections(_text(lang)).items():
        if not (_slash_spans(section) or _BUTTON.search(section)):
            missing.append(f"{anchor}: no slash command or button")
        if not _cli_spans(section):
            missing.append(f"{anchor}: no aisi-bot call")
    assert missing == []

