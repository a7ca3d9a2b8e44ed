"""Step 4: POST the deploy hook, then find the deployment it started and follow it.

Following needs ``VERCEL_TOKEN`` and ``vercel.project_id``; without them the step says the
deploy was queued and cannot be followed. The whole step is bounded by
``vercel.deploy_timeout`` (finding the deployment and following it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.errors import DependencyError
from bot.i18n.translator import N_, Translator, translator
from bot.recovery.model import StepName
from bot.recovery.steps import StepContext, StepFailedError
from bot.settings.values import parse_duration
from bot.upstream.vercel import TIMEOUT, DeployHook, Deployment, VercelDeployments

NOT_FOLLOWED = N_("deploy queued; cannot be followed (no VERCEL_TOKEN / vercel.project_id)")
NO_HOOK = N_("VERCEL_DEPLOY_HOOK_URL is not set: there is no deploy hook to call")
DEFAULT_DEPLOY_TIMEOUT = "10m"  # vercel.deploy_timeout


def format_seconds(seconds: float) -> str:
    """``600`` → ``10m``, ``90`` → ``1m30s``, ``0.5`` → ``0.5s``."""
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest}s" if rest else f"{minutes}m"


class DeployStep:
    """Redeploys the app through its deploy hook and follows the deployment when it can.

    ``deployments`` (needs ``VERCEL_TOKEN``) and ``project_id`` (``vercel.project_id``) make
    it follow the deployment; ``deploy_timeout_s`` is ``vercel.deploy_timeout`` in seconds
    (``parse_duration("10m")`` by default).
    """

    name = StepName.DEPLOY

    def __init__(
        self,
        *,
        hook: DeployHook | None,
        deployments: VercelDeployments | None = None,
        project_id: str | None = None,
        deploy_timeout_s: float = parse_duration(DEFAULT_DEPLOY_TIMEOUT),
        poll_interval_s: float = 5.0,
        clock_skew_s: float = 30.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._hook = hook
        self._deployments = deployments if project_id else None
        self._project_id = project_id or ""
        self._timeout_s = deploy_timeout_s
        self._poll_s = poll_interval_s
        self._skew = timedelta(seconds=clock_skew_s)
        self._now = now

    def describe(self, t: Translator | None = None) -> str:
        """Which hook it calls and whether it can follow the deployment (in ``t``'s
        language)."""
        t = t or translator("en")
        if self._hook is None:
            return t._("VERCEL_DEPLOY_HOOK_URL is not set: this step will fail")
        if self._deployments is None:
            return t._(
                "POST the deploy hook %(hook)s; no VERCEL_TOKEN to follow it",
                hook=self._hook.masked,
            )
        return t._(
            "POST the deploy hook %(hook)s, follow it up to %(timeout)s",
            hook=self._hook.masked,
            timeout=format_seconds(self._timeout_s),
        )

    async def run(self, ctx: StepContext) -> None:
        """Call the hook (dry run: say which), then find and follow the deployment."""
        t = ctx.t
        if self._hook is None:
            raise StepFailedError(t._(NO_HOOK))
        hook = self._hook
        ctx.data["hook"] = hook.masked
        if ctx.dry_run:
            ctx.add(t._("would POST the deploy hook %(hook)s", hook=hook.masked))
            if self._deployments is None:
                ctx.add(
                    t._(
                        "would not be able to follow it: cannot be followed"
                        " (no VERCEL_TOKEN / vercel.project_id)"
                    )
                )
            else:
                ctx.add(
                    t._(
                        "would follow the deployment it starts (project %(project)s)"
                        " for up to %(timeout)s",
                        project=self._project_id,
                        timeout=format_seconds(self._timeout_s),
                    )
                )
            return
        started = time.monotonic()
        called_at = self._now()
        try:
            triggered = await hook.trigger()
        except DependencyError as exc:
            ctx.data["hook_error"] = exc.reason
            raise StepFailedError(
                t._(
                    "the deploy hook %(hook)s failed: %(reason)s",
                    hook=hook.masked,
                    reason=exc.reason,
                )
            ) from None
        ctx.data.update({"hook_status": triggered.status, "job_id": triggered.job_id})
        if triggered.job_id:
            answered = t._(
                "deploy hook %(hook)s answered HTTP %(status)s (job %(job)s, %(state)s)",
                hook=hook.masked,
                status=triggered.status,
                job=triggered.job_id,
                state=triggered.job_state or t._("queued"),
            )
        else:
            answered = t._(
                "deploy hook %(hook)s answered HTTP %(status)s",
                hook=hook.masked,
                status=triggered.status,
            )
        await ctx.note(answered)
        if self._deployments is None:
            ctx.add(t._(NOT_FOLLOWED))
            ctx.data["followed"] = False
            return
        created_after = triggered.created_at or called_at - self._skew
        deadline = started + self._timeout_s
        deployment = await self._find(self._deployments, created_after, deadline, t)
        ctx.data.update({"deployment_id": deployment.uid, "deployment_url": deployment.url})
        await ctx.note(
            t._(
                "following deployment %(id)s (%(url)s)",
                id=deployment.uid,
                url=deployment.url or t._("no URL yet"),
            )
        )

        async def on_state(current: Deployment) -> None:
            await ctx.note(
                t._("deployment %(id)s: %(state)s", id=current.uid, state=current.state)
            )

        result = await self._deployments.follow(
            deployment.uid,
            timeout_s=max(0.0, deadline - time.monotonic()),
            poll_interval_s=self._poll_s,
            on_state=on_state,
        )
        ctx.data.update({"final_state": result.state, "polls": result.polls, "followed": True})
        took = format_seconds(round(time.monotonic() - started, 1))
        if result.state == "READY":
            ctx.add(t._("deployment %(id)s is READY after %(took)s", id=deployment.uid, took=took))
            return
        if result.state == TIMEOUT:
            raise StepFailedError(
                t._(
                    "deployment %(id)s did not finish within %(timeout)s (%(reason)s);"
                    " it goes on at Vercel",
                    id=deployment.uid,
                    timeout=format_seconds(self._timeout_s),
                    reason=result.reason,
                )
            )
        if result.reason:
            raise StepFailedError(
                t._(
                    "deployment %(id)s ended %(state)s: %(reason)s",
                    id=deployment.uid,
                    state=result.state,
                    reason=result.reason,
                )
            )
        raise StepFailedError(
            t._("deployment %(id)s ended %(state)s", id=deployment.uid, state=result.state)
        )

    async def _find(
        self, api: VercelDeployments, created_after: datetime, deadline: float, t: Translator
    ) -> Deployment:
        """Poll the project's deployments until the hook's one appears, or fail at the deadline."""
        last_error = ""
        while True:
            try:
                found = await api.find_deployment(self._project_id, created_after)
            except DependencyError as exc:
                if exc.reason.startswith("HTTP 4"):
                    raise StepFailedError(
                        t._(
                            "cannot list the project's deployments: %(reason)s"
                            " (check VERCEL_TOKEN and vercel.project_id); the deploy was queued",
                            reason=exc.reason,
                        )
                    ) from None
                found, last_error = None, exc.reason
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                values = {
                    "project": self._project_id,
                    "timeout": format_seconds(self._timeout_s),
                    "error": last_error,
                }
                if last_error:
                    raise StepFailedError(
                        t._(
                            "no deployment of project %(project)s appeared within %(timeout)s"
                            " of the hook call (last error: %(error)s)",
                            **values,
                        )
                    )
                raise StepFailedError(
                    t._(
                        "no deployment of project %(project)s appeared within %(timeout)s"
                        " of the hook call",
                        **values,
                    )
                )
            await asyncio.sleep(min(self._poll_s, remaining))
