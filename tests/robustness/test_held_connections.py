"""Held connections cannot lock new clients out: `resetkit serve` at a low descriptor limit (256) keeps answering
new clients while more idle or trickling connections are held open than the limit allows, its log stays a few lines,
and each connection setting (`--read-timeout`, `--idle-timeout`, `--max-connections`) does what the README says.

The server runs in its own process with its descriptor limit lowered (`resource.setrlimit` before it starts), and
every client is a real socket."""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ..packaging.conftest import Served, serve, stop

DESCRIPTORS = 256  # the server's limit; its default --max-connections is then 64
HELD = 300  # more connections than the server has descriptors
PROMPT = 2.0  # seconds: a generous bound for a robustness check, not a speed goal (figures belong in bench/)
HEALTH = b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
SLOW_BODY = (  # 1 of the 100 bytes of body it announces
    b"POST /leadsquared/api/Authentication/SecureForgotPassword HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
)
# `resetkit serve ARGS` with the descriptor limit lowered first, as `ulimit -n 256` would
LOW_LIMIT = (
    "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({n}, {n})); "
    "sys.argv = ['resetkit', *sys.argv[1:]]; runpy.run_module('resetkit', run_name='__main__')"
)
Serve = Callable[..., Served]


@pytest.fixture
def serve_with(tmp_path: Path) -> Iterator[Serve]:
    """`serve_with(*options)`: `resetkit serve --no-grpc` at DESCRIPTORS descriptors, in its own process."""
    started: list[Served] = []

    def start(*options: str) -> Served:
        command = [sys.executable, "-c", LOW_LIMIT.format(n=DESCRIPTORS), "serve", "--no-grpc", "--accounts", "1"]
        served = serve([*command, *options], tmp_path, tmp_path / f"log{len(started)}")
        started.append(served)
        return served

    yield start
    for served in started:
        stop(served)


@pytest.fixture(autouse=True)
def enough_sockets() -> None:
    """Room here for every client socket (the soft limit is often 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < HELD + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(HELD + 200, hard), hard))


def address(served: Served) -> tuple[str, int]:
    parts = urlsplit(served.url)
    return str(parts.hostname), int(parts.port or 80)


async def status_of(served: Served, request: bytes = HEALTH) -> bytes:
    """A new client's request on a new connection: its status line."""
    reader, writer = await asyncio.open_connection(*address(served))
    try:
        writer.write(request)
        await writer.drain()
        return (await reader.readline()).strip()
    finally:
        writer.close()


Held = list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]


async def hold(served: Served, count: int, first_bytes: bytes = b"") -> Held:
    """`count` connections, oldest first, that send `first_bytes` (nothing: idle) and then nothing more."""
    held = []
    for _ in range(count):
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*address(served)), PROMPT)
        except (OSError, TimeoutError):
            break  # the server's backlog is full: a server that stopped accepting
        writer.write(first_bytes)
        held.append((reader, writer))
        await asyncio.sleep(0.002)  # one after the other, as the server sees them
    await asyncio.sleep(0.5)  # the server has seen them all
    return held


def close(held: Held) -> None:
    for _, writer in held:
        writer.close()


@pytest.mark.parametrize("first_bytes", [b"", b"GET /__admin/health HTTP/1.1\r\nX-Slow: a"], ids=["idle", "trickling"])
async def test_more_held_connections_than_descriptors_do_not_lock_a_new_client_out(
    serve_with: Serve, first_bytes: bytes
) -> None:
    served = serve_with()
    held = await hold(served, HELD, first_bytes)
    try:
        assert await asyncio.wait_for(status_of(served), PROMPT) == b"HTTP/1.1 200 OK"
    finally:
        close(held)


async def test_the_log_stays_a_few_lines_when_connections_are_held(serve_with: Serve) -> None:
    served = serve_with()
    held = await hold(served, HELD)
    try:
        for _ in range(20):
            assert await asyncio.wait_for(status_of(served), PROMPT) == b"HTTP/1.1 200 OK"
    finally:
        close(held)
    await asyncio.sleep(1)
    lines = served.log.read_text(encoding="utf-8", errors="replace").splitlines()
    assert len(lines) < 40 and "Traceback" not in "\n".join(lines), lines[-10:]


async def test_a_head_that_trickles_past_the_read_timeout_is_closed_with_408(serve_with: Serve) -> None:
    served = serve_with("--read-timeout", "1")
    reader, writer = await asyncio.open_connection(*address(served))
    try:
        writer.write(b"GET /__admin/health HTTP/1.1\r\nX-Slow: ")
        for _ in range(2):  # still trickling within the second, and then no more
            await asyncio.sleep(0.3)
            writer.write(b"a")
        assert await asyncio.wait_for(reader.readline(), PROMPT) == b"HTTP/1.1 408 Request Timeout\r\n"
    finally:
        writer.close()


async def test_a_body_that_does_not_arrive_within_the_read_timeout_is_a_408_in_the_vendor_shape(
    serve_with: Serve,
) -> None:
    served = serve_with("--read-timeout", "1")
    reader, writer = await asyncio.open_connection(*address(served))
    try:
        writer.write(SLOW_BODY)
        answer = await asyncio.wait_for(reader.read(4096), 1 + PROMPT)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"Status":"Error"' in answer


async def test_a_connection_idle_past_the_idle_timeout_is_closed(serve_with: Serve) -> None:
    served = serve_with("--idle-timeout", "1")
    reader, writer = await asyncio.open_connection(*address(served))
    try:
        writer.write(HEALTH)
        assert (await reader.readline()).endswith(b" 200 OK\r\n")
        started = time.monotonic()
        await asyncio.wait_for(reader.read(), 1 + PROMPT)  # the rest of the answer, then the end of the stream
        assert reader.at_eof() and time.monotonic() - started >= 0.9
    finally:
        writer.close()


async def test_past_the_cap_the_longest_idle_connection_is_closed_for_a_new_one(serve_with: Serve) -> None:
    served = serve_with("--max-connections", "3")
    held = await hold(served, 3)
    try:
        assert await asyncio.wait_for(status_of(served), PROMPT) == b"HTTP/1.1 200 OK"
        oldest, newer = held[0][0], held[1][0]
        assert await asyncio.wait_for(oldest.read(), PROMPT) == b"" and oldest.at_eof()
        assert not newer.at_eof()
    finally:
        close(held)


async def test_past_the_cap_with_every_connection_busy_a_new_one_is_refused_at_once(serve_with: Serve) -> None:
    served = serve_with("--max-connections", "2", "--read-timeout", "30")
    busy = await hold(served, 2, SLOW_BODY)  # a body still arriving: a request in progress
    try:
        assert await asyncio.wait_for(status_of(served), PROMPT) == b"HTTP/1.1 503 Service Unavailable"
    finally:
        close(busy)


async def test_a_client_that_leaves_before_its_body_arrived_is_no_error_in_the_log(serve_with: Serve) -> None:
    served = serve_with()
    reader, writer = await asyncio.open_connection(*address(served))
    writer.write(SLOW_BODY)
    await asyncio.sleep(0.5)  # the request is in progress, waiting for its body
    writer.close()
    await asyncio.sleep(0.5)
    assert await asyncio.wait_for(status_of(served), PROMPT) == b"HTTP/1.1 200 OK"
    log = served.log.read_text(encoding="utf-8")
    assert "ERROR" not in log and "Traceback" not in log, log
