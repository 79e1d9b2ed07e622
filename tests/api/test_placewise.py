"""Placewise through HTTP: the v1 reset message redeemed by the v3 reset, member tokens and registration passwords."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.placewise import CLIENT_TOKEN, LOYALTY_CLUB

pytestmark = pytest.mark.placewise
SLUG = {"X-Loyalty-Club-Slug": LOYALTY_CLUB}
CLIENT = {"X-Client-Authorization": CLIENT_TOKEN}
SEND = "/placewise/v1/auth/reset_password/send"
MEMBERS = f"/placewise/v3/{LOYALTY_CLUB}/members"
RESET = f"{MEMBERS}/by_email/ola@example.com/reset_password"


async def new_member(client: TestClient, email: str = "ola@example.com") -> dict[str, Any]:
    response = await client.post(
        "/__admin/accounts",
        json={"vendor": "placewise", "email": email, "password": "Old-Passw0rd!", "phone": "+4790000002"},
    )
    assert response.status == 201
    result: dict[str, Any] = await response.json()
    return result


async def sign_in(client: TestClient, email: str, password: str) -> Any:
    body = {"grant_type": "password", "identifier_type": "email", "identifier": email, "password": password}
    return await client.post(f"{MEMBERS}/oauth/token", json=body, headers=CLIENT)


async def test_reset_message_is_sent_by_email_with_a_link_of_the_token_and_the_address(
    client: TestClient, env: Env
) -> None:
    await new_member(client)
    response = await client.post(SEND, json={"identifier": "ola@example.com"}, headers=SLUG)
    assert response.status == 200 and await response.json() == {}
    message = env.outbox.latest(to="ola@example.com")
    assert message is not None and message.link is not None
    assert dict(parse_qsl(urlsplit(message.link).query)) == {"token": message.token, "email": "ola@example.com"}


async def test_a_texted_reset_link_names_the_members_address_too(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(SEND, json={"identifier": "+4790000002"}, headers=SLUG)
    message = env.outbox.latest(to="+4790000002")
    assert message is not None and message.link is not None
    assert dict(parse_qsl(urlsplit(message.link).query))["email"] == "ola@example.com"


async def test_an_msisdn_identifier_gets_an_sms(client: TestClient, env: Env) -> None:
    await new_member(client)
    assert (await client.post(SEND, json={"identifier": "+4790000002"}, headers=SLUG)).status == 200
    message = env.outbox.latest(to="+4790000002")
    assert message is not None and message.channel == "sms"


async def test_an_unknown_identifier_answers_the_same_empty_object(client: TestClient, env: Env) -> None:
    response = await client.post(SEND, json={"identifier": "nobody@example.com"}, headers=SLUG)
    assert response.status == 200 and await response.json() == {}
    assert len(env.outbox) == 0


async def test_a_missing_club_header_is_470(client: TestClient) -> None:
    assert (await client.post(SEND, json={"identifier": "a@b.c"})).status == 470


async def test_an_unknown_club_is_471(client: TestClient) -> None:
    response = await client.post(SEND, json={"identifier": "a@b.c"}, headers={"X-Loyalty-Club-Slug": "no-such-club"})
    assert response.status == 471


async def test_a_blank_identifier_is_422_with_details(client: TestClient) -> None:
    response = await client.post(SEND, json={"identifier": ""}, headers=SLUG)
    assert response.status == 422
    assert await response.json() == {"error": "Invalid parameters", "details": {"identifier": [{"error": "blank"}]}}


async def test_reset_then_sign_in_with_the_new_password_not_the_old(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(SEND, json={"identifier": "ola@example.com"}, headers=SLUG)
    message = env.outbox.latest(to="ola@example.com")
    assert message is not None
    body = {"token": message.token, "password": "New-Passw0rd!"}
    assert (await client.put(RESET, json=body, headers=CLIENT)).status == 200
    assert (await sign_in(client, "ola@example.com", "New-Passw0rd!")).status == 200
    assert (await sign_in(client, "ola@example.com", "Old-Passw0rd!")).status == 461


async def test_a_confirmation_token_works_once(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(SEND, json={"identifier": "ola@example.com"}, headers=SLUG)
    message = env.outbox.latest(to="ola@example.com")
    assert message is not None
    body = {"token": message.token, "password": "New-Passw0rd!"}
    assert (await client.put(RESET, json=body, headers=CLIENT)).status == 200
    assert (await client.put(RESET, json=body, headers=CLIENT)).status == 463


async def test_a_short_password_is_422_too_short(client: TestClient) -> None:
    response = await client.put(RESET, json={"token": "t", "password": "short"}, headers=CLIENT)
    assert response.status == 422
    assert (await response.json())["details"] == {"password": [{"error": "too_short", "options": {"min_length": 8}}]}


async def test_a_missing_token_is_400(client: TestClient) -> None:
    response = await client.put(RESET, json={"password": "New-Passw0rd!"}, headers=CLIENT)
    assert response.status == 400


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "send_password_reset_token"), ("POST", "reset_password")], ids=["send", "reset"]
)
async def test_the_superseded_guesses_are_not_served(client: TestClient, method: str, path: str) -> None:
    """The inferred paths the documented by-e-mail operations replaced (specs/placewise.yaml, info.description)."""
    response = await client.request(method, f"{MEMBERS}/{path}", json={}, headers=CLIENT)
    assert response.status in (404, 405) and "error" in await response.json()


async def test_member_token_shows_its_info_and_a_bad_one_is_460(client: TestClient) -> None:
    member = await new_member(client)
    token = (await (await sign_in(client, "ola@example.com", "Old-Passw0rd!")).json())["access_token"]
    info = await client.get(f"{MEMBERS}/oauth/token/info", headers={"Authorization": f"Bearer {token}"})
    assert (await info.json())["resource_owner_id"] == member["resource_owner_id"]
    bad = await client.get(f"{MEMBERS}/oauth/token/info", headers={"Authorization": "Bearer nope"})
    assert bad.status == 460


async def test_a_registration_password_signs_the_member_in_once(client: TestClient, env: Env) -> None:
    await new_member(client)
    sent = await client.post(f"{MEMBERS}/by_email/ola@example.com/send_registration_password", headers=CLIENT)
    assert sent.status == 200
    message = env.outbox.latest(to="ola@example.com")
    assert message is not None and message.token is not None
    assert (await sign_in(client, "ola@example.com", message.token)).status == 200
    assert (await sign_in(client, "ola@example.com", message.token)).status == 461


async def test_a_wrong_password_with_an_unused_registration_password_is_461(client: TestClient) -> None:
    await new_member(client)
    sent = await client.post(f"{MEMBERS}/by_email/ola@example.com/send_registration_password", headers=CLIENT)
    assert sent.status == 200
    response = await sign_in(client, "ola@example.com", "Not-the-Passw0rd!")
    assert response.status == 461
    assert await response.json() == {"error": "Invalid credentials"}


async def test_v3_calls_need_the_client_token(client: TestClient) -> None:
    response = await client.post(f"{MEMBERS}/by_email/ola@example.com/send_registration_password")
    assert response.status == 401
