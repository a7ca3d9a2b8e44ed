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

from bot.config_values import parse_duration
from bot.errors import DependencyError
from bot.i18n import Translator, translator
from bot.recovery.model import StepName
from bot.recovery.steps import StepContext, StepFailedError
from bot.vercel import TIMEOUT, DeployHook, Deployment, VercelDeployments

NOT_FOLLOWED = "deploy queued; cannot be followed (no VERCEL_TOKEN / vercel.project_id)"
NO_HOOK = "VERCEL_DEPLOY_HOOK_URL is not set: there is no deploy hook to call"
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
        if self._hook is None:
            raise StepFailedError(NO_HOOK)
        hook = self._hook
        ctx.data["hook"] = hook.masked
        if ctx.dry_run:
            ctx.add(f"would POST the deploy hook {hook.masked}")
            if self._deployments is None:
                ctx.add("would not be able to follow it: " + NOT_FOLLOWED.split("; ", 1)[1])
            else:
                ctx.add(
                    f"would follow the deployment it starts (project {self._project_id})"
                    f" for up to {format_seconds(self._timeout_s)}"
                )
            return
        started = time.monotonic()
        called_at = self._now()
        try:
            triggered = await hook.trigger()
        except DependencyError as exc:
            ctx.data["hook_error"] = exc.reason
            raise StepFailedError(f"the deploy hook {hook.masked} failed: {exc.reason}") from None
        ctx.data.update({"hook_status": triggered.status, "job_id": triggered.job_id})
        job = (
            f" (job {triggered.job_id}, {triggered.job_state or 'queued'})"
            if triggered.job_id
            else ""
        )
        await ctx.note(f"deploy hook {hook.masked} answered HTTP {triggered.status}{job}")
        if self._deployments is None:
            ctx.add(NOT_FOLLOWED)
            ctx.data["followed"] = False
            return
        created_after = triggered.created_at or called_at - self._skew
        deadline = started + self._timeout_s
        deployment = await self._find(self._deployments, created_after, deadline)
        ctx.data.update({"deployment_id": deployment.uid, "deployment_url": deployment.url})
        await ctx.note(f"following deployment {deployment.uid} ({deployment.url or 'no URL yet'})")

        async def on_state(current: Deployment) -> None:
            await ctx.note(f"deployment {current.uid}: {current.state}")

        result = await self._deployments.follow(
            deployment.uid,
            timeout_s=max(0.0, deadline - time.monotonic()),
            poll_interval_s=self._poll_s,
            on_state=on_state,
        )
        ctx.data.update({"final_state": result.state, "polls": result.polls, "followed": True})
        took = format_seconds(round(time.monotonic() - started, 1))
        if result.state == "READY":
            ctx.add(f"deployment {deployment.uid} is READY after {took}")
            return
        if result.state == TIMEOUT:
            raise StepFailedError(
                f"deployment {deployment.uid} did not finish within"
                f" {format_seconds(self._timeout_s)} ({result.reason}); it goes on at Vercel"
            )
        why = f": {result.reason}" if result.reason else ""
        raise StepFailedError(f"deployment {deployment.uid} ended {result.state}{why}")

    async def _find(
        self, api: VercelDeployments, created_after: datetime, deadline: float
    ) -> Deployment:
        """Poll the project's deployments until the hook's one appears, or fail at the deadline."""
        last_error = ""
        while True:
            try:
                found = await api.find_deployment(self._project_id, created_after)
            except DependencyError as exc:
                if exc.reason.startswith("HTTP 4"):
                    raise StepFailedError(
                        f"cannot list the project's deployments: {exc.reason}"
                        " (check VERCEL_TOKEN and vercel.project_id); the deploy was queued"
                    ) from None
                found, last_error = None, exc.reason
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                note = f" (last error: {last_error})" if last_error else ""
                raise StepFailedError(
                    f"no deployment of project {self._project_id} appeared within"
                    f" {format_seconds(self._timeout_s)} of the hook call{note}"
                )
            await asyncio.sleep(min(self._poll_s, remaining))
