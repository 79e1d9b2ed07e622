"""CORS on every route: preflights answered before routing, validation or auth; origins echoed; opt-outs. The
vendors answer any origin; `/__admin` only loopback origins and `--cors-origin` ones."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.fixtures.app import MockFactory

from .calls import VENDORS, initiate, initiate_path, new_account

ORIGIN = "http://localhost:3000"
PATHS = [
    "/placewise/v1/auth/reset_password/send",
    "/zitadel/v2/users/310000000000000002/password_reset",
    "/zitadel/zitadel.user.v2.UserService/PasswordReset",
    "/socialid/v2/marketing/login/users/reset_password/email",
    "/leadsquared/api/Authentication/SecureForgotPassword",
    "/__admin/accounts",
    "/no/such/route",
]


def preflight(origin: str = ORIGIN, headers: str | None = "authorization,content-type") -> dict[str, str]:
    sent = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    return {**sent, "Access-Control-Request-Headers": headers} if headers else sent


@pytest.mark.parametrize("path", PATHS)
async def test_a_preflight_is_answered_with_the_requested_method_and_headers(client: TestClient, path: str) -> None:
    response = await client.options(path, headers=preflight())
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert response.headers["Access-Control-Allow-Headers"] == "authorization,content-type"
    assert "Origin" in response.headers["Vary"]


async def test_a_preflight_never_reaches_auth_or_validation(client: TestClient) -> None:
    """No credentials and a path whose parameters would fail validation: still 204."""
    response = await client.options("/zitadel/v2/users/not-a-number/password_reset", headers=preflight())
    assert response.status == 204


async def test_a_private_network_preflight_is_allowed(client: TestClient) -> None:
    headers = {**preflight(), "Access-Control-Request-Private-Network": "true"}
    response = await client.options(PATHS[0], headers=headers)
    assert response.headers["Access-Control-Allow-Private-Network"] == "true"


EVIL = "https://evil.example"


@pytest.mark.parametrize("origin", [EVIL, "null", "http://localhost.evil.example:3000"])
async def test_the_admin_api_answers_no_cors_to_another_site(client: TestClient, origin: str) -> None:
    for path in ("/__admin/outbox", "/__admin/credentials"):
        response = await client.get(path, headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers and "Origin" in response.headers["Vary"]
    headers = {**preflight(origin), "Access-Control-Request-Private-Network": "true"}
    refused = await client.options("/__admin/accounts", headers=headers)
    assert refused.status == 405
    assert not any(name.startswith("Access-Control-Allow") for name in refused.headers)


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:3000", "http://[::1]:4200"])
async def test_the_admin_api_answers_loopback_origins(client: TestClient, origin: str) -> None:
    response = await client.get("/__admin/outbox", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin
    headers = {**preflight(origin), "Access-Control-Request-Private-Network": "true"}
    allowed = await client.options("/__admin/accounts", headers=headers)
    assert allowed.status == 204 and allowed.headers["Access-Control-Allow-Private-Network"] == "true"


async def test_a_cors_origin_may_use_the_admin_api_and_narrows_the_vendors(make_mock: MockFactory) -> None:
    client, _env = await make_mock(cors_origins=("https://app.example",))
    for path in ("/__admin/outbox", PATHS[0]):
        answer = await client.options(path, headers=preflight("https://app.example"))
        assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example"
    loopback = await client.get("/__admin/outbox", headers={"Origin": ORIGIN})
    assert loopback.headers["Access-Control-Allow-Origin"] == ORIGIN  # loopback origins keep the admin API
    vendor = await client.options(PATHS[0], headers=preflight(ORIGIN))
    assert "Access-Control-Allow-Origin" not in vendor.headers  # but not the vendors, which --cors-origin narrowed


async def test_the_vendors_answer_any_origin_by_default(client: TestClient) -> None:
    response = await client.options(PATHS[0], headers=preflight(EVIL))
    assert response.status == 204 and response.headers["Access-Control-Allow-Origin"] == EVIL


@pytest.mark.parametrize("vendor", VENDORS)
async def test_every_vendor_response_carries_the_origin_and_exposed_headers(client: TestClient, vendor: str) -> None:
    response = await initiate(client, vendor, await new_account(client, vendor), {"Origin": ORIGIN})
    assert response.status < 300
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", "Location", "Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin"} <= exposed


async def test_error_and_admin_responses_carry_the_origin_too(client: TestClient) -> None:
    for response in (
        await client.post(initiate_path("leadsquared"), json={}, headers={"Origin": ORIGIN}),  # 401
        await client.get("/__admin/credentials", headers={"Origin": ORIGIN}),
        await client.get("/nowhere", headers={"Origin": ORIGIN}),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


async def test_every_response_varies_on_origin(client: TestClient) -> None:
    response = await client.get("/__admin/credentials")
    assert response.headers["Vary"] == "Origin" and "Access-Control-Allow-Origin" not in response.headers


async def test_a_plain_options_keeps_the_405_with_allow(client: TestClient) -> None:
    response = await client.options(PATHS[0])
    assert response.status == 405 and response.headers["Allow"] == "POST"


async def test_the_event_stream_carries_cors_headers(client: TestClient) -> None:
    async with client.get("/__admin/outbox/stream", headers={"Origin": ORIGIN}) as response:
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert await response.content.readline() == b"retry: 1000\n"


async def test_cors_origin_restricts_which_origins_are_answered(make_mock: MockFactory) -> None:
    client, _env = await make_mock(cors_origins=(ORIGIN,))
    allowed = await client.options(PATHS[0], headers=preflight())
    assert allowed.status == 204 and allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = await client.options(PATHS[0], headers=preflight("http://evil.example"))
    assert other.status == 405 and "Access-Control-Allow-Origin" not in other.headers
    answer = await client.get("/__admin/credentials", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers


async def test_no_cors_turns_it_all_off(make_mock: MockFactory) -> None:
    client, _env = await make_mock(cors=False)
    assert (await client.options(PATHS[0], headers=preflight())).status == 405
    response = await client.get("/__admin/credentials", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers and "Vary" not in response.headers
