"""What each slash command takes and does: the text `/<command> help` answers with."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.translator import N_

HELP_WORDS = frozenset({"help", "-h", "--help"})
# The argument column's word for "run it with no argument" (translated where shown).
NOTHING = N_("(nothing)")


@dataclass(frozen=True)
class CommandHelp:
    """One command's help: its usage line, what it does, each argument, who may run it.

    ``summary``, ``who`` and each argument's description are catalog message ids (``N_``),
    translated where shown (the ``help`` template); ``usage`` and the argument words are
    typed as they are and stay untranslated, except ``NOTHING``.
    """

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
        summary=N_(
            "One health check of the whole system: every probe runs at once under its own"
            " deadline, and a probe that could not learn its answer shows as unknown, never"
            " as OK. A degraded report carries an Open incident button."
        ),
        arguments=(
            (NOTHING, N_("everything below, in one report")),
            ("keys", N_("each provider key, checked with a request that spends no tokens")),
            ("db", N_("the database: connect and count the active models")),
            ("cache", N_("Redis: PING")),
            ("app", N_("the app's /api/health (its services) and /api/v1/models (total, source)")),
            ("vendors", N_("the OpenAI, Anthropic, Vercel, Neon and Google Cloud status pages")),
            (
                "ops",
                N_("errors the bot met in the last 24 h and when each sync source last delivered"),
            ),
        ),
        who=N_("Anyone in the workspace; the report is posted in the channel."),
        examples=("/health", "/health db", "/health vendors"),
    ),
    "/keys": CommandHelp(
        command="/keys",
        usage="/keys",
        summary=N_(
            "Checks every provider key (OpenAI, Anthropic, Google AI, Replicate, Artificial"
            " Analysis) with a request that spends no tokens and names each one's state: valid,"
            " missing, invalid, rate-limited, out of quota, provider down, timeout, unreachable."
            " The Artificial Analysis answer is cached for an hour (its quota is daily)."
        ),
        arguments=((NOTHING, N_("takes no arguments")),),
        who=N_("Anyone; only you see the answer, and keys show their last 4 characters only."),
        examples=("/keys",),
    ),
    "/sync": CommandHelp(
        command="/sync",
        usage="/sync [all|providers|openai|anthropic|google|replicate|aa|github|defaults]"
        " [--dry-run] [--force]",
        summary=N_(
            "Syncs model data along the priority chain (provider listings, Artificial Analysis,"
            " the GitHub backup, the defaults file), validates and merges it, and applies only"
            " the changed rows in one transaction. Progress is shown per source."
        ),
        arguments=(
            ("all", N_("every source (the default)")),
            ("providers", N_("the four provider listings only")),
            ("openai | anthropic | google | replicate", N_("one provider's listing")),
            ("aa", N_("Artificial Analysis (its data API, else its leaderboard page)")),
            ("github", N_("the GitHub backup file")),
            ("defaults", N_("the last-resort defaults file")),
            ("--dry-run", N_("show the whole diff and write nothing")),
            (
                "--force",
                N_(
                    "apply a sync the drop guard refused (it still only deactivates, never deletes)"
                ),
            ),
        ),
        who=N_("Configured operators only (auth.operators: user ids or user groups)."),
        examples=("/sync", "/sync aa --dry-run", "/sync all --force"),
    ),
    "/recover": CommandHelp(
        command="/recover",
        usage="/recover [--dry-run]",
        summary=N_(
            "Guided emergency recovery. Opens a dialog to tick the steps — clear the app's cache"
            " by key prefix (never FLUSHALL); reconnect the database and check the app's schema"
            " (read only), then the bot's migrations; force a sync (the drop guard holds unless"
            " you allow it); redeploy through the deploy hook and follow it to READY — and the"
            " options: dry run, continue after a failed step, allow the sync past the drop guard."
            " Progress shows in one message, then a summary. One recovery at a time; a failed"
            " run opens a critical incident."
        ),
        arguments=(
            (NOTHING, N_("open the dialog with every step ticked")),
            (
                "--dry-run",
                N_(
                    "open it with dry run ticked: each step says exactly what it would do (keys"
                    " per prefix, the sync's diff, the hook it would call) and changes nothing"
                ),
            ),
        ),
        who=N_("Configured operators only (auth.operators); every run and refusal is recorded."),
        examples=("/recover", "/recover --dry-run"),
    ),
}


def wants_help(text: str) -> bool:
    """True when the command text is just a request for help."""
    words = text.split()
    return len(words) == 1 and words[0].lower() in HELP_WORDS
