"""What the fuzz gate (`make fuzz`) found, each kept as the behaviour that is right now."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestClient

from .test_bad_input import ENDPOINTS


async def raw_exchange(client: TestClient, request: bytes) -> bytes:
    """Send bytes no HTTP client would send, and read the whole answer (the server closes the connection)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    return answer


async def test_a_header_with_a_control_character_is_a_400_and_one_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    path, headers = ENDPOINTS["leadsquared"]
    request = (
        f"POST /leadsquared{path} HTTP/1.1\r\nHost: x\r\nAuthorization: {headers['Authorization']}\r\n"
        "X-Probe: a\x01b\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    ).encode()
    with caplog.at_level(logging.WARNING):
        answer = await raw_exchange(client, request)
    assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer
    served = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert [r.levelname for r in served] == ["WARNING"]
    assert served[0].exc_info is None
    assert "Invalid header value char" in served[0].getMessage()
    # ... and the server keeps serving.
    assert (await client.get("/__admin/clock")).status == 200


async def test_an_unparsable_request_line_is_a_400_without_a_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        answer = await raw_exchange(client, b"GET /__admin/clock HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
