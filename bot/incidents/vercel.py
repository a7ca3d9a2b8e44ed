"""The app's recent Vercel deployments as "what changed" lines for a new incident."""

from __future__ import annotations

from datetime import datetime

from bot.incidents.changes import ChangeHook, ChangeLine
from bot.upstream.vercel import SOURCE, VercelDeployments


def deployments_hook(vercel: VercelDeployments) -> ChangeHook:
    """A "what changed" hook listing the app's deployments in the window."""

    async def hook(since: datetime, until: datetime) -> list[ChangeLine]:
        lines = []
        for d in await vercel.since(since):
            if d.created_at >= until:
                continue
            text = f"deployment {d.url or d.uid} ({d.target}) {d.state}"
            if d.commit:
                text += f": {d.commit}"
            if d.creator:
                text += f" by {d.creator}"
            lines.append(ChangeLine(d.created_at, SOURCE, text))
        return lines

    return hook
