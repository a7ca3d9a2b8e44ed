"""Work after the 3-second ack, said once for every listener.

Slack wants an answer within 3 seconds; the work itself runs later on the runtime's bounded
executor (``runtime.work``), never in Bolt's listener task. Around it, the same three
notices reach the person, always in their language:

- **busy** — nothing was started (the queue is full, or the bot is stopping). A command
  says so in its ack (the language as far as it is known without asking Slack); a button
  cannot put text in its ack, so the notice follows it (the language looked up first);
- **failed** — the one error mapping (``handlers.errors.failure_message``): a short notice
  with an error id, never the details;
- **stopped** — a shutdown cut the work off, or came before a worker was free (unless the
  work says so itself, as /sync's progress message does).

``tell`` is how a notice reaches the person: the response_url (ephemeral), a DM for an App
Home button, a dialog's channel for /recover's confirmation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.app.runtime import Runtime
from bot.app.work import Admission
from bot.slack.render import Message
from handlers.common import Invocation, respond_message
from handlers.errors import STOPPED_NOTICE_S, failure_message

log = logging.getLogger("aisi.handlers")

Work = Callable[[], Awaitable[None]]
Tell = Callable[[Message], Awaitable[None]]
# Busy notices on their way after a button's ack (held so that they are not collected).
_TELLING: set[asyncio.Task[None]] = set()


class Answer(StrEnum):
    """Where the busy notice goes: into a command's ack, or after a button's ack."""

    COMMAND = "command"
    BUTTON = "button"


@dataclass(frozen=True)
class AfterAck:
    """One request's work after its ack: who asked, how to tell them, what the work is."""

    runtime: Runtime
    source: str  # the command or action id: a metric label and the log's name
    user_id: str
    tell: Tell | None
    says_when_cut_off: bool = False  # the work tells the person itself (a progress message)
    what: str = ""  # how the busy notice names it ("/sync", "that button"); default: source

    async def guarded(self, work: Work) -> None:
        """Run ``work``: a failure is told and logged, never raised; a cut-off is told."""
        try:
            await work()
        except Exception as error:
            lang = await self.runtime.language_of(self.user_id)
            message, error_id = await failure_message(self.runtime, self.source, error, lang=lang)
            await self._say(message, f"error {error_id}")
        except asyncio.CancelledError:
            if not self.says_when_cut_off:
                try:
                    notice = self.stopped(started=True)
                    await asyncio.wait_for(asyncio.shield(self._say(notice, "")), STOPPED_NOTICE_S)
                except Exception:  # the log line of the shutdown counts it either way
                    log.warning("could not tell the user that %s was cut off", self.source)
            raise

    async def abandoned(self) -> None:
        """Shutdown came before a worker was free: the work never started."""
        await self._say(self.stopped(started=False), "")

    def stopped(self, *, started: bool) -> Message:
        lang = self.runtime.known_language(self.user_id)
        return self.runtime.renderer.render(
            "stopped", lang=lang, command=self.source, started=started
        )

    def busy(self, admission: Admission, lang: str) -> Message:
        return self.runtime.renderer.render_constant(
            "busy",
            lang=lang,
            command=self.what or self.source,
            stopping=admission is Admission.STOPPING,
        )

    def submit(self, work: Work, *, now: bool = False) -> Admission:
        """Queue the guarded work (``now``: start it at once, e.g. before a trigger id expires)."""
        if now:
            return self.runtime.work.start_now(self.source, lambda: self.guarded(work))
        return self.runtime.work.submit(
            self.source, lambda: self.guarded(work), abandon=self.abandoned
        )

    async def _say(self, message: Message, what: str) -> None:
        if self.tell is None:
            return
        try:
            await self.tell(message)
        except Exception as exc:  # the person cannot be told; the log has the rest
            log.warning("could not tell the user (%s): %s", what or self.source, type(exc).__name__)

    async def tell_busy_later(self, admission: Admission) -> None:
        """A button's busy notice, after its ack, in the presser's language."""

        async def tell() -> None:
            lang = await self.runtime.language_of(self.user_id)
            await self._say(self.busy(admission, lang), "busy")

        task = asyncio.create_task(tell())
        _TELLING.add(task)
        task.add_done_callback(_TELLING.discard)


async def ack_and_run(
    ack: AsyncAck,
    request: AfterAck,
    work: Work,
    *,
    answer: Answer = Answer.COMMAND,
    now: bool = False,
) -> Admission:
    """Queue ``work`` and ack: plainly when it was queued; otherwise a command's ack says
    "busy", and a button is told so right after its ack."""
    admission = request.submit(work, now=now)
    if admission is Admission.ACCEPTED:
        await ack()
    elif answer is Answer.COMMAND:
        lang = request.runtime.known_language(request.user_id)  # asking Slack would hold the ack
        busy = request.busy(admission, lang)
        await ack(text=busy.text, blocks=busy.blocks, response_type="ephemeral")
    else:
        await ack()
        await request.tell_busy_later(admission)
    return admission


def reply_to(runtime: Runtime, respond: AsyncRespond) -> Tell:
    """Tell the person through the response_url, ephemerally (the message itself stays)."""

    async def tell(message: Message) -> None:
        await respond_message(runtime, respond, message, visible=False, replace_original=False)

    return tell


def for_command(
    runtime: Runtime, call: Invocation[Any], *, says_when_cut_off: bool = False
) -> AfterAck:
    """The work after a slash command's ack, told through its response_url."""
    return AfterAck(
        runtime,
        call.name.value,
        call.user_id,
        reply_to(runtime, call.respond),
        says_when_cut_off=says_when_cut_off,
    )
