"""Build the aiohttp application: one router, every route a spec operation of a served vendor or of `/__admin`, each
running that spec's pipeline; the vendors' other transports, the mail relay and CORS hooked into its lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from functools import partial

from aiohttp import web, web_app

from .admin import admin_api
from .aiohttp_adapter import STREAMS, Mount, close_streams, make_endpoint, make_middleware
from .api import bind_operations
from .clock import Clock
from .cors import make_cors_headers
from .env import Env, create_env
from .fleet.link import Fleet
from .guard import ADMIN_PREFIX, Guard
from .http_log import quiet_malformed_requests
from .keys import ENV
from .openapi.spec import load_spec
from .pipeline import Pipeline
from .settings import Settings
from .smtp_relay import relaying
from .transports import TRANSPORTS, Transports, transports_context


def create_app(settings: Settings, *, env: Env | None = None, clock: Clock | None = None) -> web.Application:
    """The whole mock: /<vendor>/... per vendor (or "/" with `settings.mount_at_root`) and /__admin/..."""
    env = env or create_env(settings, clock=clock)
    quiet_malformed_requests()
    pipelines = {name: Pipeline(env, env.vendors[name], env.specs[name]) for name in settings.vendors}
    guard = Guard(settings)
    admin = Pipeline(env, admin_api(env), load_spec("admin"))
    bind_operations(admin.api, admin.spec, home="mocks/admin.py")
    served: list[tuple[str, Pipeline]] = [(settings.prefix(name), pipelines[name]) for name in settings.vendors]
    # Most specific first, so that a path finds its own API even when no route matches.
    mounted = [(ADMIN_PREFIX, admin), *sorted(served, key=lambda mount: -len(mount[0]))]
    mounts: list[Mount] = [(prefix, pipeline.api) for prefix, pipeline in mounted]
    root = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[make_middleware(env, mounts, guard)],
        # Bodies are decoded by the endpoint (codings.py: bounded, and a bad one answered in the API's shape); every
        # runner of this app, a test's too, closes connections idle past `--idle-timeout`.
        handler_args={"auto_decompress": False, "keepalive_timeout": settings.idle_timeout},
    )
    root[ENV] = env
    root[TRANSPORTS] = Transports()
    root[STREAMS] = set[asyncio.Task[object]]()
    for prefix, pipeline in mounted:
        add_operations(root, prefix, pipeline)
    if not any(prefix + operation.path == "/" for prefix, pipeline in mounted for operation in pipeline.spec):
        root.router.add_get("/", to_the_inbox, allow_head=False)
    if any(env.vendors[name].transports for name in settings.vendors):
        root.cleanup_ctx.append(transports_context(env, pipelines))
    if env.fleet is not None:
        root.cleanup_ctx.append(following(env.fleet))
    if settings.smtp:
        root.cleanup_ctx.append(relaying(env.outbox, settings.smtp, partial(setattr, env, "relay")))
    if settings.cors:
        root.on_response_prepare.append(make_cors_headers(settings))
    root.on_shutdown.append(close_streams)
    root.on_cleanup.append(forget_cached_handlers)
    return root


def following(fleet: Fleet) -> Callable[[web.Application], AsyncIterator[None]]:
    """A fleet's process follows the change log while it serves."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        await fleet.start()
        yield
        await fleet.stop()

    return context


async def forget_cached_handlers(app: web.Application) -> None:
    """aiohttp memoizes each route's middleware chain with its application (up to 1024 of them), so a process that
    makes many apps (a test session) would keep every stopped one's env, specs and store alive."""
    cached = getattr(web_app, "_cached_build_middleware", None)  # private: gone in another aiohttp, nothing to do
    if cached is not None:
        cached.cache_clear()


async def to_the_inbox(request: web.Request) -> web.Response:
    """The mock's root, when no vendor answers there, leads a browser to the inbox (relative: a proxy prefix stays)."""
    return web.Response(status=302, headers={"Location": ADMIN_PREFIX.lstrip("/") + "/inbox"})


def add_operations(app: web.Application, prefix: str, pipeline: Pipeline) -> None:
    """One route per spec operation, under `prefix`; all APIs share one router (no sub-app hop per request)."""
    for operation in pipeline.spec:
        app.router.add_route(operation.method, prefix + operation.path, make_endpoint(pipeline, operation))
