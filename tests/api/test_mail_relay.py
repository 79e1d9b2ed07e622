"""`--smtp` through HTTP: one bad e-mail never stops the rest, and the admin API shows what became of each e-mail
(`/__admin/outbox`) and the relay's state and counts (`/__admin/health`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.runner import free_port
from resetkit.vendors.socialid import LOGIN_APP_TOKEN
from tests.fixtures.app import MockFactory
from tests.fixtures.smtp import Server

RESET_EMAIL = "/socialid/v2/marketing/login/users/reset_password/email"
AUTH = {"Authorization": f"Bearer {LOGIN_APP_TOKEN}"}
WAIT_SECONDS = 10


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server(free_port()).start()
    yield running
    running.stop()


@pytest.fixture
async def relaying(make_mock: MockFactory, server: Server) -> tuple[TestClient, Env]:
    return await make_mock(smtp=f"127.0.0.1:{server.port}")


async def eventually(check: Callable[[], Any]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await check():
        assert time.monotonic() < deadline, "not within the time a delivery takes"
        await asyncio.sleep(0.02)


async def reset_email(client: TestClient, **body: str) -> None:
    response = await client.post(RESET_EMAIL, json={"email_address": "john_doe@domain.com", **body}, headers=AUTH)
    assert response.status == 201, await response.text()


async def test_an_email_with_a_line_break_in_its_subject_does_not_stop_the_next(
    relaying: tuple[TestClient, Env], server: Server
) -> None:
    client, _ = relaying
    await reset_email(client, subject="Reset\r\nBcc: everyone@example.com")
    await reset_email(client)

    async def delivered() -> bool:
        return server.accepted == ["john_doe@domain.com"]

    await eventually(delivered)


async def test_the_outbox_shows_each_emails_delivery(relaying: tuple[TestClient, Env], server: Server) -> None:
    client, _ = relaying
    await reset_email(client, **{"from": "Support\n<support@example.com>"})
    await reset_email(client)

    async def states() -> list[str]:
        messages = (await (await client.get("/__admin/outbox")).json())["messages"]
        return [message["delivery"]["state"] for message in messages]

    async def settled() -> bool:
        return await states() == ["sent", "failed"]

    await eventually(settled)


async def test_health_reports_the_relay_and_its_counts(relaying: tuple[TestClient, Env], server: Server) -> None:
    client, _ = relaying
    await reset_email(client, subject="a\nb")
    await reset_email(client)

    async def counted() -> bool:
        smtp = (await (await client.get("/__admin/health")).json())["smtp"]
        return (smtp["state"], smtp["sent"], smtp["failed"], smtp["queued"]) == ("up", 1, 1, 0)

    await eventually(counted)
