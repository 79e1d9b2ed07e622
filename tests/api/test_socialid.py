"""Social ID through HTTP: reset e-mail (templates, redirect), reset token, v1 reset, OAuth sign-in."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.socialid import API_SECRET, LOGIN_APP_ID, LOGIN_APP_TOKEN

pytestmark = pytest.mark.socialid
BEARER = {"Authorization": f"Bearer {LOGIN_APP_TOKEN}"}
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{LOGIN_APP_ID}:{API_SECRET}".encode()).decode()}
USERS = "/socialid/v2/marketing/login/users"
RESET = "/socialid/v1/marketing/login/users/reset_password"
TOKEN = "/socialid/v2/marketing/oauth/token"


async def new_user(client: TestClient) -> dict[str, Any]:
    body = {"vendor": "socialid", "email": "lia@example.com", "password": "Old-Passw0rd!", "username": "lia"}
    response = await client.post("/__admin/accounts", json=body)
    assert response.status == 201
    result: dict[str, Any] = await response.json()
    return result


async def test_reset_email_is_201_without_a_body(client: TestClient, env: Env) -> None:
    await new_user(client)
    response = await client.post(f"{USERS}/reset_password/email", json={"username": "lia"}, headers=BEARER)
    assert response.status == 201 and await response.read() == b""
    assert env.outbox.latest(to="lia@example.com") is not None


async def test_the_link_goes_to_redirect_url_with_the_token(client: TestClient, env: Env) -> None:
    await new_user(client)
    body = {"email_address": "lia@example.com", "redirect_url": "https://shop.example/new-password"}
    await client.post(f"{USERS}/reset_password/email", json=body, headers=BEARER)
    message = env.outbox.latest(to="lia@example.com")
    assert message is not None and message.link == f"https://shop.example/new-password?token={message.token}"


async def test_pt_br_picks_the_portuguese_template(client: TestClient, env: Env) -> None:
    await new_user(client)
    headers = {**BEARER, "Accept-Language": "pt-br"}
    await client.post(f"{USERS}/reset_password/email", json={"username": "lia"}, headers=headers)
    message = env.outbox.latest(to="lia@example.com")
    assert message is not None and message.subject == "Cadastrar Nova Senha"


async def test_an_unsupported_language_falls_back_to_english(client: TestClient, env: Env) -> None:
    await new_user(client)
    headers = {**BEARER, "Accept-Language": "fr"}
    assert (await client.post(f"{USERS}/reset_password/email", json={"username": "lia"}, headers=headers)).status == 201
    message = env.outbox.latest(to="lia@example.com")
    assert message is not None and message.subject == "Reset Password"


async def test_an_unknown_user_is_404_in_the_rails_shape(client: TestClient) -> None:
    response = await client.post(f"{USERS}/reset_password/email", json={"username": "nobody"}, headers=BEARER)
    assert response.status == 404
    assert await response.json() == {"error": "not_found", "error_description": "user not found"}


async def test_a_missing_token_is_401_unauthorized_in_the_rails_shape(client: TestClient) -> None:
    response = await client.post(f"{USERS}/reset_password/email", json={"username": "nobody"})
    assert response.status == 401 and (await response.json())["error"] == "unauthorized"


async def test_neither_username_nor_email_is_400(client: TestClient) -> None:
    response = await client.post(f"{USERS}/reset_password/email", json={"subject": "x"}, headers=BEARER)
    assert response.status == 400


async def test_the_deprecated_alias_still_works(client: TestClient) -> None:
    await new_user(client)
    assert (await client.post(f"{USERS}/reset_password_email", json={"username": "lia"}, headers=BEARER)).status == 201


async def test_reset_with_the_token_then_sign_in_with_new_password_not_old(client: TestClient) -> None:
    await new_user(client)
    issued = await client.post(f"{USERS}/reset_password/token", json={"username": "lia"}, headers=BEARER)
    token = (await issued.json())["reset_password_token"]
    body = {"user": {"reset_password_token": token, "password": "New-Passw0rd!"}}
    assert (await client.post(RESET, json=body, headers=BASIC)).status == 201
    new = await client.post(
        TOKEN, data={"grant_type": "password", "username": "lia", "password": "New-Passw0rd!"}, headers=BASIC
    )
    assert new.status == 200
    old = await client.post(
        TOKEN, data={"grant_type": "password", "username": "lia", "password": "Old-Passw0rd!"}, headers=BASIC
    )
    assert old.status == 400 and (await old.json())["error"] == "invalid_grant"


async def test_a_used_token_is_404_and_an_expired_one_403(client: TestClient, env: Env) -> None:
    await new_user(client)
    first = await (await client.post(f"{USERS}/reset_password/token", json={"username": "lia"}, headers=BEARER)).json()
    body = {"user": {"reset_password_token": first["reset_password_token"], "password": "New-Passw0rd!"}}
    await client.post(RESET, json=body, headers=BASIC)
    assert (await client.post(RESET, json=body, headers=BASIC)).status == 404
    second = await (await client.post(f"{USERS}/reset_password/token", json={"username": "lia"}, headers=BEARER)).json()
    env.clock.advance(24 * 3600)
    body = {"user": {"reset_password_token": second["reset_password_token"], "password": "New-Passw0rd!"}}
    assert (await client.post(RESET, json=body, headers=BASIC)).status == 403


async def test_a_short_password_is_422_with_the_field_error(client: TestClient) -> None:
    await new_user(client)
    issued = await client.post(f"{USERS}/reset_password/token", json={"username": "lia"}, headers=BEARER)
    body = {"user": {"reset_password_token": (await issued.json())["reset_password_token"], "password": "Ab1!"}}
    response = await client.post(RESET, json=body, headers=BASIC)
    assert response.status == 422
    assert await response.json() == {
        "error": "unprocessable_entity",
        "error_description": "password is too short (minimum is 6 characters)",
        "errors": [{"attribute": "password", "message": "is too short (minimum is 6 characters)", "code": "too_short"}],
    }


async def test_client_credentials_issue_a_login_app_token_that_works(client: TestClient) -> None:
    await new_user(client)
    issued = await client.post(TOKEN, data={"grant_type": "client_credentials"}, headers=BASIC)
    token = (await issued.json())["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post(f"{USERS}/reset_password/email", json={"username": "lia"}, headers=headers)).status == 201


async def test_bad_login_app_credentials_are_invalid_client(client: TestClient) -> None:
    response = await client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic eDp5"}
    )
    assert response.status == 401 and (await response.json())["error"] == "invalid_client"


async def test_a_new_user_never_takes_the_id_of_an_existing_one(
    client: TestClient, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids are 5 digits: two of a few hundred new users often draw the same one, which must not replace the first."""
    draws = iter([1, 1, 2])
    monkeypatch.setattr("resetkit.vendors.socialid.secrets.randbelow", lambda _: next(draws))
    first = {"vendor": "socialid", "email": "first@example.com", "password": "Old-Passw0rd!"}
    second = {"vendor": "socialid", "email": "second@example.com", "password": "Old-Passw0rd!"}
    one = await (await client.post("/__admin/accounts", json=first)).json()
    two = await (await client.post("/__admin/accounts", json=second)).json()
    assert one["id"] != two["id"]
    assert env.store.find_account("socialid", "first@example.com") is not None
