"""ZITADEL through the REST gateway: PasswordReset, SetPassword, AddHumanUser, GetUserByID and CreateSession."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from resetkit.clock import ManualClock
from resetkit.env import Env
from resetkit.vendors.zitadel import ACCESS_TOKEN, DEMO_ID, ORG_ID
from tests.fixtures.app import MockFactory

pytestmark = pytest.mark.zitadel
AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
USERS = "/zitadel/v2/users"
SESSIONS = "/zitadel/v2/sessions"
OLD = "Old-Passw0rd!"
NEW = "N3w-Passw0rd!"
EMAIL = "mia@example.com"
UNKNOWN_ID = "399999999999999999"
DETAIL = "type.googleapis.com/zitadel.v1.ErrorDetail"


async def new_user(client: TestClient, email: str = EMAIL, phone: str | None = "+4790000005") -> str:
    """A user created through the admin API with the password OLD; answers its ZITADEL user id."""
    body = {"vendor": "zitadel", "email": email, "password": OLD, "phone": phone, "given_name": "Mia"}
    response = await client.post("/__admin/accounts", json={k: v for k, v in body.items() if v is not None})
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def request_reset(client: TestClient, user_id: str, body: Any = None) -> Any:
    return await client.post(f"{USERS}/{user_id}/password_reset", json={} if body is None else body, headers=AUTH)


async def returned_code(client: TestClient, user_id: str) -> str:
    response = await request_reset(client, user_id, {"returnCode": {}})
    assert response.status == 200, await response.text()
    return str((await response.json())["verificationCode"])


async def set_password(client: TestClient, user_id: str, password: str, **verification: str) -> Any:
    body = {"newPassword": {"password": password}, **verification}
    return await client.post(f"{USERS}/{user_id}/password", json=body, headers=AUTH)


async def sign_in(client: TestClient, password: str, **user: str) -> Any:
    body = {"checks": {"user": user, "password": {"password": password}}}
    return await client.post(SESSIONS, json=body, headers=AUTH)


async def error_id(response: Any) -> str:
    body = await response.json()
    return str(body["details"][0]["id"])


def link_params(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


# PasswordReset -------------------------------------------------------------------------------------------------
async def test_return_code_answers_a_six_character_code(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"returnCode": {}})
    assert response.status == 200
    assert re.fullmatch("[A-Z0-9]{6}", (await response.json())["verificationCode"])


async def test_return_code_sends_no_message(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    await request_reset(client, user_id, {"returnCode": {}})
    assert env.outbox.find(vendor="zitadel") == []


async def test_an_empty_object_emails_the_default_link(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {})
    assert response.status == 200 and "verificationCode" not in await response.json()
    message = env.outbox.latest(to=EMAIL)
    assert message is not None and message.channel == "email" and message.link is not None
    assert message.link.startswith(f"{env.settings.base_url}/__admin/reset-page/zitadel?")
    assert link_params(message.link) == {"userID": user_id, "code": message.token, "orgID": ORG_ID}


async def test_no_body_at_all_emails_the_default_link(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await client.post(f"{USERS}/{user_id}/password_reset", headers=AUTH)
    assert response.status == 200
    assert env.outbox.latest(to=EMAIL) is not None


async def test_the_default_link_origin_ignores_the_host_header(make_mock: MockFactory) -> None:
    client, env = await make_mock(allowed_hosts=("*",))  # the Host check off: the forged Host reaches the vendor
    user_id = await new_user(client)
    await client.post(f"{USERS}/{user_id}/password_reset", json={}, headers={**AUTH, "Host": "evil.example"})
    message = env.outbox.latest(to=EMAIL)
    assert message is not None and message.link is not None
    assert message.link.startswith(f"{env.settings.base_url}/__admin/reset-page/zitadel?")


async def test_send_link_renders_the_url_template(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    template = "https://app.example/reset?user={{.UserID}}&code={{.Code}}&org={{ .OrgID }}"
    response = await request_reset(client, user_id, {"sendLink": {"urlTemplate": template}})
    assert response.status == 200
    message = env.outbox.latest(to=EMAIL)
    assert message is not None and message.token is not None
    assert message.link == f"https://app.example/reset?user={user_id}&code={message.token}&org={ORG_ID}"


@pytest.mark.parametrize("notification_type", ["NOTIFICATION_TYPE_SMS", 2])
async def test_an_sms_notification_texts_the_users_phone(client: TestClient, env: Env, notification_type: Any) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"sendLink": {"notificationType": notification_type}})
    assert response.status == 200
    message = env.outbox.latest(to="+4790000005")
    assert message is not None and message.channel == "sms" and message.token in (message.link or "")


async def test_both_oneof_members_are_400_invalid_argument(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"sendLink": {}, "returnCode": {}})
    assert response.status == 400 and (await response.json())["code"] == 3
    assert env.outbox.find(vendor="zitadel") == []


async def test_a_template_that_does_not_parse_is_400_invalid_url_template(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"sendLink": {"urlTemplate": "https://app.example/{{"}})
    assert response.status == 400
    assert await response.json() == {
        "code": 3,
        "message": "URL Template is invalid (DOMAIN-oGh5e)",
        "details": [{"@type": DETAIL, "id": "DOMAIN-oGh5e", "message": "URL Template is invalid"}],
    }


async def test_an_unknown_placeholder_is_400_invalid_url_template(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"sendLink": {"urlTemplate": "https://app.example/{{.Email}}"}})
    assert response.status == 400 and await error_id(response) == "DOMAIN-ieYa7"


async def test_an_unknown_user_is_404_user_not_found(client: TestClient) -> None:
    response = await request_reset(client, UNKNOWN_ID)
    assert response.status == 404
    assert await response.json() == {
        "code": 5,
        "message": "User could not be found (COMMAND-SAF4f)",
        "details": [{"@type": DETAIL, "id": "COMMAND-SAF4f", "message": "User could not be found"}],
    }


async def test_a_missing_token_is_401_unauthenticated(client: TestClient) -> None:
    response = await client.post(f"{USERS}/{DEMO_ID}/password_reset", json={})
    assert response.status == 401 and (await response.json())["code"] == 16


async def test_a_wrong_token_is_401_unauthenticated(client: TestClient) -> None:
    response = await client.post(f"{USERS}/{DEMO_ID}/password_reset", json={}, headers={"Authorization": "Bearer nope"})
    assert response.status == 401 and (await response.json())["code"] == 16


async def test_the_response_details_follow_the_protobuf_json_mapping(client: TestClient) -> None:
    user_id = await new_user(client)
    details = (await (await request_reset(client, user_id, {"returnCode": {}})).json())["details"]
    assert isinstance(details["sequence"], str) and details["sequence"].isdigit()
    assert details["resourceOwner"] == ORG_ID
    for key in ("changeDate", "creationDate"):
        assert details[key].endswith("Z") and datetime.fromisoformat(details[key])


async def test_each_change_raises_the_sequence(client: TestClient) -> None:
    user_id = await new_user(client)
    first = (await (await request_reset(client, user_id, {"returnCode": {}})).json())["details"]["sequence"]
    second = (await (await request_reset(client, user_id, {"returnCode": {}})).json())["details"]["sequence"]
    assert int(second) > int(first)


# The gateway reads JSON as protojson with DiscardUnknown (fidelity.md) ---------------------------------------------
async def test_unknown_fields_are_ignored(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"returnCode": {"future": 1}, "surprise": True})
    assert response.status == 200 and "verificationCode" in await response.json()


async def test_proto_field_names_are_accepted(client: TestClient) -> None:
    user_id = await new_user(client)
    code = (await (await request_reset(client, user_id, {"return_code": {}})).json())["verificationCode"]
    body = {"new_password": {"password": NEW, "change_required": False}, "verification_code": code}
    assert (await client.post(f"{USERS}/{user_id}/password", json=body, headers=AUTH)).status == 200


async def test_an_unknown_enum_number_falls_back_to_email(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    assert (await request_reset(client, user_id, {"sendLink": {"notificationType": 7}})).status == 200
    message = env.outbox.latest(vendor="zitadel")
    assert message is not None and message.channel == "email"


async def test_an_unknown_enum_name_is_ignored(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"sendLink": {"notificationType": "NOTIFICATION_TYPE_Pigeon"}})
    assert response.status == 200
    message = env.outbox.latest(vendor="zitadel")
    assert message is not None and message.channel == "email"


async def test_null_means_unset(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"sendLink": None, "returnCode": {}})
    assert response.status == 200 and "verificationCode" in await response.json()


async def test_a_field_in_both_spellings_is_400_duplicate_field(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await request_reset(client, user_id, {"returnCode": {}, "return_code": {}})
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 3 and "duplicate field" in body["message"]


async def test_malformed_json_is_400_invalid_argument(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await client.post(f"{USERS}/{DEMO_ID}/password_reset", data=b'{"returnCode": ', headers=headers)
    assert response.status == 400 and (await response.json())["code"] == 3


async def test_a_wrong_content_type_is_400_invalid_argument(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "text/plain"}
    response = await client.post(f"{USERS}/{DEMO_ID}/password_reset", data=b"{}", headers=headers)
    assert response.status == 400 and (await response.json())["code"] == 3


async def test_an_unknown_path_is_404_in_the_gateway_shape(client: TestClient) -> None:
    response = await client.post("/zitadel/v2/nothing-here", json={}, headers=AUTH)
    assert response.status == 404 and (await response.json())["code"] == 5


async def test_a_wrong_method_is_405_unimplemented(client: TestClient) -> None:
    response = await client.get(f"{USERS}/{DEMO_ID}/password_reset", headers=AUTH)
    assert response.status == 405 and (await response.json())["code"] == 12


async def test_a_body_over_the_limit_is_413_resource_exhausted(client: TestClient) -> None:
    body = b'{"returnCode": {}, "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await client.post(f"{USERS}/{DEMO_ID}/password_reset", data=io.BytesIO(body), headers=headers)
    assert response.status == 413 and (await response.json())["code"] == 8


# SetPassword with a code -------------------------------------------------------------------------------------------
async def test_the_code_sets_the_new_password(client: TestClient) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    response = await set_password(client, user_id, NEW, verificationCode=code)
    assert response.status == 200 and "details" in await response.json()


async def test_a_code_works_only_once(client: TestClient) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    await set_password(client, user_id, NEW, verificationCode=code)
    again = await set_password(client, user_id, "An0ther-Passw0rd!", verificationCode=code)
    assert again.status == 400
    body = await again.json()
    assert body["code"] == 9 and body["details"][0]["id"] == "COMMAND-2M9fs"


async def test_a_new_request_replaces_the_old_code(client: TestClient) -> None:
    user_id = await new_user(client)
    old_code = await returned_code(client, user_id)
    new_code = await returned_code(client, user_id)
    if old_code == new_code:
        pytest.skip("two random codes collided")
    response = await set_password(client, user_id, NEW, verificationCode=old_code)
    assert response.status == 400 and await error_id(response) == "CODE-woT0xc"
    assert (await set_password(client, user_id, NEW, verificationCode=new_code)).status == 200


async def test_a_code_expires_after_one_hour(client: TestClient, clock: ManualClock) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    clock.advance(3600)
    response = await set_password(client, user_id, NEW, verificationCode=code)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 9 and body["details"][0]["id"] == "CODE-QvUQ4P"


async def test_a_code_still_works_just_before_one_hour(client: TestClient, clock: ManualClock) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    clock.advance(3599)
    assert (await set_password(client, user_id, NEW, verificationCode=code)).status == 200


async def test_a_wrong_code_is_400_code_invalid(client: TestClient) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    wrong = "AAAAAA" if code != "AAAAAA" else "BBBBBB"
    response = await set_password(client, user_id, NEW, verificationCode=wrong)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 3 and body["message"] == "Code is invalid (CODE-woT0xc)"


async def test_a_code_without_a_reset_is_code_not_found(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await set_password(client, user_id, NEW, verificationCode="ABC123")
    assert response.status == 400 and await error_id(response) == "COMMAND-2M9fs"


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Sh0rt!", "DOMAIN-HuJf6"),
        ("abc", "DOMAIN-HuJf6"),  # every rule fails: the first one wins
        ("NO-LOWER-1", "DOMAIN-co3Xw"),
        ("no-upper-1", "DOMAIN-VoaRj"),
        ("No-Number-Here", "DOMAIN-ZBv4H"),
        ("NoSymbol123", "DOMAIN-ZDLwA"),
    ],
)
async def test_the_policy_reports_the_first_failing_rule(client: TestClient, password: str, expected: str) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    response = await set_password(client, user_id, password, verificationCode=code)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 3 and body["details"][0]["id"] == expected


async def test_a_policy_failure_leaves_the_code_usable(client: TestClient) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    assert (await set_password(client, user_id, "weak", verificationCode=code)).status == 400
    assert (await set_password(client, user_id, NEW, verificationCode=code)).status == 200


async def test_set_password_for_an_unknown_user_with_a_code_is_code_not_found(client: TestClient) -> None:
    response = await set_password(client, UNKNOWN_ID, NEW, verificationCode="ABC123")
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 9 and body["details"][0]["id"] == "COMMAND-2M9fs"


async def test_a_missing_new_password_is_400_password_empty(client: TestClient) -> None:
    user_id = await new_user(client)
    code = await returned_code(client, user_id)
    response = await client.post(f"{USERS}/{user_id}/password", json={"verificationCode": code}, headers=AUTH)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 3 and body["details"][0]["id"] == "COMMAND-Mf0sd"


async def test_the_administrator_path_for_an_unknown_user_is_400_user_not_found(client: TestClient) -> None:
    response = await set_password(client, UNKNOWN_ID, NEW)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 9 and body["details"][0] == {
        "@type": DETAIL,
        "id": "COMMAND-3M0fs",
        "message": "User could not be found",
    }


async def test_both_verification_members_are_400_invalid_argument(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await set_password(client, user_id, NEW, verificationCode="ABC123", currentPassword=OLD)
    assert response.status == 400 and (await response.json())["code"] == 3


# SetPassword with the current password, or as an administrator ------------------------------------------------------
async def test_the_current_password_changes_the_password(client: TestClient) -> None:
    user_id = await new_user(client)
    assert (await set_password(client, user_id, NEW, currentPassword=OLD)).status == 200
    assert (await sign_in(client, NEW, userId=user_id)).status == 201


async def test_a_wrong_current_password_is_400_password_invalid(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await set_password(client, user_id, NEW, currentPassword="Not-The-0ld!")
    assert response.status == 400
    assert (await response.json())["message"] == "Password is invalid (COMMAND-3M0fs)"


async def test_the_current_password_again_is_400_not_changed(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await set_password(client, user_id, OLD, currentPassword=OLD)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 9 and body["details"][0]["id"] == "COMMAND-Aesh5"


async def test_without_verification_the_caller_sets_the_password(client: TestClient) -> None:
    user_id = await new_user(client)
    assert (await set_password(client, user_id, NEW)).status == 200
    assert (await sign_in(client, NEW, userId=user_id)).status == 201


# AddHumanUser and GetUserByID ---------------------------------------------------------------------------------------
HUMAN = {
    "username": "minnie",
    "profile": {"givenName": "Minnie", "familyName": "Mouse"},
    "email": {"email": "minnie@example.com", "isVerified": True},
    "password": {"password": OLD},
}


async def test_add_human_user_answers_200_with_an_18_digit_id(client: TestClient) -> None:
    response = await client.post(f"{USERS}/human", json=HUMAN, headers=AUTH)
    assert response.status == 200  # http_response.success_code in @zitadel/proto 1.3.1
    body = await response.json()
    assert re.fullmatch("[0-9]{18}", body["userId"]) and body["details"]["resourceOwner"] == ORG_ID


async def test_a_created_user_can_be_read_back(client: TestClient) -> None:
    user_id = (await (await client.post(f"{USERS}/human", json=HUMAN, headers=AUTH)).json())["userId"]
    response = await client.get(f"{USERS}/{user_id}", headers=AUTH)
    assert response.status == 200
    user = (await response.json())["user"]
    assert user["userId"] == user_id and user["username"] == "minnie" and user["state"] == "USER_STATE_ACTIVE"
    assert user["human"]["email"] == {"email": "minnie@example.com", "isVerified": True}
    assert user["human"]["profile"]["givenName"] == "Minnie"


async def test_a_created_user_signs_in_with_the_initial_password(client: TestClient) -> None:
    user_id = (await (await client.post(f"{USERS}/human", json=HUMAN, headers=AUTH)).json())["userId"]
    assert (await sign_in(client, OLD, userId=user_id)).status == 201


async def test_a_weak_initial_password_is_400_with_the_policy_error(client: TestClient) -> None:
    body = {**HUMAN, "password": {"password": "weakpassword"}}
    response = await client.post(f"{USERS}/human", json=body, headers=AUTH)
    assert response.status == 400 and await error_id(response) == "DOMAIN-VoaRj"


async def test_a_taken_username_is_409_already_exists(client: TestClient) -> None:
    await client.post(f"{USERS}/human", json=HUMAN, headers=AUTH)
    response = await client.post(f"{USERS}/human", json=HUMAN, headers=AUTH)
    assert response.status == 409 and (await response.json())["code"] == 6


async def test_return_code_on_the_email_answers_the_verification_code(client: TestClient, env: Env) -> None:
    body = {**HUMAN, "email": {"email": "minnie@example.com", "returnCode": {}}}
    response = await client.post(f"{USERS}/human", json=body, headers=AUTH)
    assert response.status == 200
    assert re.fullmatch("[A-Z0-9]{6}", (await response.json())["emailCode"])
    assert env.outbox.find(to="minnie@example.com") == []


async def test_an_unverified_email_gets_a_verification_message(client: TestClient, env: Env) -> None:
    body = {**HUMAN, "email": {"email": "minnie@example.com"}}
    assert (await client.post(f"{USERS}/human", json=body, headers=AUTH)).status == 200
    message = env.outbox.latest(to="minnie@example.com")
    assert message is not None and message.subject == "Verify email"


async def test_an_unknown_organization_is_404(client: TestClient) -> None:
    body = {**HUMAN, "organization": {"orgId": "123"}}
    response = await client.post(f"{USERS}/human", json=body, headers=AUTH)
    assert response.status == 404 and (await response.json())["code"] == 5


async def test_get_user_by_id_for_an_unknown_user_is_404(client: TestClient) -> None:
    response = await client.get(f"{USERS}/{UNKNOWN_ID}", headers=AUTH)
    assert response.status == 404 and await error_id(response) == "COMMAND-SAF4f"


# CreateSession ----------------------------------------------------------------------------------------------------
async def test_the_demo_account_signs_in_by_id(client: TestClient) -> None:
    response = await sign_in(client, "Demo-Passw0rd!", userId=DEMO_ID)
    assert response.status == 201
    body = await response.json()
    assert re.fullmatch("[0-9]{18}", body["sessionId"]) and body["sessionToken"]


async def test_the_demo_account_signs_in_by_login_name(client: TestClient) -> None:
    assert (await sign_in(client, "Demo-Passw0rd!", loginName="DEMO@zitadel.resetkit.example")).status == 201


async def test_a_wrong_password_is_400_password_invalid(client: TestClient) -> None:
    response = await sign_in(client, "Wrong-Passw0rd!", userId=DEMO_ID)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 3 and body["details"][0]["id"] == "COMMAND-3M0fs"


async def test_a_session_for_an_unknown_user_is_404(client: TestClient) -> None:
    assert (await sign_in(client, "Demo-Passw0rd!", userId=UNKNOWN_ID)).status == 404


async def test_a_password_check_without_a_user_check_is_400_user_id_missing(client: TestClient) -> None:
    response = await client.post(SESSIONS, json={"checks": {"password": {"password": OLD}}}, headers=AUTH)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == 9 and body["details"][0]["id"] == "COMMAND-Sfw3f"


async def test_after_a_reset_the_new_password_signs_in_and_the_old_does_not(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    await request_reset(client, user_id, {"sendLink": {"urlTemplate": "https://app.example/?c={{.Code}}"}})
    message = env.outbox.latest(to=EMAIL)
    assert message is not None and message.token is not None
    assert (await set_password(client, user_id, NEW, verificationCode=message.token)).status == 200
    assert (await sign_in(client, NEW, userId=user_id)).status == 201
    assert (await sign_in(client, OLD, userId=user_id)).status == 400


async def test_an_unknown_gender_number_is_kept_and_read_back_as_a_number(client: TestClient) -> None:
    body = {**HUMAN, "profile": {"givenName": "Minnie", "familyName": "Mouse", "gender": 720}}
    user_id = (await (await client.post(f"{USERS}/human", json=body, headers=AUTH)).json())["userId"]
    user = (await (await client.get(f"{USERS}/{user_id}", headers=AUTH)).json())["user"]
    assert user["human"]["profile"]["gender"] == 720
