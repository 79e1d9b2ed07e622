"""LeadSquared through HTTP: forgot, reset with the e-mailed link values, sign in; no enumeration; rate limit."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.leadsquared import PUBLIC_AUTH_KEY

pytestmark = pytest.mark.leadsquared
AUTH = {"Authorization": PUBLIC_AUTH_KEY}
FORGOT = "/leadsquared/api/Authentication/SecureForgotPassword"
RESET = "/leadsquared/api/Authentication/v2/ResetPassword"
SIGN_IN = "/leadsquared/api/Authentication/Signin"


async def new_lead(client: TestClient, email: str = "lead@example.com", phone: str = "+4790000001") -> dict[str, Any]:
    response = await client.post(
        "/__admin/accounts", json={"vendor": "leadsquared", "email": email, "password": "Old-Passw0rd!", "phone": phone}
    )
    assert response.status == 201
    result: dict[str, Any] = await response.json()
    return result


async def reset_link_values(client: TestClient, env: Env, email: str) -> tuple[str, str]:
    response = await client.post(FORGOT, json={"EmailAddress": email}, headers=AUTH)
    assert response.status == 200
    message = env.outbox.latest(to=email)
    assert message is not None and message.link is not None and message.token is not None
    return message.link, message.token


async def test_forgot_password_emails_a_link_with_lead_id_and_temporary_password(client: TestClient, env: Env) -> None:
    lead = await new_lead(client)
    link, token = await reset_link_values(client, env, "lead@example.com")
    assert f"LeadId={lead['id']}" in link and f"TemporaryPassword={token}" in link
    assert len(token) == 64


async def test_the_api_response_never_carries_the_temporary_password(client: TestClient) -> None:
    await new_lead(client)
    response = await client.post(FORGOT, json={"EmailAddress": "lead@example.com"}, headers=AUTH)
    assert await response.json() == {"Status": "Success", "Message": "Reset link sent successfully"}


async def test_an_unknown_email_gets_the_same_answer_and_nothing_is_sent(client: TestClient, env: Env) -> None:
    response = await client.post(FORGOT, json={"EmailAddress": "nobody@example.com"}, headers=AUTH)
    assert response.status == 200
    assert await response.json() == {"Status": "Success", "Message": "Reset link sent successfully"}
    assert env.outbox.find(to="nobody@example.com") == []


async def test_search_key_with_phone_recipient_texts_the_link(client: TestClient, env: Env) -> None:
    await new_lead(client)
    body = {
        "SearchKeyData": {"SchemaName": "EmailAddress", "Value": "lead@example.com"},
        "RecipientField": {"SchemaName": "Phone"},
    }
    assert (await client.post(FORGOT, json=body, headers=AUTH)).status == 200
    message = env.outbox.latest(to="+4790000001")
    assert message is not None and message.channel == "sms"


async def test_reset_then_sign_in_with_the_new_password_not_the_old(client: TestClient, env: Env) -> None:
    lead = await new_lead(client)
    _, token = await reset_link_values(client, env, "lead@example.com")
    body = {"Password": "New-Passw0rd!", "LeadId": lead["id"], "TemporaryPassword": token}
    response = await client.post(RESET, json=body, headers=AUTH)
    assert await response.json() == {"IsSuccessful": True, "ResponseText": "Password changed successfully"}
    new = await client.post(
        SIGN_IN, json={"EmailAddress": "lead@example.com", "Password": "New-Passw0rd!"}, headers=AUTH
    )
    assert new.status == 200 and (await new.json())["LeadId"] == lead["id"]
    old = await client.post(
        SIGN_IN, json={"EmailAddress": "lead@example.com", "Password": "Old-Passw0rd!"}, headers=AUTH
    )
    assert old.status == 401


async def test_a_temporary_password_works_once(client: TestClient, env: Env) -> None:
    lead = await new_lead(client)
    _, token = await reset_link_values(client, env, "lead@example.com")
    body = {"Password": "New-Passw0rd!", "LeadId": lead["id"], "TemporaryPassword": token}
    assert (await client.post(RESET, json=body, headers=AUTH)).status == 200
    again = await client.post(RESET, json={**body, "Password": "Other-Passw0rd!"}, headers=AUTH)
    assert again.status == 400
    assert (await again.json())["ExceptionType"] == "MXInvalidTemporaryPasswordException"


async def test_a_temporary_password_expires_after_24_hours(client: TestClient, env: Env) -> None:
    lead = await new_lead(client)
    _, token = await reset_link_values(client, env, "lead@example.com")
    env.clock.advance(24 * 3600)
    body = {"Password": "New-Passw0rd!", "LeadId": lead["id"], "TemporaryPassword": token}
    assert (await client.post(RESET, json=body, headers=AUTH)).status == 400


async def test_a_wrong_public_key_is_401_in_the_error_shape(client: TestClient) -> None:
    response = await client.post(FORGOT, json={"EmailAddress": "a@b.c"}, headers={"Authorization": "nope"})
    assert response.status == 401
    assert (await response.json())["Status"] == "Error"


async def test_the_26th_call_in_5_seconds_is_429_with_retry_after(client: TestClient) -> None:
    statuses = [(await client.post(FORGOT, json={"EmailAddress": "a@b.c"}, headers=AUTH)).status for _ in range(25)]
    assert statuses == [200] * 25
    limited = await client.post(FORGOT, json={"EmailAddress": "a@b.c"}, headers=AUTH)
    assert limited.status == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 5


async def test_calls_are_accepted_again_after_the_window(client: TestClient, env: Env) -> None:
    for _ in range(26):
        await client.post(FORGOT, json={"EmailAddress": "a@b.c"}, headers=AUTH)
    env.clock.advance(5)
    assert (await client.post(FORGOT, json={"EmailAddress": "a@b.c"}, headers=AUTH)).status == 200


async def test_public_auth_key_is_issued_for_admin_keys(client: TestClient) -> None:
    creds = (await (await client.get("/__admin/credentials")).json())["leadsquared"]
    query = {"accessKey": creds["access_key"], "secretKey": creds["secret_key"]}
    response = await client.get("/leadsquared/api/Access/PublicToken", params=query)
    assert await response.json() == {"PublicAuthKey": PUBLIC_AUTH_KEY}
