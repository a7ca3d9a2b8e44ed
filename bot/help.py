"""What each slash command takes and does: the text `/<command> help` answers with."""

from __future__ import annotations

from dataclasses import dataclass

HELP_WORDS = frozenset({"help", "-h", "--help"})


@dataclass(frozen=True)
class CommandHelp:
    """One command's help: its usage line, what it does, each argument, who may run it."""

    command: str
    usage: str
    summary: str
    arguments: tuple[tuple[str, str], ...]
    who: str
    examples: tuple[str, ...] = ()
    available: bool = True


COMMAND_HELP: dict[str, CommandHelp] = {
    "/health": CommandHelp(
        command="/health",
        usage="/health [keys|db|cache|app|vendors|ops]",
        summary=(
            "One health check of the whole system: every probe runs at once under its own"
            " deadline, and a probe that could not learn its answer shows as unknown, never"
            " as OK. A degraded report carries an Open incident button."
        ),
        arguments=(
            ("(nothing)", "everything below, in one report"),
            ("keys", "each provider key, checked with a request that spends no tokens"),
            ("db", "the database: connect and count the active models"),
            ("cache", "Redis: PING"),
            ("app", "the app's /api/health (its services) and /api/v1/models (total, source)"),
            ("vendors", "the OpenAI, Anthropic, Vercel, Neon and Google Cloud status pages"),
            ("ops", "errors the bot met in the last 24 h and when each sync source last delivered"),
        ),
        who="Anyone in the workspace; the report is posted in the channel.",
        examples=("/health", "/health db", "/health vendors"),
    ),
    "/keys": CommandHelp(
        command="/keys",
        usage="/keys",
        summary=(
            "Checks every provider key (OpenAI, Anthropic, Google AI, Replicate, Artificial"
            " Analysis) with a request that spends no tokens and names each one's state: valid,"
            " missing, invalid, rate-limited, out of quota, provider down, timeout, unreachable."
            " The Artificial Analysis answer is cached for an hour (its quota is daily)."
        ),
        arguments=(("(nothing)", "takes no arguments"),),
        who="Anyone; only you see the answer, and keys show their last 4 characters only.",
        examples=("/keys",),
    ),
    "/sync": CommandHelp(
        command="/sync",
        usage="/sync [all|providers|openai|anthropic|google|replicate|aa|github|defaults]"
        " [--dry-run] [--force]",
        summary=(
            "Syncs model data along the priority chain (provider listings, Artificial Analysis,"
            " the GitHub backup, the defaults file), validates and merges it, and applies only"
            " the changed rows in one transaction. Progress is shown per source."
        ),
        arguments=(
            ("all", "every source (the default)"),
            ("providers", "the four provider listings only"),
            ("openai | anthropic | google | replicate", "one provider's listing"),
            ("aa", "Artificial Analysis (its data API, else its leaderboard page)"),
            ("github", "the GitHub backup file"),
            ("defaults", "the last-resort defaults file"),
            ("--dry-run", "show the whole diff and write nothing"),
            (
                "--force",
                "apply a sync the drop guard refused (it still only deactivates, never deletes)",
            ),
        ),
        who="Configured operators only (auth.operators: user ids or user groups).",
        examples=("/sync", "/sync aa --dry-run", "/sync all --force"),
    ),
    "/recover": CommandHelp(
        command="/recover",
        usage="/recover [--dry-run]",
        summary=(
            "Guided emergency recovery. Opens a dialog to tick the steps — clear the app's cache"
            " by key prefix (never FLUSHALL); reconnect the database and check the app's schema"
            " (read only), then the bot's migrations; force a sync (the drop guard holds unless"
            " you allow it); redeploy through the deploy hook and follow it to READY — and the"
            " options: dry run, continue after a failed step, allow the sync past the drop guard."
            " Progress shows in one message, then a summary. One recovery at a time; a failed"
            " run opens a critical incident."
        ),
        arguments=(
            ("(nothing)", "open the dialog with every step ticked"),
            (
                "--dry-run",
                "open it with dry run ticked: each step says exactly what it would do"
                " (keys per prefix, the sync's diff, the hook it would call) and changes nothing",
            ),
        ),
        who="Configured operators only (auth.operators); every run and refusal is recorded.",
        examples=("/recover", "/recover --dry-run"),
    ),
}


def wants_help(text: str) -> bool:
    """True when the command text is just a request for help."""
    words = text.split()
    return len(words) == 1 and words[0].lower() in HELP_WORDS
