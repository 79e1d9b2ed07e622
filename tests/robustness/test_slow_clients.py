"""Slow and idle clients do not starve the others: while many connections trickle their headers a byte a second
(slowloris) and many more sit idle after a request (keep-alive), a normal reset request is still answered."""

from __future__ import annotations

import asyncio
import resource
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import aiohttp
import pytest

from resetkit.vendors.leadsquared import PUBLIC_AUTH_KEY

from ..packaging.conftest import Served, serve, stop

TRICKLING = 200
IDLE = 500
PROMPT = 2.0  # seconds: a generous bound for a robustness check, not a speed goal (figures belong in bench/)
HEALTH = b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`resetkit serve` in its own process, as a user runs it (its sockets do not count against ours)."""
    folder = tmp_path_factory.mktemp("slow-clients")
    mock = serve([sys.executable, "-m", "resetkit", "serve", "--no-grpc", "--accounts", "2"], folder, folder / "log")
    yield mock
    stop(mock)


@pytest.fixture
def enough_sockets() -> None:
    """Room for every client socket here, where the soft limit is 1024 (many desktops)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = TRICKLING + IDLE + 200
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


async def trickle(host: str, port: int, stop_sending: asyncio.Event) -> bool:
    """Start a request, then send one header byte a second and never finish; True if still connected at the end."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    try:
        while not stop_sending.is_set():
            await asyncio.sleep(1)
            writer.write(b"a")
            await writer.drain()
        return not reader.at_eof()
    except ConnectionError:
        return False
    finally:
        writer.close()


async def idle_after_a_request(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A keep-alive connection that has had its answer and now sends nothing."""
    reader, writer = await asyncio.open_connection(host, port)
    await exchange(reader, writer, HEALTH)
    return reader, writer


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes:
    """Send one request on an open connection and read its whole answer (headers and Content-Length body)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    await reader.readexactly(length)
    return head.split(b"\r\n", 1)[0]


async def reset_request(session: aiohttp.ClientSession, url: str) -> int:
    async with session.post(
        f"{url}/leadsquared/api/Authentication/SecureForgotPassword",
        json={"EmailAddress": "demo@leadsquared.resetkit.example"},
        headers={"Authorization": PUBLIC_AUTH_KEY},
    ) as response:
        await response.read()
        return response.status


async def test_slow_and_idle_clients_do_not_hold_up_a_reset_request(served: Served, enough_sockets: None) -> None:
    parts = urlsplit(served.url)
    host, port = str(parts.hostname), int(parts.port or 80)
    stop_sending = asyncio.Event()
    trickling = [asyncio.create_task(trickle(host, port, stop_sending)) for _ in range(TRICKLING)]
    # A server that serves one connection at a time never gets here: the trickling ones hold it.
    idle = await asyncio.wait_for(asyncio.gather(*(idle_after_a_request(host, port) for _ in range(IDLE))), 60)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                await asyncio.sleep(1)  # every trickling client sends another byte meanwhile
                assert await asyncio.wait_for(reset_request(session, served.url), PROMPT) == 200
        # An idle keep-alive connection is still served, on the connection it kept.
        status_line = await asyncio.wait_for(exchange(*idle[0], HEALTH), PROMPT)
        assert status_line.endswith(b" 200 OK")
    finally:
        stop_sending.set()
        still_connected = await asyncio.gather(*trickling)
        for _, writer in idle:
            writer.close()
    # The slow clients were really there all along: the server neither dropped nor answered them.
    assert all(still_connected)
