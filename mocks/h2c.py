"""One port for every wire, as ZITADEL serves them: the HTTP port also takes gRPC, i.e. HTTP/2 with prior knowledge
(h2c), which aiohttp does not speak. `OnePortSite` looks at the first bytes of each connection: the HTTP/2 client
preface hands the connection to the vendor's gRPC server (piped to its loopback port, `RunningTransport.h2c_upstream`),
anything else to aiohttp's HTTP/1.1 protocol, which then owns the socket as if nothing had happened. The look costs
one callback per connection and nothing per request, so the HTTP/1.1 path keeps its speed (bench/README.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .app import TRANSPORTS, transports_started

log = logging.getLogger("resetkit")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  # RFC 9113 section 3.4, what a prior-knowledge client sends first
Upstream = Callable[[], Awaitable[tuple[str, int] | None]]


class _Pipe(asyncio.Protocol):
    """One direction's reader: what `own` receives is written to `peer`; each side's back-pressure pauses the other."""

    def __init__(self, peer: asyncio.Transport, on_lost: Callable[[], None] | None = None) -> None:
        self.peer = peer
        self.own: asyncio.Transport | None = None
        self.on_lost = on_lost

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.own = transport

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
    """A new connection until its first bytes tell which protocol it speaks."""

    def __init__(self, http: Callable[[], asyncio.Protocol], upstream: Upstream, open_: set[asyncio.Transport]) -> None:
        self.http = http
        self.upstream = upstream
        self.open = open_
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.piping: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.open.add(transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) < len(PREFACE) and PREFACE.startswith(self.buffer):
            return  # so far a prefix of the preface: wait for more
        if self.buffer.startswith(PREFACE):
            assert self.transport is not None
            self.transport.pause_reading()  # until the upstream connection is open
            self.piping = asyncio.ensure_future(self._pipe())  # kept: the loop holds tasks only weakly
            return
        self._to_http()

    def eof_received(self) -> bool:
        return False  # the client gave up before it said anything: close

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.open.discard(self.transport)

    def _to_http(self) -> None:
        """aiohttp's protocol takes the connection over, starting with the bytes read so far."""
        transport = self.transport
        assert transport is not None
        self.open.discard(transport)
        protocol = self.http()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        if not transport.is_closing():
            protocol.data_received(self.buffer)

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
        downstream = _Pipe(upstream_transport, lambda: self.open.discard(transport))
        transport.set_protocol(downstream)
        downstream.connection_made(transport)
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


class OnePortSite(web.SockSite):
    """aiohttp's `SockSite` whose connections are sniffed first (see the module's docstring)."""

    __slots__ = ("_upstream", "_open")

    def __init__(self, runner: web.BaseRunner, sock: Any, upstream: Upstream, **kwargs: Any) -> None:
        super().__init__(runner, sock, **kwargs)
        self._upstream = upstream
        self._open: set[asyncio.Transport] = set()  # sniffed or piped: aiohttp's shutdown does not know them

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with the runner
        http = self._runner.server
        assert http is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Sniffer(http, self._upstream, self._open),
            sock=self._sock,
            ssl=self._ssl_context,
            backlog=self._backlog,
        )

    async def stop(self) -> None:
        await super().stop()
        for transport in list(self._open):
            transport.close()
