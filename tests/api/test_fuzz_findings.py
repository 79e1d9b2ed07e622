"""What the fuzz gate (`make fuzz`) found, each kept as the behaviour that is right now."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestClient

from resetkit.conform.profiles import config_dict
from resetkit.env import Env
from resetkit.vendors.placewise import CLIENT_TOKEN
from resetkit.vendors.zitadel import ACCESS_TOKEN as ZITADEL_TOKEN
from resetkit.vendors.zitadel import DEMO_ID

from .test_bad_input import ENDPOINTS, is_vendor_shape


async def raw_exchange(client: TestClient, request: bytes) -> bytes:
    """Send bytes no HTTP client would send, and read the whole answer (the server closes the connection)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    return answer


async def test_a_header_with_a_control_character_is_a_400_and_one_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    path, headers = ENDPOINTS["leadsquared"]
    request = (
        f"POST /leadsquared{path} HTTP/1.1\r\nHost: x\r\nAuthorization: {headers['Authorization']}\r\n"
        "X-Probe: a\x01b\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    ).encode()
    with caplog.at_level(logging.WARNING):
        answer = await raw_exchange(client, request)
    assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer
    served = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert [r.levelname for r in served] == ["WARNING"]
    assert served[0].exc_info is None
    assert "Invalid header value char" in served[0].getMessage()
    # ... and the server keeps serving.
    assert (await client.get("/__admin/clock")).status == 200


async def test_an_unparsable_request_line_is_a_400_without_a_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        answer = await raw_exchange(client, b"GET /__admin/clock HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# Each vendor's initiate body with a lone surrogate in a string: valid JSON syntax, but no UTF-8 text holds it.
LONE_SURROGATE = {
    "placewise": b'{"identifier": "\\ud800@example.org"}',
    "zitadel": b'{"sendLink": {"urlTemplate": "https://example.org/\\udfff"}}',
    "socialid": b'{"email_address": "\\ud800@example.org"}',
    "leadsquared": b'{"EmailAddress": "\\ud800@example.org"}',
}


@pytest.mark.parametrize("vendor", sorted(ENDPOINTS))
async def test_a_lone_surrogate_in_a_json_string_is_a_400_in_the_vendor_shape(client: TestClient, vendor: str) -> None:
    path, headers = ENDPOINTS[vendor]
    response = await client.post(
        f"/{vendor}{path}", data=LONE_SURROGATE[vendor], headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status == 400, await response.text()
    assert is_vendor_shape(vendor)(await response.json())
    assert "surrogate" in await response.text()


async def test_a_surrogate_pair_is_an_ordinary_character(client: TestClient) -> None:
    path, headers = ENDPOINTS["leadsquared"]
    body = b'{"EmailAddress": "\\ud83d\\ude00@example.org"}'  # one emoji, escaped as JSON allows
    response = await client.post(
        f"/leadsquared{path}", data=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status != 400 or "surrogate" not in await response.text()
    assert response.status < 500


async def test_an_email_path_segment_with_a_control_character_is_the_documented_422(client: TestClient) -> None:
    # JSON Schema's `format: email` lets "\x0ck@example.org" through; Placewise's own check calls it malformed.
    response = await client.post(
        "/placewise/v3/infinity-mall/members/by_email/%0Ck%40example.org/send_registration_password",
        headers={"X-Client-Authorization": CLIENT_TOKEN},
    )
    assert response.status == 422
    assert (await response.json())["details"]["email"] == [{"error": "invalid_format"}]


@pytest.mark.parametrize("operation", ["sendRegistrationPasswordEmail", "sendRegistrationPasswordSms"])
def test_the_contract_suite_counts_that_422_as_a_business_rejection(operation: str) -> None:
    credentials = {"loyalty_club_slug": "infinity-mall", "client_token": CLIENT_TOKEN, "member_token": "t"}
    config = config_dict("placewise", credentials, "http://mock/placewise", max_examples=1)
    accepted = next(
        entry["checks"]["positive_data_acceptance"]["expected-statuses"]
        for entry in config["operations"]
        if entry["include-operation-id"] == operation and "positive_data_acceptance" in entry["checks"]
    )
    assert "422" in accepted


# protojson with DiscardUnknown (ZITADEL's reader) ignores an enum name the enum lacks; the spec said it was invalid.
UNKNOWN_NAME_BODY = {"userId": DEMO_ID, "sendLink": {"notificationType": ""}}


async def test_a_zitadel_enum_name_the_enum_lacks_is_ignored(client: TestClient) -> None:
    response = await client.post(
        "/zitadel/zitadel.user.v2.UserService/PasswordReset",
        json=UNKNOWN_NAME_BODY,
        headers={"Authorization": f"Bearer {ZITADEL_TOKEN}", "Connect-Protocol-Version": "1"},
    )
    assert response.status == 200, await response.text()
    outbox = await (await client.get("/__admin/outbox?vendor=zitadel")).json()
    assert outbox["messages"][0]["channel"] == "email"  # unset: Unspecified, which means e-mail


def test_the_zitadel_spec_allows_an_enum_name_the_enum_lacks(env: Env) -> None:
    operation = env.specs["zitadel"].operations["connectPasswordReset"]
    assert operation.body is not None
    validator = operation.body.media["application/json"]
    assert validator is not None and validator.is_valid(UNKNOWN_NAME_BODY)
    assert not validator.is_valid({**UNKNOWN_NAME_BODY, "sendLink": {"notificationType": True}})
