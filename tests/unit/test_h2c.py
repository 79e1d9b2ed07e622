"""One port for every wire (`mocks/h2c.py`): the first bytes of a connection decide whether it is HTTP/1.1 (aiohttp)
or HTTP/2 with prior knowledge (handed to the gRPC server), however they arrive."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from resetkit.h2c import PREFACE
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings

EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # an HTTP/2 SETTINGS frame without parameters
HEALTH = b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    with start_live_mock(Settings(port=0, accounts=1, vendors=("zitadel",), grpc_on_http_port=True)) as live:
        yield live


def connect(live: LiveMock) -> socket.socket:
    address = urlsplit(live.url)
    return socket.create_connection((address.hostname, address.port), timeout=5)


def send_in_pieces(sock: socket.socket, data: bytes, *cuts: int) -> None:
    start = 0
    for cut in (*cuts, len(data)):
        sock.sendall(data[start:cut])
        time.sleep(0.05)  # separate segments, so the server reads separate chunks
        start = cut


def test_an_http2_client_reaches_the_grpc_server_however_the_preface_is_cut(mock: LiveMock) -> None:
    with connect(mock) as sock:
        send_in_pieces(sock, PREFACE + EMPTY_SETTINGS, 1, 3, 20)
        header = sock.recv(9)
    assert len(header) == 9 and header[3] == 0x04  # the server's first frame: its SETTINGS


def test_a_request_whose_first_byte_could_start_the_preface_is_http_1(mock: LiveMock) -> None:
    request = HEALTH.replace(b"GET", b"PUT")  # "P" is also how the preface begins
    with connect(mock) as sock:
        send_in_pieces(sock, request, 1)
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 405")  # aiohttp answered it: /health takes GET only


def test_http_1_requests_are_answered_by_aiohttp(mock: LiveMock) -> None:
    with connect(mock) as sock:
        sock.sendall(HEALTH)
        assert sock.recv(200).startswith(b"HTTP/1.1 200")


def test_the_guards_host_check_holds_behind_the_sniffer(mock: LiveMock) -> None:
    with connect(mock) as sock:
        sock.sendall(HEALTH.replace(b"Host: 127.0.0.1", b"Host: rebound.example"))
        assert sock.recv(200).startswith(b"HTTP/1.1 403")


def test_without_grpc_the_preface_is_answered_as_a_bad_http_1_request() -> None:
    with start_live_mock(Settings(port=0, accounts=1, vendors=("placewise",))) as live, connect(live) as sock:
        sock.sendall(PREFACE)
        assert sock.recv(200).split(b"\r\n")[0].endswith(b" 400 Bad Request")


def test_stopping_the_mock_closes_a_connection_that_said_nothing() -> None:
    live = start_live_mock(Settings(port=0, accounts=1, vendors=("zitadel",), grpc_on_http_port=True))
    sock = connect(live)
    try:
        time.sleep(0.1)
        live.stop()
        assert sock.recv(10) == b""
    finally:
        sock.close()
