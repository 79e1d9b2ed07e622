"""Connection hygiene for `resetkit serve` (and the test runner): a deadline for a request's head, and a cap on open
connections under the descriptor limit, so that held or trickling connections cannot lock new clients out.

aiohttp (3.14) closes a connection that waits longer than `keepalive_timeout` for its next request (the idle
timeout; `--idle-timeout`, set on the app in `app.py`), but has no deadline for a head that arrives a byte at a time
and no cap: this module adds both around aiohttp's own protocol. Past the cap the connection idle the longest is
closed for the new one; when every connection is busy with a request the new one is answered 503 and closed at once.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_server import Server

log = logging.getLogger("resetkit.connections")

DESCRIPTORS_KEPT = 64  # for what is not an HTTP connection: the state file, gRPC, SMTP, logs, the loop itself
# asyncio accepts up to the listen backlog's number of connections in one go, before the ones closed to make room are
# really closed (on the next loop iteration): the cap keeps that many descriptors free as well.
BACKLOG = 128
MAX_CONNECTIONS = 4096  # the default cap where the descriptor limit allows more
TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
REFUSED = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def default_max_connections() -> int:
    """As many connections as the descriptor limit leaves room for (keeping DESCRIPTORS_KEPT and a BACKLOG's worth
    free), at most MAX_CONNECTIONS: 832 at the common limit of 1024."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(1, min(MAX_CONNECTIONS, soft - DESCRIPTORS_KEPT - BACKLOG))


def bind(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """The bound socket, before anything else starts, so that a busy port fails fast and `--port 0` is known.

    It listens only once the app serves: until then a client is refused (and retries) rather than left waiting.
    `reuse_port`: several processes listen on the port (`--workers`), the kernel spreads connections over them.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does: restart over TIME_WAIT
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class ConnectionGuard:
    """The open connections of one server: at most `max_connections`, each request head within `head_timeout`."""

    def __init__(self, max_connections: int, head_timeout: float) -> None:
        self.max_connections = max_connections
        self.head_timeout = head_timeout
        self.open: dict[GuardedHandler, None] = {}  # in the order they were opened
        self.timed_out = 0
        self.closed_idle = 0
        self.refused = 0

    def factory(self, server: Server) -> Callable[[], GuardedHandler]:
        """The protocol factory for `loop.create_server`: aiohttp's handler, as `server` would make it, guarded."""
        options: dict[str, Any] = server._kwargs  # what the runner and the app's handler_args ask of each handler

        def make() -> GuardedHandler:
            return GuardedHandler(self, server, loop=server._loop, **options)

        return make

    def admit(self, handler: GuardedHandler) -> bool:
        """Room for a new connection: past the cap, the one idle the longest is closed; False when all are busy."""
        if len(self.open) < self.max_connections:
            self.open[handler] = None
            return True
        idle = [other for other in self.open if other.waiting]
        if not idle:
            self.refused += 1
            log.warning("refused a new connection: all %d connections are busy (--max-connections)", len(self.open))
            return False
        # aiohttp's keep-alive deadline is idle-since + idle timeout, the same for all: the earliest is the longest idle
        oldest = min(idle, key=lambda other: other._next_keepalive_close_time)
        self.closed_idle += 1
        log.warning("closed the connection idle the longest for a new one (%d open, --max-connections)", len(self.open))
        oldest.force_close()
        self.open.pop(oldest, None)
        self.open[handler] = None
        return True

    def left(self, handler: GuardedHandler) -> None:
        self.open.pop(handler, None)


class GuardedHandler(RequestHandler):
    """aiohttp's protocol for one connection, with a deadline for each request head and a place under the cap."""

    __slots__ = ("_guard", "_head_timer")

    def __init__(self, guard: ConnectionGuard, manager: Server, **options: Any) -> None:
        super().__init__(manager, **options)
        self._guard = guard
        self._head_timer: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> bool:
        """Between requests (idle, or its next head still arriving): closing it loses no request in progress."""
        waiter = self._waiter
        return waiter is not None and not waiter.done()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._guard.admit(self):
            assert isinstance(transport, asyncio.Transport)
            transport.write(REFUSED)
            transport.close()
            return
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._guard.left(self)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # A head still incomplete after this chunk has `head_timeout` from its first byte; a whole one stops the clock.
        if self.waiting:
            if self._head_timer is None and data:
                self._head_timer = self._loop.call_later(self._guard.head_timeout, self._head_too_slow)
        elif self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.waiting or self.transport is None:
            return
        self._guard.timed_out += 1
        log.warning(
            "closed a connection whose request head did not arrive within %g s (--read-timeout)",
            self._guard.head_timeout,
        )
        self.transport.write(TIMED_OUT)
        self.force_close()


class GuardedSite(web.SockSite):
    """A site on a bound socket whose connections the guard admits and times."""

    __slots__ = ("_guard",)

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, guard: ConnectionGuard) -> None:
        super().__init__(runner, sock, backlog=BACKLOG)
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner (SockSite.start would serve unguarded)
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._guard.factory(server), sock=self._sock, backlog=self._backlog)
