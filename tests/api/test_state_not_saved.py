"""`--state` when the file cannot be written: the request answers the documented 503 in its API's shape, the log
names SQLite's own error, and nothing the request changed is kept (in memory, or on disk by a later commit).

The file is made read-only for SQLite (`PRAGMA query_only`), so every write fails as on a read-only disk; the full
disk itself is tests/robustness/test_full_disk.py."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.store.sqlite import SQLiteStore
from resetkit.vendors.placewise import CLIENT_TOKEN, LOYALTY_CLUB
from resetkit.vendors.zitadel import ACCESS_TOKEN
from tests.fixtures.app import MockFactory

from .calls import VENDORS, initiate, new_account

CLIENT = {"X-Client-Authorization": CLIENT_TOKEN}
MEMBERS = f"/placewise/v3/{LOYALTY_CLUB}/members"
NEW = {"vendor": "placewise", "email": "ola@example.com", "password": "Old-Passw0rd!"}


def read_only(env: Env, on: bool = True) -> None:
    """Every write of the store's file fails from now on (SQLite: attempt to write a readonly database)."""
    assert isinstance(env.store, SQLiteStore)
    env.store._db.execute(f"PRAGMA query_only = {int(on)}")


@pytest.fixture
async def saved(make_mock: MockFactory, tmp_path: Path) -> tuple[TestClient, Env]:
    return await make_mock(state_file=str(tmp_path / "state.db"))


@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_request_that_cannot_be_saved_answers_the_documented_503(
    vendor: str, saved: tuple[TestClient, Env], caplog: pytest.LogCaptureFixture
) -> None:
    client, env = saved
    account = await new_account(client, vendor)
    read_only(env)
    with caplog.at_level(logging.ERROR, logger="resetkit"):
        response = await initiate(client, vendor, account)
    assert response.status == 503, await response.text()
    assert "could not save" in await response.text()
    assert "attempt to write a readonly database" in caplog.text


async def test_a_connect_call_that_cannot_be_saved_answers_unavailable(saved: tuple[TestClient, Env]) -> None:
    client, env = saved
    account = await new_account(client, "zitadel")
    read_only(env)
    response = await client.post(
        "/zitadel/zitadel.user.v2.UserService/PasswordReset",
        json={"userId": account["id"]},
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
    )
    assert response.status == 503
    assert (await response.json())["code"] == "unavailable"


async def test_a_message_of_an_unsaved_request_is_not_in_the_outbox(saved: tuple[TestClient, Env]) -> None:
    client, env = saved
    account = await new_account(client, "leadsquared")
    read_only(env)
    assert (await initiate(client, "leadsquared", account)).status == 503
    assert env.outbox.find(to=account["email"]) == []


async def test_an_account_created_under_a_503_is_not_listed(saved: tuple[TestClient, Env]) -> None:
    client, env = saved
    read_only(env)
    assert (await client.post("/__admin/accounts", json=NEW)).status == 503
    read_only(env, False)
    listed = await (await client.get("/__admin/accounts", params={"vendor": "placewise", "limit": 1000})).json()
    assert NEW["email"] not in [account["email"] for account in listed["accounts"]]


async def test_a_reset_answered_503_keeps_the_password_and_the_code(saved: tuple[TestClient, Env]) -> None:
    client, env = saved
    await client.post("/__admin/accounts", json=NEW)
    slug = {"X-Loyalty-Club-Slug": LOYALTY_CLUB}
    await client.post("/placewise/v1/auth/reset_password/send", json={"identifier": NEW["email"]}, headers=slug)
    message = env.outbox.latest(to=NEW["email"])
    assert message is not None
    body = {"token": message.token, "password": "New-Passw0rd!"}
    read_only(env)
    assert (
        await client.put(f"{MEMBERS}/by_email/{NEW['email']}/reset_password", json=body, headers=CLIENT)
    ).status == 503
    read_only(env, False)
    sign_in = {"grant_type": "password", "identifier_type": "email", "identifier": NEW["email"]}
    old = {**sign_in, "password": NEW["password"]}
    assert (await client.post(f"{MEMBERS}/oauth/token", json=old, headers=CLIENT)).status == 200
    assert (
        await client.put(f"{MEMBERS}/by_email/{NEW['email']}/reset_password", json=body, headers=CLIENT)
    ).status == 200


async def test_an_unsaved_change_never_reaches_the_file_through_a_later_commit(
    saved: tuple[TestClient, Env], tmp_path: Path
) -> None:
    client, env = saved
    read_only(env)
    assert (await client.post("/__admin/accounts", json=NEW)).status == 503
    read_only(env, False)
    other = {**NEW, "email": "kari@example.com"}
    assert (await client.post("/__admin/accounts", json=other)).status == 201
    restarted = SQLiteStore(str(tmp_path / "state.db"))
    assert restarted.find_account("placewise", other["email"]) is not None
    assert restarted.find_account("placewise", NEW["email"]) is None
