"""ZITADEL's binary wires on the HTTP port: Connect with `application/proto` and gRPC-web (binary, JSON, text), on
the same procedures, state and pipeline as Connect JSON."""

from __future__ import annotations

import base64
import struct
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.zitadel import protos
from resetkit.vendors.zitadel.errors import error_detail_bytes
from tests.api.test_zitadel import AUTH, NEW, OLD, UNKNOWN_ID, new_user

pytestmark = pytest.mark.zitadel
USER_SERVICE = "/zitadel/zitadel.user.v2.UserService"
SESSION_SERVICE = "/zitadel/zitadel.session.v2.SessionService"


def message(name: str, **fields: Any) -> Any:
    return protos.message_class(name)(**fields)


def parse(name: str, data: bytes) -> Any:
    instance = protos.message_class(name)()
    instance.ParseFromString(data)
    return instance


def framed(payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(payload)) + payload


def unframe(data: bytes) -> list[tuple[int, bytes]]:
    found, position = [], 0
    while position < len(data):
        flags, length = struct.unpack(">BI", data[position : position + 5])
        found.append((flags, data[position + 5 : position + 5 + length]))
        position += 5 + length
    return found


async def post(client: TestClient, procedure: str, data: bytes, content_type: str) -> Any:
    service = SESSION_SERVICE if procedure == "CreateSession" else USER_SERVICE
    return await client.post(f"{service}/{procedure}", data=data, headers={**AUTH, "Content-Type": content_type})


def reset_request(user_id: str) -> bytes:
    request = message("zitadel.user.v2.PasswordResetRequest", user_id=user_id)
    request.return_code.SetInParent()
    return bytes(request.SerializeToString())


# Connect, application/proto ---------------------------------------------------------------------------------------
async def test_connect_proto_answers_a_protobuf_message(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await post(client, "PasswordReset", reset_request(user_id), "application/proto")
    assert response.status == 200 and response.headers["Content-Type"] == "application/proto"
    answer = parse("zitadel.user.v2.PasswordResetResponse", await response.read())
    assert len(answer.verification_code) == 6 and answer.details.sequence > 0


async def test_a_code_from_connect_proto_is_redeemed_over_rest(client: TestClient) -> None:
    user_id = await new_user(client)
    response = await post(client, "PasswordReset", reset_request(user_id), "application/proto")
    code = parse("zitadel.user.v2.PasswordResetResponse", await response.read()).verification_code
    body = {"newPassword": {"password": NEW}, "verificationCode": code}
    assert (await client.post(f"/zitadel/v2/users/{user_id}/password", json=body, headers=AUTH)).status == 200


async def test_connect_proto_errors_are_connect_json(client: TestClient) -> None:
    response = await post(client, "PasswordReset", reset_request(UNKNOWN_ID), "application/proto")
    assert response.status == 404 and response.headers["Content-Type"].startswith("application/json")
    assert (await response.json())["code"] == "not_found"


async def test_an_empty_proto_body_is_the_empty_message(client: TestClient) -> None:
    response = await post(client, "GetUserByID", b"", "application/proto")
    assert response.status == 400  # user_id "" fails the schema's minLength, as ZITADEL's validation
    assert (await response.json())["code"] == "invalid_argument"


async def test_bytes_that_are_not_protobuf_are_invalid_argument(client: TestClient) -> None:
    response = await post(client, "GetUserByID", b"\xff\xff\xff", "application/proto")
    assert response.status == 400 and (await response.json())["code"] == "invalid_argument"


# gRPC-web ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", ["application/grpc-web", "application/grpc-web+proto"])
async def test_grpc_web_answers_a_message_frame_and_a_trailer_frame(client: TestClient, content_type: str) -> None:
    user_id = await new_user(client)
    response = await post(client, "PasswordReset", framed(reset_request(user_id)), content_type)
    assert response.status == 200 and response.headers["Content-Type"] == "application/grpc-web+proto"
    (flags, payload), (trailer_flags, trailer) = unframe(await response.read())
    assert flags == 0 and trailer_flags == 0x80
    assert len(parse("zitadel.user.v2.PasswordResetResponse", payload).verification_code) == 6
    assert b"grpc-status:0" in trailer


async def test_grpc_web_json_carries_protojson_frames(client: TestClient) -> None:
    user_id = await new_user(client)
    payload = f'{{"userId": "{user_id}", "returnCode": {{}}}}'.encode()
    response = await post(client, "PasswordReset", framed(payload), "application/grpc-web+json")
    assert response.headers["Content-Type"] == "application/grpc-web+json"
    (_, answer), _ = unframe(await response.read())
    assert b'"verificationCode"' in answer


async def test_grpc_web_text_is_base64(client: TestClient) -> None:
    user_id = await new_user(client)
    body = base64.b64encode(framed(reset_request(user_id)))
    response = await post(client, "PasswordReset", body, "application/grpc-web-text")
    assert response.headers["Content-Type"] == "application/grpc-web-text+proto"
    (_, payload), _ = unframe(base64.b64decode(await response.read()))
    assert parse("zitadel.user.v2.PasswordResetResponse", payload).verification_code


async def test_a_grpc_web_error_is_trailers_only_with_the_error_detail(client: TestClient) -> None:
    response = await post(client, "PasswordReset", framed(reset_request(UNKNOWN_ID)), "application/grpc-web+proto")
    assert response.status == 200 and await response.read() == b""
    assert response.headers["grpc-status"] == "5"
    assert unquote(response.headers["grpc-message"]) == "User could not be found (COMMAND-SAF4f)"
    encoded = response.headers["grpc-status-details-bin"]
    status = parse("google.rpc.Status", base64.b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert status.code == 5 and status.message == "User could not be found (COMMAND-SAF4f)"
    (detail,) = status.details
    assert detail.type_url == "type.googleapis.com/zitadel.v1.ErrorDetail"
    assert detail.value == error_detail_bytes("COMMAND-SAF4f", "User could not be found")


async def test_a_missing_token_is_grpc_unauthenticated(client: TestClient) -> None:
    headers = {"Content-Type": "application/grpc-web+proto"}
    response = await client.post(f"{USER_SERVICE}/PasswordReset", data=framed(reset_request("1")), headers=headers)
    assert response.headers["grpc-status"] == "16"


async def test_every_wire_signs_in_with_the_password_another_wire_set(client: TestClient, env: Env) -> None:
    user_id = await new_user(client)
    request = message("zitadel.session.v2.CreateSessionRequest")
    request.checks.user.user_id = user_id
    request.checks.password.password = OLD
    response = await post(client, "CreateSession", framed(bytes(request.SerializeToString())), "application/grpc-web")
    (_, payload), _ = unframe(await response.read())
    assert parse("zitadel.session.v2.CreateSessionResponse", payload).session_token
