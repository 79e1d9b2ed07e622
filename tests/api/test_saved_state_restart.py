"""Saved state across processes (issue 9): a reset acknowledged before SIGKILL survives; one server per file."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from resetkit.runner import free_port

LEAD = "demo@leadsquared.resetkit.example"
LEAD_ID = "5c0e8a7e-0000-4000-8000-000000000d30"


class Server:
    """`resetkit serve --state FILE` in its own process (the real command), on a free port."""

    def __init__(self, state: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "resetkit", "serve", "--state", str(state), "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--no-grpc", "--vendor", "leadsquared"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert self.process.poll() is None, self.process.communicate()[1]
                time.sleep(0.05)
        raise AssertionError("resetkit serve did not listen within 30 s")

    def post(self, path: str, body: dict[str, str]) -> requests.Response:
        key = requests.get(f"{self.url}/__admin/credentials", timeout=5).json()["leadsquared"]["public_auth_key"]
        return requests.post(f"{self.url}{path}", json=body, headers={"Authorization": key}, timeout=5)

    def stop(self, how: signal.Signals) -> None:
        if self.process.poll() is None:
            self.process.send_signal(how)
        self.process.wait(timeout=10)
        assert self.process.stderr is not None
        self.process.stderr.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop(signal.SIGKILL)


def test_a_reset_acknowledged_before_sigkill_is_redeemed_after_the_restart(
    tmp_path: Path, servers: list[Server]
) -> None:
    state = tmp_path / "state.db"
    first = Server(state)
    servers.append(first)
    assert first.post("/api/Authentication/SecureForgotPassword", {"EmailAddress": LEAD}).status_code == 200
    first.stop(signal.SIGKILL)  # right after the answer: no shutdown, no flush
    restarted = Server(state)
    servers.append(restarted)
    message = requests.get(f"{restarted.url}/__admin/outbox", params={"to": LEAD}, timeout=5).json()["messages"][0]
    changed = restarted.post(
        "/api/Authentication/v2/ResetPassword",
        {"Password": "N3w-Passw0rd!", "LeadId": LEAD_ID, "TemporaryPassword": message["token"]},
    )
    assert changed.status_code == 200, changed.text
    signed_in = restarted.post("/api/Authentication/Signin", {"EmailAddress": LEAD, "Password": "N3w-Passw0rd!"})
    assert signed_in.status_code == 200, signed_in.text


def test_a_second_server_on_the_same_file_exits_2_naming_the_first(tmp_path: Path, servers: list[Server]) -> None:
    state = tmp_path / "state.db"
    first = Server(state)
    servers.append(first)
    second = subprocess.run(
        [sys.executable, "-m", "resetkit", "serve", "--state", str(state), "--port", "0", "--no-grpc"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 2
    assert second.stderr == (
        f"resetkit: cannot start: --state {state}: in use by another resetkit serve (pid {first.process.pid})\n"
    )
