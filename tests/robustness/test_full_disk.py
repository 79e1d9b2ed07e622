"""`resetkit serve --state` on a disk that fills up while it serves: a request whose changes cannot be saved answers
the documented 503 in the vendor's shape and changes nothing (a password stays, a code stays unused, an account is
not created), the log names SQLite's own error in one line, and once there is room again everything works and a
restart finds the state as it was answered. Starting on a file system too small for the state is exit 2, one line.

The disk is a small tmpfs mounted by the test (root, or CAP_SYS_ADMIN); where mounting is not allowed the tests skip
and say why."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from resetkit.vendors.leadsquared import PUBLIC_AUTH_KEY

from ..packaging.conftest import Served, serve, stop

AUTH = {"Authorization": PUBLIC_AUTH_KEY}
PASSWORD, NEW_PASSWORD = "Old-Passw0rd!", "New-Passw0rd!"


def mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a {size} tmpfs here (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}")


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB file system of its own, for the state file."""
    where = tmp_path / "disk"
    mount_tmpfs(where, "4m")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no room left; delete it to make room again."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 16, 1 << 12):
            while True:
                try:
                    os.write(descriptor, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(descriptor)
    return filler


def serve_on(disk: Path, log: Path) -> Served:
    command = [sys.executable, "-m", "resetkit", "serve", "--vendor", "leadsquared", "--accounts", "1", "--no-grpc"]
    return serve([*command, "--state", str(disk / "state.db")], disk.parent, log)


@pytest.fixture
def served(disk: Path) -> Iterator[Served]:
    mock = serve_on(disk, disk.parent / "log")
    yield mock
    stop(mock)


def post(served: Served, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{served.url}{path}", json=body, headers=headers or AUTH, timeout=10)


def new_lead(served: Served, email: str) -> str:
    created = post(served, "/__admin/accounts", {"vendor": "leadsquared", "email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def sign_in(served: Served, email: str, password: str) -> int:
    return post(served, "/api/Authentication/Signin", {"EmailAddress": email, "Password": password}).status_code


def temporary_password(served: Served, email: str) -> str:
    assert post(served, "/api/Authentication/SecureForgotPassword", {"EmailAddress": email}).status_code == 200
    messages = requests.get(f"{served.url}/__admin/outbox", params={"to": email}, timeout=10).json()["messages"]
    return str(messages[0]["token"])


def listed(served: Served) -> list[str]:
    found = requests.get(f"{served.url}/__admin/accounts", params={"vendor": "leadsquared"}, timeout=10).json()
    return [account["email"] for account in found["accounts"]]


def test_a_full_disk_answers_503_changes_nothing_and_a_restart_finds_what_was_answered(
    served: Served, disk: Path
) -> None:
    lead = new_lead(served, "ana@example.com")
    code = temporary_password(served, "ana@example.com")
    reset = {"Password": NEW_PASSWORD, "LeadId": lead, "TemporaryPassword": code}
    filler = fill(disk)

    refused = post(served, "/api/Authentication/ResetPassword", reset)
    assert refused.status_code == 503 and refused.json()["Status"] == "Error"
    assert post(served, "/__admin/accounts", {"vendor": "leadsquared", "email": "bo@example.com",
                                              "password": PASSWORD}).status_code == 503  # fmt: skip
    assert "bo@example.com" not in listed(served)

    filler.unlink()
    assert sign_in(served, "ana@example.com", PASSWORD) == 200  # the password the 503 did not change
    assert post(served, "/api/Authentication/ResetPassword", reset).status_code == 200  # the code is still unused
    stop(served)
    restarted = serve_on(disk, disk.parent / "log-restarted")
    try:
        assert sign_in(restarted, "ana@example.com", NEW_PASSWORD) == 200
        assert "bo@example.com" not in listed(restarted)
    finally:
        stop(restarted)
    log = served.log.read_text(encoding="utf-8")
    assert "database or disk is full" in log
    assert "Traceback" not in log and "cannot rollback" not in log


def test_starting_on_a_file_system_too_small_for_the_state_is_exit_2_with_one_line(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny"
    mount_tmpfs(tiny, "160k")  # room for the file, not for the seeded accounts
    try:
        started = subprocess.run(
            [sys.executable, "-m", "resetkit", "serve", "--port", "0", "--no-grpc", "--state", str(tiny / "state.db")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        subprocess.run(["umount", "-l", str(tiny)], check=False)
    assert started.returncode == 2
    assert started.stderr.count("\n") == 1 and "database or disk is full" in started.stderr, started.stderr
