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
ADDRESS = "john_doe@domain.com"  # a seeded Social ID account


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
    response = await client.post(RESET_EMAIL, json={"email_address": ADDRESS, **body}, headers=AUTH)
    assert response.status == 201, await response.text()


async def states(client: TestClient) -> list[str]:
    messages = (await (await client.get("/__admin/outbox")).json())["messages"]
    return [message["delivery"]["state"] for message in messages]


async def refused_then_sent(client: TestClient, server: Server) -> None:
    """One e-mail the SMTP server refuses (550), then one it takes."""
    server.refuse[ADDRESS] = "550 no such user"
    await reset_email(client)

    async def failed() -> bool:
        return await states(client) == ["failed"]

    await eventually(failed)
    del server.refuse[ADDRESS]
    await reset_email(client)


async def test_a_line_break_in_a_mail_header_is_a_400_and_the_next_email_goes_out(
    relaying: tuple[TestClient, Env], server: Server
) -> None:
    client, env = relaying
    refused = await client.post(
        RESET_EMAIL, json={"email_address": ADDRESS, "subject": "Reset\r\nBcc: everyone@example.com"}, headers=AUTH
    )
    assert refused.status == 400 and len(env.outbox) == 0
    await reset_email(client)

    async def delivered() -> bool:
        return server.accepted == [ADDRESS]

    await eventually(delivered)


async def test_the_outbox_shows_each_emails_delivery(relaying: tuple[TestClient, Env], server: Server) -> None:
    client, _ = relaying
    await refused_then_sent(client, server)

    async def settled() -> bool:
        return await states(client) == ["sent", "failed"]

    await eventually(settled)


async def test_health_reports_the_relay_and_its_counts(relaying: tuple[TestClient, Env], server: Server) -> None:
    client, _ = relaying
    await refused_then_sent(client, server)

    async def counted() -> bool:
        smtp = (await (await client.get("/__admin/health")).json())["smtp"]
        return (smtp["state"], smtp["sent"], smtp["failed"], smtp["queued"]) == ("up", 1, 1, 0)

    await eventually(counted)
