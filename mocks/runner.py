"""Run the mock on a free port in a background thread: for tests, schemathesis and pytest-bdd (which are sync)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace

from aiohttp import web

from .app import create_app
from .connections import ConnectionGuard, bind, default_max_connections
from .env import Env, create_env
from .h2c import OnePortSite, grpc_upstream
from .settings import Settings
from .transports import transports_started
from .vendors.base import Vendor


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveMock:
    """A started mock: `url` is its root; `env` is its state, shared with the server thread."""

    url: str
    env: Env
    connections: ConnectionGuard
    _loop: asyncio.AbstractEventLoop
    _runner: web.AppRunner
    _thread: threading.Thread

    @property
    def grpc_url(self) -> str | None:
        """Where ZITADEL's gRPC listens: `Settings.grpc_port`, else the HTTP URL (`grpc_on_http_port`); else None."""
        return self.env.endpoints.get("zitadel", {}).get("grpc_url")

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()  # its self-pipe sockets, else a ResourceWarning whenever it is collected

    def __enter__(self) -> LiveMock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_live_mock(settings: Settings, overrides: Mapping[str, Vendor] | None = None) -> LiveMock:
    """Start the mock on `settings.host` (port 0 picks a free one) and return once it accepts connections.

    Its connections are guarded as `resetkit serve`'s are (`--read-timeout`, `--idle-timeout`, `--max-connections`).
    """
    sock = bind(settings.host, settings.port)
    port = int(sock.getsockname()[1])
    settings = replace(settings, port=port)
    try:
        env = create_env(settings, overrides=overrides)
    except BaseException:
        sock.close()
        raise
    app = create_app(settings, env=env)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    guard = ConnectionGuard(settings.max_connections or default_max_connections(), settings.read_timeout)
    ready = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(OnePortSite(runner, sock, guard, grpc_upstream(app)).start())
            loop.run_until_complete(transports_started(app))  # gRPC and other transports listen before we return
        except BaseException as exc:  # surfaced to the caller below
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name=f"resetkit-mock-{port}", daemon=True)
    thread.start()
    ready.wait(timeout=30)
    if failure:
        raise failure[0]
    return LiveMock(f"http://{settings.host}:{port}", env, guard, loop, runner, thread)
