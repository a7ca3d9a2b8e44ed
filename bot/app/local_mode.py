"""Local mode: the whole bot on this machine with no Slack at all.

A local Slack Web API server stands in for Slack; the bot runs in HTTP mode against it
(same Bolt app, same signature checks); the terminal sends signed slash commands and
button clicks and shows every message the bot posts, to any channel, ephemeral or not.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from dataclasses import replace
from typing import Any, TextIO

import aiohttp

from bot.app.lifecycle import freeze_startup_objects, stop_on_signals, until_stopped
from bot.app.runtime import Runtime
from bot.app.stdin_lines import StdinLines
from bot.app.wiring import RunningBot, running_bot
from bot.scheduling import JobId
from bot.settings.model import Settings
from bot.settings.secrets import Secret
from bot.slack.help import COMMAND_HELP
from bot.slack.operators import is_group_id
from bot.slack.render import Renderer
from bot.slack.text import message_to_text
from local_slack.recording import RecordedCall
from local_slack.sender import SlackRequestSender
from local_slack.server import LocalSlack

LOCAL_USER = "U0LOCALUSER"
LOCAL_CHANNEL = "C0LOCALOPS"
SHOWN_METHODS = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "response_url",
    "views.open",
    "views.update",
    "views.publish",
)
# How long the prompt waits for a command's work (a full sync may take a while).
WAIT_S = 120.0
HELP = (
    "Type a slash command as in Slack: /health, /health db, /health help, /keys, /sync, /recover.\n"
    "Press a button of the last message that has it: press <label or action id>.\n"
    "Submit the newest dialog as shown: submit; or with other choices (option values by\n"
    "  input): submit steps=cache,db options=dry_run  (options= with nothing unticks all).\n"
    "help shows this and what each command takes; quit (or Ctrl-D) leaves."
)


class Terminal:
    """Prints what the bot posts, readably, and remembers messages that carry buttons."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.with_buttons: list[tuple[RecordedCall, dict[str, Any]]] = []
        self.dialog: dict[str, Any] | None = None  # the newest dialog views.open opened

    def say(self, text: str) -> None:
        """Print one block of text."""
        print(text, file=self._out, flush=True)

    def on_call(self, call: RecordedCall) -> None:
        """Show one recorded Slack call (messages, views, and any rejected call)."""
        if not call.ok:
            self.say(
                f"[Slack rejected {call.method}: {call.error}] {call.response.get('errors', '')}"
            )
            return
        if call.method not in SHOWN_METHODS:
            return
        if call.method == "views.open" and isinstance(call.response.get("view"), dict):
            self.dialog = call.response["view"]
        body = call.body.get("view") if call.method.startswith("views.") else call.body
        if not isinstance(body, dict):
            return
        where = self._where(call)
        self.say(f"\n── {where} ──\n{message_to_text(body)}\n")
        if any(b.get("type") == "actions" or "accessory" in b for b in body.get("blocks") or []):
            message = dict(body)
            message.setdefault("ts", call.response.get("ts") or call.body.get("ts", ""))
            self.with_buttons.append((call, message))

    @staticmethod
    def _where(call: RecordedCall) -> str:
        if call.method == "response_url":
            kind = call.body.get("response_type", "ephemeral")
            return "reply in channel" if kind == "in_channel" else "reply only you can see"
        if call.method == "chat.postEphemeral":
            return f"ephemeral in {call.body.get('channel')} to {call.body.get('user')}"
        if call.method.startswith("views."):
            return f"{call.method} (modal/home)"
        verb = "updated" if call.method == "chat.update" else "posted"
        return f"{verb} in {call.body.get('channel')}"

    def find_button(self, name: str) -> tuple[dict[str, Any], str, str] | None:
        """The newest message with a button whose label or action_id matches ``name``."""
        wanted = name.strip().lower()
        for call, message in reversed(self.with_buttons):
            for block in message.get("blocks") or []:
                elements = [*(block.get("elements") or []), block.get("accessory") or {}]
                for element in elements:
                    if element.get("type") != "button":
                        continue  # context texts and images are no buttons
                    label = str((element.get("text") or {}).get("text", "")).lower()
                    if wanted in (
                        label,
                        str(element.get("action_id", "")).lower(),
                    ):
                        channel = str(call.body.get("channel") or LOCAL_CHANNEL)
                        return (
                            message,
                            str(element.get("action_id")),
                            channel + "|" + str(element.get("value", "")),
                        )
        return None


async def run_local_mode(
    settings: Settings, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    """Run the interactive terminal session until quit, end of input, SIGINT/SIGTERM or Ctrl-C.

    However it ends, the embedded database and cache this session started are stopped.
    """
    stop = asyncio.Event()
    stop_on_signals(stop)  # Ctrl-C at the prompt is SIGINT too
    stdin = stdin or sys.stdin
    terminal = Terminal(out or sys.stdout)
    bot_token = "xoxb-local-" + secrets.token_hex(12)
    signing_secret = secrets.token_hex(16)
    slack = LocalSlack(bot_token=bot_token, on_call=terminal.on_call)
    await slack.start()
    escalation = settings.escalation
    for entry in (*settings.operators, *escalation.primary, *escalation.backup):
        if is_group_id(entry):  # the configured groups exist here, with you in them
            slack.usergroups.add(entry, [LOCAL_USER])
    local = replace(
        settings,
        secrets={
            **settings.secrets,
            "SLACK_BOT_TOKEN": Secret(bot_token),
            "SLACK_SIGNING_SECRET": Secret(signing_secret),
        },
        urls={**settings.urls, "SLACK_API_URL": slack.api_url},
        operators=(*settings.operators, LOCAL_USER),
        local_mode_forced=True,
    )
    if settings.database_url is None or settings.redis_url is None:
        terminal.say(
            f"Starting the embedded database and cache in {settings.data_dir}"
            " (the first start takes a few seconds)…"
        )
    try:
        # A signal while starting is handled once the bot is up.
        async with running_bot(local, host="127.0.0.1", port=0) as running:
            await _session(running, stop, stdin, terminal, slack, signing_secret)
    finally:
        await slack.stop()
    return 0


async def _session(
    running: RunningBot,
    stop: asyncio.Event,
    stdin: TextIO,
    terminal: Terminal,
    slack: LocalSlack,
    signing_secret: str,
) -> None:
    """Wait for the schema, then the prompt until quit or a signal."""
    runtime = running.runtime
    # Ready (schema and scheduler), or the database found down at start: commands go through.
    accepting = asyncio.ensure_future(asyncio.wait_for(runtime.accepting.wait(), timeout=30))
    try:
        if not await until_stopped(stop, accepting):
            return
    except TimeoutError:
        pass
    if not runtime.migrated.is_set():
        terminal.say("The database is not reachable yet; /health will say so. Carrying on.")
    freeze_startup_objects()
    port = running.port
    terminal.say(
        "aisi-bot local mode — no Slack credentials found, so Slack is simulated on this"
        f" machine.\nBot at http://127.0.0.1:{port} (/healthz, /readyz, /metrics). {HELP}"
    )
    terminal.say(schedule_banner(runtime.settings))
    lines = StdinLines(stdin)
    try:
        async with aiohttp.ClientSession() as session:
            sender = SlackRequestSender(
                session, f"http://127.0.0.1:{port}/slack/events", signing_secret
            )
            repl = asyncio.ensure_future(
                _repl(lines, terminal, runtime, sender, slack, wait_s=WAIT_S)
            )
            if not await until_stopped(stop, repl):
                terminal.say("\nStopping (signal received)…")
                running.begin_shutdown()
    finally:
        lines.close()


async def _repl(
    lines: StdinLines,
    terminal: Terminal,
    runtime: Runtime,
    sender: SlackRequestSender,
    slack: LocalSlack,
    *,
    wait_s: float,
) -> None:
    """Read lines, send them as Slack would, and wait until the bot has finished with each."""
    counter = 0
    while True:
        terminal.say("aisi> ")
        line = await lines.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        if line in ("quit", "exit"):
            return
        if line == "help":
            terminal.say(HELP)
            terminal.say(commands_help(runtime.renderer, runtime.settings.language))
            continue
        counter += 1
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            reply = await sender.command(
                command,
                text.strip(),
                response_url=slack.response_url_for(f"local-{counter}"),
                user_id=LOCAL_USER,
                channel_id=LOCAL_CHANNEL,
            )
        elif line.startswith("press "):
            found = terminal.find_button(line.removeprefix("press "))
            if found is None:
                terminal.say(
                    f"No button called {line.removeprefix('press ')!r} on any message yet."
                )
                continue
            message, action_id, target = found
            channel, _, value = target.partition("|")
            reply = await sender.click(
                action_id,
                value,
                message=message,
                channel_id=channel,
                user_id=LOCAL_USER,
                response_url=slack.response_url_for(f"local-{counter}"),
            )
        elif line == "submit" or line.startswith("submit "):
            if terminal.dialog is None:
                terminal.say("No dialog is open: type a command that opens one (/recover).")
                continue
            choices = parse_choices(line.removeprefix("submit"))
            reply = await sender.submit(terminal.dialog, user_id=LOCAL_USER, choices=choices)
            said, closed = _dialog_answer(reply.text)
            terminal.say(said)
            if closed:
                terminal.dialog = None
            if not await runtime.wait_idle(wait_s):
                terminal.say(f"[still working after {wait_s:g} s; the result will appear later]")
            continue
        else:
            terminal.say(f"Unknown input {line!r}. {HELP}")
            continue
        if reply.status != 200:
            terminal.say(f"[the bot answered HTTP {reply.status}]")
            continue
        if reply.text.strip():
            terminal.say(f"\n── only you can see this ──\n{message_to_text(_json(reply.text))}\n")
            continue
        if not await runtime.wait_idle(wait_s):
            terminal.say(f"[still working after {wait_s:g} s; the result will appear when ready]")


def commands_help(renderer: Renderer, lang: str) -> str:
    """Every command's help as ``/<command> help`` answers it in Slack (the same template,
    in ``lang``), as terminal text."""
    shown = [
        message_to_text({"blocks": renderer.render("help", lang=lang, help=help_).blocks})
        for help_ in COMMAND_HELP.values()
    ]
    return "\n\n".join(shown)


def parse_choices(text: str) -> dict[str, list[str]] | None:
    """``steps=cache,db options=`` → {"steps": ["cache", "db"], "options": []}; None if empty."""
    choices: dict[str, list[str]] = {}
    for word in text.split():
        action, _, values = word.partition("=")
        choices[action] = [v for v in values.split(",") if v]
    return choices or None


def _dialog_answer(text: str) -> tuple[str, bool]:
    """What the bot answered to a submission, in words, and whether the dialog closed."""
    answer = _json(text) if text.strip() else {}
    action = answer.get("response_action")
    if action == "errors":
        errors = answer.get("errors") or {}
        return "(dialog kept open) " + "; ".join(f"{k}: {v}" for k, v in errors.items()), False
    if action == "update" and isinstance(answer.get("view"), dict):
        return "\n── the dialog now shows ──\n" + message_to_text(answer["view"]) + "\n", False
    return "(dialog submitted and closed)", True


def schedule_banner(settings: Settings) -> str:
    """Which scheduled jobs run here, and where their posts appear."""
    schedule = settings.schedule
    jobs = " · ".join(
        f"{job.value} {schedule.trigger_for(job.value).describe()}" for job in JobId
    )
    return (
        f"Scheduled jobs ({schedule.timezone}), posting to {settings.channel} here: {jobs}."
        " Change them under [schedule] in local.toml (config/ or $BOT_CONFIG_DIR), e.g."
        ' daily_report = "* * * * *" to see the daily report every minute.'
    )


def _json(text: str) -> dict[str, Any]:
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {"text": text}
    return data if isinstance(data, dict) else {"text": text}
