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
            " as OK. A degraded report carries escalation buttons."
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
            "Guided emergency recovery: clear the app's cache by key prefix, check the"
            " database and its schema, force a sync, redeploy and follow it to READY."
        ),
        arguments=(("--dry-run", "list the steps without doing any of them"),),
        who="Configured operators only (auth.operators).",
        available=False,
    ),
}


def wants_help(text: str) -> bool:
    """True when the command text is just a request for help."""
    words = text.split()
    return len(words) == 1 and words[0].lower() in HELP_WORDS
