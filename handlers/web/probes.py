"""GET /healthz (alive), /readyz (the stores answer) and /metrics (Prometheus)."""

from __future__ import annotations

from aiohttp import web

from bot.app.runtime import Runtime


def register(web_app: web.Application, runtime: Runtime) -> None:
    """Add the liveness, readiness and metrics endpoints."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_: web.Request) -> web.Response:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status=200 if ready else 503,
        )

    async def metrics(_: web.Request) -> web.Response:
        body = runtime.metrics.render()
        return web.Response(body=body, headers={"Content-Type": runtime.metrics.content_type})

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
