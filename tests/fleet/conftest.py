"""A Redis for the fleet tests (Debian's redis-server, installed here when missing) and `resetkit serve` replicas on
it, each in its own process."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.fixtures.processes import stop_process

SERVE = [sys.executable, "-m", "resetkit", "serve", "--no-grpc", "--accounts", "3", "--port", "0"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server_binary() -> str:
    """Debian's redis-server, installed with apt-get when missing; the reason to skip when it cannot be."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], capture_output=True, timeout=600)
        found = shutil.which("redis-server")
        if found:
            return found
    pytest.skip("redis-server is not installed and could not be installed (apt-get install -y redis-server)")


@dataclass
class RedisServer:
    """A redis-server on a free port in its own folder; `restart` keeps what it saved (AOF, as compose runs it)."""

    binary: str
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def command(self, *words: str) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall((f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)).encode())
            return sock.recv(65536)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = redis_server_binary()
    with tempfile.TemporaryDirectory(prefix="resetkit-redis-") as folder:
        server = RedisServer(binary, Path(folder), free_port())
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """An empty Redis for each test."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    redis_server.command("FLUSHALL")
    return redis_server.url


@dataclass
class Replica:
    process: subprocess.Popen[str]
    url: str

    def get(self, path: str, **options: object) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=10, **options)  # type: ignore[arg-type]

    def post(self, path: str, body: object, **options: object) -> requests.Response:
        return requests.post(f"{self.url}{path}", json=body, timeout=10, **options)  # type: ignore[arg-type]


def start_replica(*options: str) -> Replica:
    process = subprocess.Popen([*SERVE, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline() if ready else ""
    found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if found is None:
        stop_process(process)
        raise RuntimeError(f"resetkit serve did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
    return Replica(process, found.group(0))


@pytest.fixture
def replicas(redis_url: str) -> Iterator[Callable[..., list[Replica]]]:
    """`replicas(3)`: that many `resetkit serve` processes on the test's Redis."""
    started: list[Replica] = []

    def start(count: int, *options: str) -> list[Replica]:
        made = [start_replica("--state", redis_url, *options) for _ in range(count)]
        started.extend(made)
        return made

    yield start
    for replica in started:
        if replica.process.poll() is None:
            stop_process(replica.process)
        replica.process.communicate()
