"""Placewise's member API as bl-api-v3 documents it, through HTTP: one-time passwords, the reset by e-mail and its
token check, password change, token revocation, the signed-in member and channel verification."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.clock import ManualClock
from resetkit.env import Env
from resetkit.outbox import Message
from resetkit.vendors.placewise import CLIENT_TOKEN, CLIENT_TOKEN_WITHOUT_PERMITS, LOYALTY_CLUB

pytestmark = pytest.mark.placewise
CLIENT = {"X-Client-Authorization": CLIENT_TOKEN}
MEMBERS = f"/placewise/v3/{LOYALTY_CLUB}/members"
EMAIL, PHONE, DIGITS = "ola@example.com", "+4790000002", "4790000002"
PASSWORD, NEW_PASSWORD = "Old-Passw0rd!", "New-Passw0rd!"
HOUR, DAY = 3600, 24 * 3600


async def new_member(client: TestClient, email: str = EMAIL, phone: str | None = PHONE) -> dict[str, Any]:
    body = {"vendor": "placewise", "email": email, "password": PASSWORD, **({"phone": phone} if phone else {})}
    response = await client.post("/__admin/accounts", json=body)
    assert response.status == 201, await response.text()
    result: dict[str, Any] = await response.json()
    return result


async def sign_in(client: TestClient, password: str, identifier_type: str = "email", identifier: str = EMAIL) -> Any:
    body = {
        "grant_type": "password",
        "identifier_type": identifier_type,
        "identifier": identifier,
        "password": password,
    }
    return await client.post(f"{MEMBERS}/oauth/token", json=body, headers=CLIENT)


async def tokens(client: TestClient) -> dict[str, Any]:
    response = await sign_in(client, PASSWORD)
    assert response.status == 200
    result: dict[str, Any] = await response.json()
    return result


def member_headers(access_token: str) -> dict[str, str]:
    return {**CLIENT, "Authorization": f"Bearer {access_token}"}


def last_message(env: Env, to: str) -> Message:
    message = env.outbox.latest(vendor="placewise", to=to)
    assert message is not None, f"nothing was sent to {to}"
    return message


# One-time passwords ----------------------------------------------------------------------------------------------
OTP_PATHS = {
    "by MSISDN, by SMS": (f"by_msisdn/{DIGITS}/send_one_time_password_via_sms", PHONE, 4),
    "by e-mail, by SMS": (f"by_email/{EMAIL}/send_one_time_password_via_sms", PHONE, 4),
    "by e-mail, by e-mail": (f"by_email/{EMAIL}/send_one_time_password_via_email", EMAIL, 16),
    "by MSISDN, by e-mail": (f"by_msisdn/{DIGITS}/send_one_time_password_via_email", EMAIL, 16),
    "deprecated, by MSISDN": (f"by_msisdn/{DIGITS}/send_one_time_password", PHONE, 4),
    "deprecated, by e-mail": (f"by_email/{EMAIL}/send_one_time_password", EMAIL, 16),
}


@pytest.mark.parametrize(("path", "to", "digits"), OTP_PATHS.values(), ids=OTP_PATHS.keys())
async def test_each_one_time_password_path_sends_by_its_channel_a_password_that_signs_in(
    client: TestClient, env: Env, path: str, to: str, digits: int
) -> None:
    await new_member(client)
    sent = await client.post(f"{MEMBERS}/{path}", headers=CLIENT)
    assert sent.status == 200 and await sent.json() == {}
    message = last_message(env, to)
    assert message.channel == ("sms" if to == PHONE else "email")
    assert message.token is not None and message.token.isdigit() and len(message.token) == digits
    assert message.token in message.text
    assert (await sign_in(client, message.token)).status == 200


async def test_a_one_time_password_signs_in_by_a_digits_only_msisdn(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(f"{MEMBERS}/by_msisdn/{DIGITS}/send_one_time_password_via_sms", headers=CLIENT)
    response = await sign_in(client, last_message(env, PHONE).token or "", "msisdn", DIGITS)
    assert response.status == 200


async def test_a_one_time_password_works_once(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", headers=CLIENT)
    otp = last_message(env, EMAIL).token or ""
    assert (await sign_in(client, otp)).status == 200
    second = await sign_in(client, otp)
    assert second.status == 461 and await second.json() == {"error": "Invalid credentials"}


async def test_a_one_time_password_expires_after_an_hour(client: TestClient, env: Env, clock: ManualClock) -> None:
    await new_member(client)
    await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", headers=CLIENT)
    clock.advance(HOUR)
    assert (await sign_in(client, last_message(env, EMAIL).token or "")).status == 461


async def test_a_one_time_password_still_works_just_before_the_hour(
    client: TestClient, env: Env, clock: ManualClock
) -> None:
    await new_member(client)
    await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", headers=CLIENT)
    clock.advance(HOUR - 1)
    assert (await sign_in(client, last_message(env, EMAIL).token or "")).status == 200


async def test_a_one_time_password_does_not_sign_in_another_member(client: TestClient, env: Env) -> None:
    await new_member(client)
    await new_member(client, "kari@example.com", "+4790000003")
    await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", headers=CLIENT)
    otp = last_message(env, EMAIL).token or ""
    assert (await sign_in(client, otp, "email", "kari@example.com")).status == 461
    assert (await sign_in(client, otp)).status == 200


async def test_a_newer_one_time_password_replaces_the_older(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", headers=CLIENT)
    older = last_message(env, EMAIL).token or ""
    await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_sms", headers=CLIENT)
    assert (await sign_in(client, older)).status == 461
    assert (await sign_in(client, last_message(env, PHONE).token or "")).status == 200


async def test_the_message_carries_the_login_url_with_the_otp(client: TestClient, env: Env) -> None:
    await new_member(client)
    login_url = "https://app.example.com/login"
    await client.post(
        f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", params={"login_url": login_url}, headers=CLIENT
    )
    message = last_message(env, EMAIL)
    assert message.link == f"{login_url}?otp={message.token}"
    assert message.link in message.text and message.link in message.html


async def test_a_login_url_with_a_query_gets_the_otp_added_to_it(client: TestClient, env: Env) -> None:
    await new_member(client)
    login_url = "https://app.example.com/login?lang=nb"
    await client.post(
        f"{MEMBERS}/by_msisdn/{DIGITS}/send_one_time_password_via_sms", params={"login_url": login_url}, headers=CLIENT
    )
    message = last_message(env, PHONE)
    assert message.link == f"{login_url}&otp={message.token}"


async def test_without_login_url_the_login_link_points_at_the_default_link_base(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", headers=CLIENT)
    message = last_message(env, EMAIL)
    assert message.link == f"{env.settings.link_base('placewise')}?otp={message.token}"
    page = await client.get(message.link.removeprefix(env.settings.base_url))
    assert page.status == 200


@pytest.mark.parametrize(
    "path",
    [
        "by_email/nobody@example.com/send_one_time_password_via_email",
        "by_msisdn/4799999999/send_one_time_password_via_sms",
    ],
)
async def test_an_unknown_member_gets_404_from_the_one_time_password_paths(
    client: TestClient, env: Env, path: str
) -> None:
    response = await client.post(f"{MEMBERS}/{path}", headers=CLIENT)
    assert response.status == 404 and await response.json() == {"error": "Member not found"}
    assert len(env.outbox) == 0


async def test_a_member_without_a_mobile_number_is_texted_nothing(client: TestClient, env: Env) -> None:
    await new_member(client, phone=None)
    response = await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_sms", headers=CLIENT)
    assert response.status == 200 and len(env.outbox) == 0


async def test_a_malformed_msisdn_is_422_invalid_msisdn(client: TestClient) -> None:
    response = await client.post(f"{MEMBERS}/by_msisdn/47-abc/send_one_time_password_via_sms", headers=CLIENT)
    assert response.status == 422
    assert (await response.json())["details"] == {"msisdn": [{"error": "invalid_msisdn"}]}


async def test_one_time_passwords_need_their_permit(client: TestClient, env: Env) -> None:
    await new_member(client)
    response = await client.post(
        f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email",
        headers={"X-Client-Authorization": CLIENT_TOKEN_WITHOUT_PERMITS},
    )
    assert response.status == 403
    assert await response.json() == {"error": "Missing permit: BL:Api:Members:CreateOneTimePassword"}
    assert len(env.outbox) == 0


async def test_a_registration_password_message_carries_the_login_url_link(client: TestClient, env: Env) -> None:
    await new_member(client)
    await client.post(
        f"{MEMBERS}/by_msisdn/{DIGITS}/send_registration_password",
        params={"login_url": "https://app.example.com/register"},
        headers=CLIENT,
    )
    message = last_message(env, PHONE)
    assert message.link == f"https://app.example.com/register?otp={message.token}"
    assert (await sign_in(client, message.token or "")).status == 200


# Reset by the documented path, and the token check ------------------------------------------------------------------
async def send_reset_token(client: TestClient, env: Env, email: str = EMAIL) -> str:
    response = await client.post(f"{MEMBERS}/by_email/{email}/send_password_reset_token", headers=CLIENT)
    assert response.status == 200 and await response.json() == {}
    message = last_message(env, email)
    assert message.token is not None and message.link is not None and message.token in message.link
    return message.token


async def reset_by_email(client: TestClient, body: Any, email: str = EMAIL) -> Any:
    return await client.put(f"{MEMBERS}/by_email/{email}/reset_password", json=body, headers=CLIENT)


async def verify(client: TestClient, token: str, email: str = EMAIL, kind: str = "password_reset") -> Any:
    return await client.get(f"{MEMBERS}/by_email/{email}/verify_token/{kind}/{token}", headers=CLIENT)


async def test_reset_by_email_then_the_new_password_signs_in_and_the_old_does_not(client: TestClient, env: Env) -> None:
    await new_member(client)
    token = await send_reset_token(client, env)
    response = await reset_by_email(client, {"password": NEW_PASSWORD, "token": token})
    assert response.status == 200 and await response.json() == {}
    assert (await sign_in(client, NEW_PASSWORD)).status == 200
    assert (await sign_in(client, PASSWORD)).status == 461


async def test_a_reset_token_works_once_by_the_documented_path(client: TestClient, env: Env) -> None:
    await new_member(client)
    token = await send_reset_token(client, env)
    assert (await reset_by_email(client, {"password": NEW_PASSWORD, "token": token})).status == 200
    again = await reset_by_email(client, {"password": "Other-Passw0rd!", "token": token})
    assert again.status == 463 and await again.json() == {"error": "Invalid confirmation token"}
    assert (await sign_in(client, NEW_PASSWORD)).status == 200


async def test_a_reset_token_lasts_24_hours(client: TestClient, env: Env, clock: ManualClock) -> None:
    await new_member(client)
    token = await send_reset_token(client, env)
    clock.advance(DAY - 1)
    assert await (await verify(client, token)).json() == {"valid": True}
    clock.advance(1)
    assert await (await verify(client, token)).json() == {"valid": False}
    assert (await reset_by_email(client, {"password": NEW_PASSWORD, "token": token})).status == 463


async def test_another_members_reset_token_is_463(client: TestClient, env: Env) -> None:
    await new_member(client)
    await new_member(client, "kari@example.com", "+4790000003")
    token = await send_reset_token(client, env)
    response = await reset_by_email(client, {"password": NEW_PASSWORD, "token": token}, "kari@example.com")
    assert response.status == 463
    assert (await sign_in(client, PASSWORD, "email", "kari@example.com")).status == 200


async def test_reset_for_an_unknown_address_is_404(client: TestClient) -> None:
    response = await reset_by_email(client, {"password": NEW_PASSWORD, "token": "k4wort03j2"}, "nobody@example.com")
    assert response.status == 404 and await response.json() == {"error": "Member not found"}


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"password": NEW_PASSWORD}, "token"),
        ({"password": NEW_PASSWORD, "token": ""}, "token"),
        ({"token": "t"}, "password"),
    ],
    ids=["no token", "empty token", "no password"],
)
async def test_reset_without_a_parameter_is_400(client: TestClient, body: dict[str, str], missing: str) -> None:
    response = await reset_by_email(client, body)
    assert response.status == 400
    assert await response.json() == {"error": f"param is missing or the value is empty: {missing}"}


async def test_reset_without_a_body_is_400_naming_the_password(client: TestClient) -> None:
    response = await client.put(
        f"{MEMBERS}/by_email/{EMAIL}/reset_password", headers={**CLIENT, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await response.json() == {"error": "param is missing or the value is empty: password"}


async def test_reset_with_a_short_password_is_422_too_short(client: TestClient) -> None:
    response = await reset_by_email(client, {"password": "short", "token": "k4wort03j2"})
    assert response.status == 422
    assert (await response.json())["details"] == {"password": [{"error": "too_short", "options": {"min_length": 8}}]}


async def test_a_reset_token_for_an_unknown_address_answers_the_same_empty_object(client: TestClient, env: Env) -> None:
    response = await client.post(f"{MEMBERS}/by_email/nobody@example.com/send_password_reset_token", headers=CLIENT)
    assert response.status == 200 and await response.json() == {}
    assert len(env.outbox) == 0


async def test_verify_token_is_valid_before_use_and_not_after(client: TestClient, env: Env) -> None:
    await new_member(client)
    token = await send_reset_token(client, env)
    assert await (await verify(client, token)).json() == {"valid": True}
    assert (await reset_by_email(client, {"password": NEW_PASSWORD, "token": token})).status == 200
    assert await (await verify(client, token)).json() == {"valid": False}


async def test_verify_token_does_not_spend_the_token(client: TestClient, env: Env) -> None:
    await new_member(client)
    token = await send_reset_token(client, env)
    for _ in range(2):
        assert await (await verify(client, token)).json() == {"valid": True}
    assert (await reset_by_email(client, {"password": NEW_PASSWORD, "token": token})).status == 200


async def test_verify_token_of_another_member_is_not_valid(client: TestClient, env: Env) -> None:
    await new_member(client)
    await new_member(client, "kari@example.com", "+4790000003")
    token = await send_reset_token(client, env)
    assert await (await verify(client, token, "kari@example.com")).json() == {"valid": False}


async def test_verify_token_for_an_unknown_address_is_not_valid(client: TestClient) -> None:
    response = await verify(client, "k4wort03j2", "nobody@example.com")
    assert response.status == 200 and await response.json() == {"valid": False}


async def test_verify_token_with_an_unknown_type_is_400(client: TestClient) -> None:
    response = await verify(client, "k4wort03j2", kind="email_confirmation")
    assert response.status == 400 and await response.json() == {"error": "Invalid type"}


# Password change -------------------------------------------------------------------------------------------------
async def update_password(client: TestClient, access_token: str, current: str, new: str = NEW_PASSWORD) -> Any:
    body = {"current_password": current, "password": new}
    return await client.put(f"{MEMBERS}/me/update_password", json=body, headers=member_headers(access_token))


async def test_update_password_with_the_current_password_changes_it(client: TestClient) -> None:
    await new_member(client)
    response = await update_password(client, (await tokens(client))["access_token"], PASSWORD)
    assert response.status == 200 and await response.json() == {}
    assert (await sign_in(client, NEW_PASSWORD)).status == 200
    assert (await sign_in(client, PASSWORD)).status == 461


async def test_update_password_with_a_wrong_current_password_is_464_and_changes_nothing(client: TestClient) -> None:
    await new_member(client)
    response = await update_password(client, (await tokens(client))["access_token"], "Not-the-Passw0rd!")
    assert response.status == 464 and await response.json() == {"error": "Invalid current password"}
    assert (await sign_in(client, PASSWORD)).status == 200
    assert (await sign_in(client, NEW_PASSWORD)).status == 461


async def test_update_password_with_a_short_new_password_is_422(client: TestClient) -> None:
    await new_member(client)
    response = await update_password(client, (await tokens(client))["access_token"], PASSWORD, "short")
    assert response.status == 422


async def test_update_password_with_an_invalid_member_token_is_460(client: TestClient) -> None:
    response = await update_password(client, "not-a-token", PASSWORD)
    assert response.status == 460


async def test_update_password_without_a_member_token_is_401(client: TestClient) -> None:
    body = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    response = await client.put(f"{MEMBERS}/me/update_password", json=body, headers=CLIENT)
    assert response.status == 401 and await response.json() == {"error": "Missing member access token"}


async def test_update_password_needs_the_client_token_too(client: TestClient) -> None:
    await new_member(client)
    access_token = (await tokens(client))["access_token"]
    body = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    headers = {"Authorization": f"Bearer {access_token}"}
    response = await client.put(f"{MEMBERS}/me/update_password", json=body, headers=headers)
    assert response.status == 401 and await response.json() == {"error": "Invalid client authorization"}


# Revocation ------------------------------------------------------------------------------------------------------
async def revoke(client: TestClient, token: str) -> Any:
    return await client.post(f"{MEMBERS}/oauth/revoke", json={"token": token}, headers=CLIENT)


@pytest.mark.parametrize("revoked", ["access_token", "refresh_token"])
async def test_revoking_either_token_makes_token_info_460_and_the_refresh_grant_462(
    client: TestClient, revoked: str
) -> None:
    await new_member(client)
    issued = await tokens(client)
    response = await revoke(client, issued[revoked])
    assert response.status == 200 and await response.json() == {}
    info = await client.get(f"{MEMBERS}/oauth/token/info", headers=member_headers(issued["access_token"]))
    assert info.status == 460
    body = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    refreshed = await client.post(f"{MEMBERS}/oauth/token", json=body, headers=CLIENT)
    assert refreshed.status == 462


async def test_revoking_leaves_the_members_other_tokens_alone(client: TestClient) -> None:
    await new_member(client)
    first, second = await tokens(client), await tokens(client)
    await revoke(client, first["access_token"])
    info = await client.get(f"{MEMBERS}/oauth/token/info", headers=member_headers(second["access_token"]))
    assert info.status == 200


async def test_revoking_an_unknown_token_answers_the_empty_object(client: TestClient) -> None:
    response = await revoke(client, "no-such-token")
    assert response.status == 200 and await response.json() == {}


# The signed-in member and channel verification -------------------------------------------------------------------
async def show_member(client: TestClient) -> dict[str, Any]:
    response = await client.get(f"{MEMBERS}/me", headers=member_headers((await tokens(client))["access_token"]))
    assert response.status == 200
    result: dict[str, Any] = await response.json()
    return result


async def verify_msisdn(client: TestClient, token: str, msisdn: str = DIGITS) -> Any:
    return await client.put(f"{MEMBERS}/channels/msisdn/{msisdn}/verify", json={"token": token}, headers=CLIENT)


async def send_msisdn_verification(client: TestClient, env: Env, body: Any = None) -> Message:
    response = await client.put(f"{MEMBERS}/channels/msisdn/{DIGITS}/send_verification", json=body, headers=CLIENT)
    assert response.status == 204
    return last_message(env, PHONE)


async def test_the_signed_in_member_is_shown_in_the_member_model(client: TestClient) -> None:
    created = await new_member(client)
    member = await show_member(client)
    assert member["id"] == created["resource_owner_id"]
    assert member["properties"]["email"] == EMAIL and member["properties"]["msisdn"] == DIGITS
    assert (member["sms_status"], member["email_status"]) == ("enabled", "enabled")


async def test_a_verified_msisdn_shows_as_sms_status_verified(client: TestClient, env: Env) -> None:
    await new_member(client)
    message = await send_msisdn_verification(client, env, {"for_mobile_app": False})
    assert message.channel == "sms" and message.token is not None and message.token in (message.link or "")
    response = await verify_msisdn(client, message.token)
    assert response.status == 200 and await response.json() == {}
    assert (await show_member(client))["sms_status"] == "verified"


async def test_the_verification_sms_links_to_the_web_page_by_default(client: TestClient, env: Env) -> None:
    await new_member(client)
    message = await send_msisdn_verification(client, env)
    base = env.settings.link_base("placewise")
    assert message.link == f"{base}?msisdn={DIGITS}&verification_token={message.token}"


async def test_for_the_mobile_app_the_verification_sms_carries_a_deep_link(client: TestClient, env: Env) -> None:
    await new_member(client)
    message = await send_msisdn_verification(client, env, {"for_mobile_app": True})
    assert message.link == f"{LOYALTY_CLUB}://verify_msisdn?msisdn={DIGITS}&token={message.token}"


async def test_a_wrong_verification_token_is_463_and_verifies_nothing(client: TestClient, env: Env) -> None:
    await new_member(client)
    await send_msisdn_verification(client, env)
    response = await verify_msisdn(client, "not-the-token")
    assert response.status == 463 and await response.json() == {"error": "Invalid verification token"}
    assert (await show_member(client))["sms_status"] == "enabled"


async def test_a_verification_token_works_once(client: TestClient, env: Env) -> None:
    await new_member(client)
    token = (await send_msisdn_verification(client, env)).token or ""
    assert (await verify_msisdn(client, token)).status == 200
    assert (await verify_msisdn(client, token)).status == 463


async def test_a_verification_token_expires_after_30_days(client: TestClient, env: Env, clock: ManualClock) -> None:
    await new_member(client)
    token = (await send_msisdn_verification(client, env)).token or ""
    clock.advance(30 * DAY)
    assert (await verify_msisdn(client, token)).status == 463


async def test_verify_msisdn_for_a_number_no_member_has_is_463(client: TestClient) -> None:
    assert (await verify_msisdn(client, "some-token", "4799999999")).status == 463


async def test_verify_msisdn_without_a_token_is_400(client: TestClient) -> None:
    response = await client.put(f"{MEMBERS}/channels/msisdn/{DIGITS}/verify", json={}, headers=CLIENT)
    assert response.status == 400 and await response.json() == {
        "error": "param is missing or the value is empty: token"
    }


async def test_a_verification_for_an_unknown_msisdn_is_204_and_sends_nothing(client: TestClient, env: Env) -> None:
    response = await client.put(f"{MEMBERS}/channels/msisdn/4799999999/send_verification", headers=CLIENT)
    assert response.status == 204 and len(env.outbox) == 0


async def test_a_verified_email_shows_as_email_status_verified(client: TestClient, env: Env) -> None:
    await new_member(client)
    sent = await client.put(f"{MEMBERS}/channels/email/{EMAIL}/send_verification", headers=CLIENT)
    assert sent.status == 204
    token = last_message(env, EMAIL).token
    verified = await client.put(f"{MEMBERS}/channels/email/{EMAIL}/verify", json={"token": token}, headers=CLIENT)
    assert verified.status == 200
    member = await show_member(client)
    assert (member["email_status"], member["sms_status"]) == ("verified", "enabled")


# No secret in any answer -----------------------------------------------------------------------------------------
async def test_no_answer_carries_the_secret_it_sent(client: TestClient, env: Env) -> None:
    await new_member(client)
    answers = [
        await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_one_time_password_via_email", headers=CLIENT),
        await client.post(f"{MEMBERS}/by_msisdn/{DIGITS}/send_one_time_password_via_sms", headers=CLIENT),
        await client.post(f"{MEMBERS}/by_email/{EMAIL}/send_password_reset_token", headers=CLIENT),
        await client.put(f"{MEMBERS}/channels/msisdn/{DIGITS}/send_verification", headers=CLIENT),
        await client.put(f"{MEMBERS}/channels/email/{EMAIL}/send_verification", headers=CLIENT),
    ]
    secrets = [m.token for m in env.outbox.find(vendor="placewise") if m.token]
    assert len(secrets) == len(answers)
    for answer in answers:
        seen = await answer.text() + "".join(f"{k}: {v}\n" for k, v in answer.headers.items())
        assert not [secret for secret in secrets if secret in seen], answer.url
