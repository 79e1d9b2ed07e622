"""One port for every wire, as ZITADEL serves them: the HTTP port also takes gRPC, i.e. HTTP/2 with prior knowledge
(h2c), which aiohttp does not speak. `OnePortSite` looks at the first bytes of each connection: the HTTP/2 client
preface hands the connection to the vendor's gRPC server (piped to its loopback port, `RunningTransport.h2c_upstream`),
anything else stays with aiohttp's HTTP/1.1 protocol, which then owns the socket as if nothing had happened.

aiohttp's (guarded) protocol is made as the connection opens, so the connection guard admits and times it as any
other (`connections.py`: the cap, the idle timeout from the first moment); the sniffer only holds the first bytes
back. A connection that turns out to be HTTP/2 is let go by that protocol and counted no more. The look costs one
callback per connection and nothing per request, so the HTTP/1.1 path keeps its speed (bench/README.md).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from .connections import ConnectionGuard, GuardedSite
from .transports import TRANSPORTS, transports_started

log = logging.getLogger("resetkit")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  # RFC 9113 section 3.4, what a prior-knowledge client sends first
Upstream = Callable[[], Awaitable[tuple[str, int] | None]]


class _Pipe(asyncio.Protocol):
    """One direction's reader: what `own` receives is written to `peer`; each side's back-pressure pauses the other."""

    def __init__(self, peer: asyncio.Transport, on_lost: Callable[[], None] | None = None) -> None:
        self.peer = peer
        self.on_lost = on_lost

    def data_received(self, data: bytes) -> None:
        self.peer.write(data)

    def eof_received(self) -> bool:
        if self.peer.can_write_eof():
            self.peer.write_eof()
        return True  # keep our side open for what the peer still sends

    def connection_lost(self, exc: Exception | None) -> None:
        self.peer.close()
        if self.on_lost is not None:
            self.on_lost()

    def pause_writing(self) -> None:
        self.peer.pause_reading()

    def resume_writing(self) -> None:
        self.peer.resume_reading()


class Sniffer(asyncio.Protocol):
    """A new connection until its first bytes tell which protocol it speaks; aiohttp's `handler` waits behind it."""

    def __init__(
        self,
        make_handler: Callable[[], RequestHandler],
        upstream: Upstream,
        timeout: float,
        piped: set[asyncio.Transport],
    ) -> None:
        self.make_handler = make_handler
        self.upstream = upstream
        self.piped = piped  # both ends of every piped connection, which the site closes when it stops
        self.timeout = timeout  # for the rest of a preface once it started (as for a request head)
        self.handler: RequestHandler | None = None
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.deadline: asyncio.TimerHandle | None = None
        self.piping: asyncio.Future[None] | None = None  # kept: the loop holds tasks only weakly

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.handler = self.make_handler()
        self.handler.connection_made(transport)  # the guard admits it (or answers 503 and closes)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) < len(PREFACE) and PREFACE.startswith(self.buffer):
            if self.deadline is None:  # so far a prefix of the preface: wait for more, not for ever
                assert self.transport is not None
                self.deadline = asyncio.get_running_loop().call_later(self.timeout, self.transport.close)
            return
        if self.deadline is not None:
            self.deadline.cancel()
        if self.buffer.startswith(PREFACE):
            assert self.transport is not None
            self.transport.pause_reading()  # until the upstream connection is open
            self._let_go_of_http()
            self.piping = asyncio.ensure_future(self._pipe())
            return
        self._to_http()

    def eof_received(self) -> bool:
        return False  # the client gave up before it said what it speaks: close

    def connection_lost(self, exc: Exception | None) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        if self.handler is not None:
            self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        if self.handler is not None:
            self.handler.pause_writing()

    def resume_writing(self) -> None:
        if self.handler is not None:
            self.handler.resume_writing()

    def _to_http(self) -> None:
        """aiohttp's protocol takes the connection over, starting with the bytes read so far."""
        transport = self.transport
        assert transport is not None
        handler = self.handler or self.make_handler()
        if self.handler is None:
            handler.connection_made(transport)
        transport.set_protocol(handler)
        if not transport.is_closing():
            handler.data_received(self.buffer)

    def _let_go_of_http(self) -> None:
        """aiohttp's protocol leaves the connection (and the guard's count) without closing the socket."""
        handler, self.handler = self.handler, None
        if handler is not None:
            handler.transport = None  # its clean-up closes its transport: this one now belongs to the pipe
            handler.connection_lost(None)

    async def _pipe(self) -> None:
        transport = self.transport
        assert transport is not None
        try:
            address = await self.upstream()
        except Exception as exc:  # the vendor's transports failed to start: logged by the app; say it here too
            log.warning("h2c: no gRPC server to hand the connection to (%s)", exc)
            address = None
        if transport.is_closing():
            return
        if address is None:  # no gRPC served here: aiohttp answers the preface as the HTTP/1.1 it is not
            transport.resume_reading()
            self._to_http()
            return
        loop = asyncio.get_running_loop()
        try:
            upstream_transport, _ = await loop.create_connection(lambda: _Pipe(transport), *address)
        except OSError as exc:
            log.warning("h2c: cannot reach the gRPC server at %s:%s (%s)", *address, exc)
            transport.close()
            return
        self.piped.update((transport, upstream_transport))
        downstream = _Pipe(upstream_transport, lambda: self.piped.difference_update((transport, upstream_transport)))
        transport.set_protocol(downstream)
        upstream_transport.write(self.buffer)
        transport.resume_reading()


def grpc_upstream(app: web.Application) -> Upstream:
    """Where a vendor's transport takes the h2c connections of the HTTP port, once the transports started."""

    async def find() -> tuple[str, int] | None:
        await transports_started(app)
        for running in app[TRANSPORTS].running:
            if running.h2c_upstream is not None:
                return running.h2c_upstream
        return None

    return find


class OnePortSite(GuardedSite):
    """The guarded site whose connections are sniffed first (see the module's docstring)."""

    __slots__ = ("_upstream", "_piped")

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, guard: ConnectionGuard, upstream: Upstream) -> None:
        super().__init__(runner, sock, guard)
        self._upstream = upstream
        self._piped: set[asyncio.Transport] = set()  # aiohttp's shutdown does not know them

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        assert server is not None
        make_handler = self._guard.factory(server)
        timeout = self._guard.head_timeout
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Sniffer(make_handler, self._upstream, timeout, self._piped), sock=self._sock, backlog=self._backlog
        )

    async def stop(self) -> None:
        await super().stop()
        for transport in list(self._piped):
            transport.close()
