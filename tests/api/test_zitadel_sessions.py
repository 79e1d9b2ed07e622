"""ZITADEL CreateSession beyond the password: OTP e-mail and SMS challenges and checks, TOTP, and the checks the
mock's users cannot pass (WebAuthN, IdP intent, recovery code), with ZITADEL's error IDs (fidelity.md)."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from aiohttp.test_utils import TestClient

from resetkit.clock import ManualClock
from resetkit.env import Env
from tests.api.test_zitadel import AUTH, EMAIL, OLD, SESSIONS, USERS, new_user

pytestmark = pytest.mark.zitadel
SECRET = pyotp.random_base32()


async def session(client: TestClient, body: dict[str, Any]) -> Any:
    return await client.post(SESSIONS, json=body, headers=AUTH)


async def error(response: Any) -> tuple[int, int, str]:
    body = await response.json()
    return response.status, body["code"], body["details"][0]["id"]


def checks(user_id: str, **more: Any) -> dict[str, Any]:
    return {"user": {"userId": user_id}, **more}


async def test_an_otp_email_challenge_with_return_code_answers_eight_digits(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await session(client, {"checks": checks(user_id), "challenges": {"otpEmail": {"returnCode": {}}}})
    assert response.status == 201
    assert re.fullmatch("[0-9]{8}", (await response.json())["challenges"]["otpEmail"])
    assert env.outbox.find(vendor="zitadel") == []


async def test_a_returned_otp_email_code_signs_in_once(client: TestClient) -> None:
    user_id = await new_user(client)
    challenged = await session(client, {"checks": checks(user_id), "challenges": {"otpEmail": {"returnCode": {}}}})
    code = (await challenged.json())["challenges"]["otpEmail"]
    assert (await session(client, {"checks": checks(user_id, otpEmail={"code": code})})).status == 201
    again = await session(client, {"checks": checks(user_id, otpEmail={"code": code})})
    assert await error(again) == (400, 9, "COMMAND-zF3g3")


async def test_a_sent_otp_email_goes_to_the_outbox_in_the_templated_link(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    template = "https://app.example/otp?code={{.Code}}&user={{.UserID}}"
    body = {"checks": checks(user_id), "challenges": {"otpEmail": {"sendCode": {"urlTemplate": template}}}}
    response = await session(client, body)
    assert response.status == 201 and (await response.json())["challenges"] == {}
    message = env.outbox.latest(to=EMAIL)
    assert message is not None and message.token is not None and re.fullmatch("[0-9]{8}", message.token)
    assert message.link == f"https://app.example/otp?code={message.token}&user={user_id}"
    assert (await session(client, {"checks": checks(user_id, otpEmail={"code": message.token})})).status == 201


async def test_an_otp_sms_challenge_is_texted_or_returned(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    await session(client, {"checks": checks(user_id), "challenges": {"otpSms": {}}})
    texted = env.outbox.latest(to="+4790000005")
    assert texted is not None and texted.channel == "sms" and texted.token
    returned = await session(client, {"checks": checks(user_id), "challenges": {"otpSms": {"returnCode": True}}})
    code = (await returned.json())["challenges"]["otpSms"]
    assert (await session(client, {"checks": checks(user_id, otpSms={"code": code})})).status == 201


async def test_an_otp_sms_challenge_needs_a_phone(client: TestClient) -> None:
    user_id = await new_user(client, email="nophone@example.com", phone=None)
    response = await session(client, {"checks": checks(user_id), "challenges": {"otpSms": {"returnCode": True}}})
    assert await error(response) == (400, 9, "COMMAND-BJ2g3")


async def test_an_otp_code_expires_after_five_minutes(client: TestClient, clock: ManualClock) -> None:
    user_id = await new_user(client)
    challenged = await session(client, {"checks": checks(user_id), "challenges": {"otpEmail": {"returnCode": {}}}})
    code = (await challenged.json())["challenges"]["otpEmail"]
    clock.advance(300)
    response = await session(client, {"checks": checks(user_id, otpEmail={"code": code})})
    assert await error(response) == (400, 9, "CODE-QvUQ4P")


async def test_a_wrong_otp_code_is_code_invalid(client: TestClient) -> None:
    user_id = await new_user(client)
    await session(client, {"checks": checks(user_id), "challenges": {"otpSms": {"returnCode": True}}})
    response = await session(client, {"checks": checks(user_id, otpSms={"code": "00000000x"})})
    assert await error(response) == (400, 3, "CODE-woT0xc")


async def totp_user(client: TestClient) -> str:
    body = {
        "profile": {"givenName": "Tia", "familyName": "Otp"},
        "email": {"email": "tia@example.com", "isVerified": True},
        "password": {"password": OLD},
        "totpSecret": SECRET,
    }
    return str((await (await client.post(f"{USERS}/human", json=body, headers=AUTH)).json())["userId"])


async def test_a_totp_code_of_the_imported_secret_signs_in(client: TestClient, clock: ManualClock) -> None:
    user_id = await totp_user(client)
    code = pyotp.TOTP(SECRET).at(int(clock.now()))
    body = {"checks": checks(user_id, password={"password": OLD}, totp={"code": code})}
    assert (await session(client, body)).status == 201


async def test_a_wrong_totp_code_is_invalid_code(client: TestClient, clock: ManualClock) -> None:
    user_id = await totp_user(client)
    wrong = f"{(int(pyotp.TOTP(SECRET).at(int(clock.now()))) + 1) % 1_000_000:06d}"
    response = await session(client, {"checks": checks(user_id, totp={"code": wrong})})
    assert await error(response) == (400, 3, "EVENT-8isk2")


async def test_totp_without_a_secret_is_not_ready(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await session(client, {"checks": checks(user_id, totp={"code": "123456"})})
    assert await error(response) == (400, 9, "COMMAND-eej1U")


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"webAuthN": {"credentialAssertionData": {"id": "x"}}}, (400, 9, "COMMAND-Ioqu5")),
        ({"idpIntent": {"idpIntentId": "1", "idpIntentToken": "dG9rZW4"}}, (403, 7, "CRYPTO-Sf4gt")),
        ({"recoveryCode": {"code": "abcde-12345"}}, (400, 3, "COMMAND-84rgg")),
    ],
)
async def test_factors_the_mock_has_none_of_fail_as_in_zitadel(
    client: TestClient, check: dict[str, Any], expected: tuple[int, int, str]
) -> None:
    user_id = await new_user(client)
    assert await error(await session(client, {"checks": checks(user_id, **check)})) == expected


async def test_a_check_without_the_user_check_is_user_id_missing(client: TestClient) -> None:
    response = await session(client, {"checks": {"otpEmail": {"code": "12345678"}}})
    assert await error(response) == (400, 9, "COMMAND-ejo2w")


async def test_failed_password_checks_are_counted_in_the_credentials_check_error(client: TestClient) -> None:
    user_id = await new_user(client)
    for attempt in (1, 2):
        response = await session(client, {"checks": checks(user_id, password={"password": "Wrong-Passw0rd!"})})
        detail = (await response.json())["details"][0]
        assert detail["@type"] == "type.googleapis.com/zitadel.v1.CredentialsCheckError"
        assert detail["failedAttempts"] == attempt
