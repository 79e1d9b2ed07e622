"""ZITADEL over gRPC (HTTP/2, h2c) on its own port: grpcio's client with the same descriptors, on the mock's state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp.plugin import AiohttpClient

from resetkit.app import create_app
from resetkit.env import Env
from resetkit.settings import Settings
from resetkit.transports import transports_started
from resetkit.vendors.zitadel import ACCESS_TOKEN, protos
from resetkit.vendors.zitadel.errors import error_detail_bytes
from tests.api.test_zitadel import NEW, OLD, UNKNOWN_ID, new_user

pytestmark = pytest.mark.zitadel
METADATA = (("authorization", f"Bearer {ACCESS_TOKEN}"),)


@pytest.fixture
def settings() -> Settings:
    return Settings(strict=True, accounts=5, seed=7, vendors=("zitadel",), grpc_port=0)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings, env: Env) -> TestClient:
    app = create_app(settings, env=env)
    result: TestClient = await aiohttp_client(app)
    await transports_started(app)
    return result


@pytest.fixture
async def channel(client: TestClient, env: Env) -> AsyncIterator[grpc.aio.Channel]:
    target = env.endpoints["zitadel"]["grpc_url"].removeprefix("http://")
    async with grpc.aio.insecure_channel(target) as opened:
        yield opened


async def call(channel: grpc.aio.Channel, path: str, request: Any, metadata: Any = METADATA) -> Any:
    rpc = protos.rpcs()[path]
    method = channel.unary_unary(
        path,
        request_serializer=lambda message: message.SerializeToString(),
        response_deserializer=protos.message_class(rpc.response.full_name).FromString,
    )
    return await method(request, metadata=metadata)


def message(name: str, **fields: Any) -> Any:
    return protos.message_class(name)(**fields)


GET_USER = "/zitadel.user.v2.UserService/GetUserByID"


def get_user(user_id: str) -> Any:
    return message("zitadel.user.v2.GetUserByIDRequest", user_id=user_id)


async def test_the_grpc_url_is_listed_with_the_credentials(client: TestClient, env: Env) -> None:
    credentials = await (await client.get("/__admin/credentials")).json()
    assert credentials["zitadel"]["grpc_url"] == env.endpoints["zitadel"]["grpc_url"]


async def test_a_reset_over_grpc_sets_the_password_and_signs_in(client: TestClient, channel: Any) -> None:
    user_id = await new_user(client)
    reset = message("zitadel.user.v2.PasswordResetRequest", user_id=user_id)
    reset.return_code.SetInParent()
    code = (await call(channel, "/zitadel.user.v2.UserService/PasswordReset", reset)).verification_code
    new_password = message("zitadel.user.v2.Password", password=NEW)
    request = message("zitadel.user.v2.SetPasswordRequest", user_id=user_id, new_password=new_password)
    request.verification_code = code
    await call(channel, "/zitadel.user.v2.UserService/SetPassword", request)
    session = message("zitadel.session.v2.CreateSessionRequest")
    session.checks.user.user_id = user_id
    session.checks.password.password = NEW
    answer = await call(channel, "/zitadel.session.v2.SessionService/CreateSession", session)
    assert answer.session_token and answer.session_id
    session.checks.password.password = OLD
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(channel, "/zitadel.session.v2.SessionService/CreateSession", session)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_error_carries_the_zitadel_error_detail(channel: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(channel, GET_USER, get_user(UNKNOWN_ID))
    assert failed.value.code() == grpc.StatusCode.NOT_FOUND
    assert failed.value.details() == "User could not be found (COMMAND-SAF4f)"
    trailing = dict(failed.value.trailing_metadata() or ())
    status = protos.message_class("google.rpc.Status").FromString(trailing["grpc-status-details-bin"])
    assert status.code == 5
    assert status.details[0].type_url == "type.googleapis.com/zitadel.v1.ErrorDetail"
    assert status.details[0].value == error_detail_bytes("COMMAND-SAF4f", "User could not be found")


async def test_no_bearer_metadata_is_unauthenticated(channel: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(channel, GET_USER, get_user("1"), ())
    assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_an_unknown_method_is_unimplemented(channel: Any) -> None:
    method = channel.unary_unary("/zitadel.user.v2.UserService/UpdateHumanUser")
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await method(b"", metadata=METADATA)
    assert failed.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_grpc_requests_are_journaled_under_the_vendors_path(client: TestClient, channel: Any, env: Env) -> None:
    with pytest.raises(grpc.aio.AioRpcError):
        await call(channel, GET_USER, get_user(UNKNOWN_ID))
    entry = env.journal[-1]
    assert entry.path == "/zitadel/zitadel.user.v2.UserService/GetUserByID" and entry.status == 404
    journal = await (await client.get("/__admin/journal", params={"vendor": "zitadel"})).json()
    assert journal["requests"][0]["operation"] == "connectGetUserById"


async def test_a_fault_on_an_operation_answers_as_a_grpc_status(client: TestClient, channel: Any, env: Env) -> None:
    fault = {"vendor": "zitadel", "operation": "connectGetUserById", "status": 503}
    assert (await client.post("/__admin/faults", json=fault)).status == 201
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(channel, GET_USER, get_user("310000000000000002"))
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "injected by resetkit" in (failed.value.details() or "")
    assert env.journal[-1].fault == "fault 1"


async def test_a_dropped_connection_fault_is_unavailable_over_grpc(client: TestClient, channel: Any) -> None:
    fault = {"vendor": "zitadel", "operation": "connectGetUserById", "drop_connection": True}
    assert (await client.post("/__admin/faults", json=fault)).status == 201
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(channel, GET_USER, get_user("310000000000000002"))
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_prefer_header_in_the_metadata_injects_over_grpc(channel: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(channel, GET_USER, get_user("310000000000000002"), (*METADATA, ("prefer", "code=429")))
    assert failed.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
