"""The vendors' other servers (ZITADEL's gRPC), started and stopped with the app. They start in the background once
the app has started, so the HTTP port answers as soon as before; each runs the vendor's one pipeline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from .api import Answer
from .env import Env
from .openapi.validation import RawRequest
from .pipeline import Pipeline
from .vendors.base import Dispatch, RunningTransport

log = logging.getLogger("resetkit")


@dataclass
class Transports:
    """`started` completes when every transport listens (or failed, which is logged)."""

    started: asyncio.Future[None] | None = None
    running: list[RunningTransport] = field(default_factory=list)


TRANSPORTS = web.AppKey("transports", Transports)


def transport_dispatch(pipeline: Pipeline) -> Dispatch:
    """The pipeline as a transport calls it: by operationId."""
    operations = pipeline.spec.operations

    async def run(operation_id: str, raw: RawRequest, path: str) -> Answer:
        return await pipeline.handle(operations[operation_id], raw, path)

    return run


async def _start(env: Env, pipelines: Mapping[str, Pipeline], state: Transports) -> None:
    for name in env.settings.vendors:
        vendor = env.vendors[name]
        for transport in vendor.transports:
            try:
                running = await transport.start(env.settings, env.specs[name], transport_dispatch(pipelines[name]))
            except Exception as exc:  # a busy port must not take the HTTP mock down: say so and go on
                log.error("%s %s did not start: %s", name, transport.name, exc)
                continue
            if running is not None:
                state.running.append(running)
                env.endpoints.setdefault(name, {}).update(running.endpoints)


def transports_context(env: Env, pipelines: Mapping[str, Pipeline]) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: start the transports in the background, stop them with the app."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        state = app[TRANSPORTS]
        state.started = asyncio.ensure_future(_start(env, pipelines, state))
        yield
        await asyncio.wait([state.started])
        for running in reversed(state.running):
            await running.stop()
        state.running.clear()
        env.endpoints.clear()

    return context


async def transports_started(app: web.Application, timeout: float = 30) -> None:
    """Wait until the vendors' transports listen (tests and the runner call this after the app started)."""
    started = app[TRANSPORTS].started
    if started is not None:
        await asyncio.wait_for(asyncio.shield(started), timeout)
