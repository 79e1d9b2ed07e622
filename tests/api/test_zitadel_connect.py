"""ZITADEL over Connect: the same RPCs at `/<package>.<Service>/<Method>`, protobuf JSON, Connect errors."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.zitadel import DEMO_ID
from resetkit.vendors.zitadel.errors import error_detail_bytes
from tests.api.test_zitadel import AUTH, EMAIL, NEW, OLD, UNKNOWN_ID, new_user, request_reset

pytestmark = pytest.mark.zitadel
USER_SERVICE = "/zitadel/zitadel.user.v2.UserService"
SESSION_SERVICE = "/zitadel/zitadel.session.v2.SessionService"


async def rpc(client: TestClient, procedure: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    service = SESSION_SERVICE if procedure == "CreateSession" else USER_SERVICE
    return await client.post(f"{service}/{procedure}", json=body, headers=AUTH if headers is None else headers)


async def sign_in(client: TestClient, user_id: str, password: str) -> Any:
    checks = {"user": {"userId": user_id}, "password": {"password": password}}
    return await rpc(client, "CreateSession", {"checks": checks})


async def test_password_reset_with_return_code_answers_the_code(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"userId": user_id, "returnCode": {}})
    assert response.status == 200
    assert re.fullmatch("[A-Z0-9]{6}", (await response.json())["verificationCode"])
    assert env.outbox.find(vendor="zitadel") == []


async def test_only_the_user_id_emails_the_default_link(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"userId": user_id})
    assert response.status == 200 and "verificationCode" not in await response.json()
    assert env.outbox.latest(to=EMAIL) is not None


async def test_a_code_requested_over_rest_is_redeemed_over_connect(client: TestClient) -> None:
    user_id = await new_user(client)
    code = (await (await request_reset(client, user_id, {"returnCode": {}})).json())["verificationCode"]
    body = {"userId": user_id, "newPassword": {"password": NEW}, "verificationCode": code}
    assert (await rpc(client, "SetPassword", body)).status == 200
    assert (await sign_in(client, user_id, NEW)).status == 200
    assert (await sign_in(client, user_id, OLD)).status == 400


async def test_snake_case_field_names_are_accepted(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"user_id": user_id, "return_code": {}})
    assert response.status == 200 and "verificationCode" in await response.json()
    code = (await response.json())["verificationCode"]
    body = {"user_id": user_id, "new_password": {"password": NEW, "change_required": False}, "verification_code": code}
    assert (await rpc(client, "SetPassword", body)).status == 200


async def test_a_field_in_both_spellings_is_invalid_argument(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"userId": user_id, "user_id": user_id, "returnCode": {}})
    assert response.status == 400 and (await response.json())["code"] == "invalid_argument"


async def test_an_enum_given_by_number_is_understood(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"userId": user_id, "sendLink": {"notification_type": 2}})
    assert response.status == 200
    message = env.outbox.latest(vendor="zitadel")
    assert message is not None and message.channel == "sms" and message.to == "+4790000005"


async def test_unknown_fields_are_ignored(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"userId": user_id, "returnCode": {"future": 1}, "surprise": True})
    assert response.status == 200


async def test_null_for_a_message_field_means_unset(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"userId": user_id, "sendLink": None, "returnCode": {}})
    assert response.status == 200 and "verificationCode" in await response.json()


async def test_both_oneof_members_are_invalid_argument(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "PasswordReset", {"userId": user_id, "sendLink": {}, "returnCode": {}})
    assert response.status == 400 and (await response.json())["code"] == "invalid_argument"


async def test_an_unknown_user_is_not_found_with_an_error_detail(client: TestClient) -> None:
    response = await rpc(client, "PasswordReset", {"userId": UNKNOWN_ID})
    assert response.status == 404
    body = await response.json()
    assert body["code"] == "not_found" and body["message"] == "User could not be found (COMMAND-SAF4f)"
    (detail,) = body["details"]
    assert detail["type"] == "zitadel.v1.ErrorDetail"
    assert detail["debug"] == {"id": "COMMAND-SAF4f", "message": "User could not be found"}
    assert base64.b64decode(detail["value"] + "=" * (-len(detail["value"]) % 4)) == error_detail_bytes(
        "COMMAND-SAF4f", "User could not be found"
    )


def test_the_error_detail_encoding_matches_the_spec_example() -> None:
    encoded = base64.b64encode(error_detail_bytes("COMMAND-SAF4f", "User could not be found")).decode().rstrip("=")
    assert encoded == "Cg1DT01NQU5ELVNBRjRmEhdVc2VyIGNvdWxkIG5vdCBiZSBmb3VuZA"


async def test_an_expired_code_is_failed_precondition(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    returned = await rpc(client, "PasswordReset", {"userId": user_id, "returnCode": {}})
    code = (await returned.json())["verificationCode"]
    env.clock.advance(3600)
    body = {"userId": user_id, "newPassword": {"password": NEW}, "verificationCode": code}
    response = await rpc(client, "SetPassword", body)
    assert response.status == 400
    body = await response.json()
    assert body["code"] == "failed_precondition" and body["details"][0]["debug"]["id"] == "CODE-QvUQ4P"


async def test_a_policy_failure_is_invalid_argument(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await rpc(client, "SetPassword", {"userId": user_id, "newPassword": {"password": "short"}})
    assert response.status == 400
    body = await response.json()
    assert body["code"] == "invalid_argument" and body["message"] == "Password is too short (DOMAIN-HuJf6)"


async def test_a_missing_token_is_unauthenticated(client: TestClient) -> None:
    response = await rpc(client, "PasswordReset", {"userId": DEMO_ID}, headers={})
    assert response.status == 401 and (await response.json())["code"] == "unauthenticated"


async def test_a_wrong_content_type_is_415_without_a_body(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "text/plain"}
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=b'{"userId": "1"}', headers=headers)
    assert response.status == 415 and await response.read() == b""
    assert "application/json" in response.headers["Accept-Post"]


async def test_a_wrong_content_type_is_415_even_with_an_empty_body(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/xml"}
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=b"", headers=headers)
    assert response.status == 415
    assert response.headers["Accept-Post"] == "application/json, application/proto"


async def test_malformed_json_is_invalid_argument(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=b'{"userId": ', headers=headers)
    assert response.status == 400 and (await response.json())["code"] == "invalid_argument"


async def test_a_deeply_nested_json_payload_is_invalid_argument(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    body = b'{"userId": "1", "returnCode": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=body, headers=headers)
    assert response.status == 400 and (await response.json())["code"] == "invalid_argument"


async def test_a_deeply_nested_grpc_web_json_payload_is_invalid_argument(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/grpc-web+json"}
    payload = b'{"userId": "1", "returnCode": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    framed = bytes([0]) + len(payload).to_bytes(4, "big") + payload
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=framed, headers=headers)
    assert response.headers["grpc-status"] == "3"


async def test_an_empty_payload_is_invalid_argument(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=b"", headers=headers)
    assert response.status == 400 and (await response.json())["code"] == "invalid_argument"


async def test_a_protocol_version_other_than_1_is_invalid_argument(client: TestClient) -> None:
    headers = {**AUTH, "Connect-Protocol-Version": "2"}
    response = await rpc(client, "PasswordReset", {"userId": DEMO_ID, "returnCode": {}}, headers=headers)
    assert response.status == 400 and (await response.json())["code"] == "invalid_argument"


async def test_an_unknown_procedure_is_404_unimplemented(client: TestClient) -> None:
    response = await rpc(client, "DeleteEverything", {"userId": DEMO_ID})
    assert response.status == 404 and (await response.json())["code"] == "unimplemented"


async def test_a_get_on_a_procedure_is_405_in_the_connect_shape(client: TestClient) -> None:
    response = await client.get(f"{USER_SERVICE}/PasswordReset", headers=AUTH)
    assert response.status == 405 and (await response.json())["code"] == "unimplemented"


async def test_add_human_user_answers_200_and_the_user_can_be_read(client: TestClient) -> None:
    body = {
        "profile": {"given_name": "Minnie", "family_name": "Mouse"},
        "email": {"email": "minnie@example.com", "is_verified": True},
        "password": {"password": OLD},
    }
    response = await rpc(client, "AddHumanUser", body)
    assert response.status == 200
    user_id = (await response.json())["userId"]
    read = await rpc(client, "GetUserByID", {"userId": user_id})
    assert read.status == 200
    assert (await read.json())["user"]["human"]["profile"]["familyName"] == "Mouse"


async def test_get_user_by_id_for_an_unknown_user_is_not_found(client: TestClient) -> None:
    response = await rpc(client, "GetUserByID", {"userId": UNKNOWN_ID})
    assert response.status == 404 and (await response.json())["code"] == "not_found"


async def test_a_wrong_password_is_invalid_argument_with_a_credentials_check_detail(client: TestClient) -> None:
    response = await sign_in(client, DEMO_ID, "Wrong-Passw0rd!")
    assert response.status == 400
    body = await response.json()
    assert body["code"] == "invalid_argument" and body["details"][0]["type"] == "zitadel.v1.CredentialsCheckError"


async def test_create_session_answers_200_on_connect(client: TestClient) -> None:
    response = await sign_in(client, DEMO_ID, "Demo-Passw0rd!")
    assert response.status == 200
    body = await response.json()
    assert body["sessionId"] and body["sessionToken"] and isinstance(body["details"]["sequence"], str)


async def test_a_body_over_the_limit_is_413_resource_exhausted(client: TestClient) -> None:
    body = b'{"userId": "1", "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=io.BytesIO(body), headers=headers)
    assert response.status == 413 and (await response.json())["code"] == "resource_exhausted"
