"""`resetkit serve --host 0.0.0.0` as a user runs it: safe by default (a token made and printed with its inbox link),
or open on purpose with `--no-admin-auth` and a warning."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from resetkit.cli import ADMIN_TOKEN_VARIABLE

SERVE = [sys.executable, "-m", "resetkit", "serve", "--host", "0.0.0.0", "--port", "0", "--accounts", "0", "--no-grpc"]


def status(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def serve(*options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {k: v for k, v in os.environ.items() if k != ADMIN_TOKEN_VARIABLE}
    process = subprocess.Popen([*SERVE, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    try:
        lines = [process.stdout.readline()]
        while "/__admin/inbox" not in lines[-1] and lines[-1]:
            lines.append(process.stdout.readline())
        if "?token=" in lines[-1]:
            lines.append(process.stdout.readline())  # the made token's own line
        yield process, "".join(lines)
    finally:
        process.terminate()
        process.communicate(timeout=15)


@pytest.fixture
def with_made_token() -> Iterator[tuple[subprocess.Popen[str], str]]:
    yield from serve()


@pytest.fixture
def without_auth() -> Iterator[tuple[subprocess.Popen[str], str]]:
    yield from serve("--no-admin-auth")


def test_off_loopback_serve_makes_a_token_and_prints_it_with_the_inbox_link(
    with_made_token: tuple[subprocess.Popen[str], str],
) -> None:
    _, banner = with_made_token
    link = re.search(r"(http://127\.0\.0\.1:\d+)/__admin/inbox\?token=([A-Za-z0-9_-]+)", banner)
    assert link is not None, banner
    base, token = link.groups()
    assert f"admin token  {token}" in banner
    assert status(f"{base}/__admin/outbox") == 401
    assert status(f"{base}/__admin/outbox", {"Authorization": f"Bearer {token}"}) == 200
    assert status(f"{base}/__admin/health") == 200
    with urllib.request.urlopen(link.group(0), timeout=10) as opening:
        cookie = opening.headers["Set-Cookie"].split(";")[0]
    assert status(f"{base}/__admin/inbox", {"Cookie": cookie}) == 200


def test_no_admin_auth_leaves_it_open_with_a_one_line_warning(
    without_auth: tuple[subprocess.Popen[str], str],
) -> None:
    process, banner = without_auth
    base = re.search(r"http://127\.0\.0\.1:\d+", banner)
    assert base is not None and "?token=" not in banner and "admin token" not in banner
    assert status(f"{base.group(0)}/__admin/outbox") == 200
    process.terminate()
    _, err = process.communicate(timeout=15)
    warnings = [line for line in err.splitlines() if "--no-admin-auth" in line]
    assert len(warnings) == 1 and "can read the outbox" in warnings[0]
