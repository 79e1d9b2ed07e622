"""Bad input never reaches a 5xx: each vendor answers a 4xx in its own error shape and keeps serving."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.settings import ALL_VENDORS

# For each vendor: an operation that takes a JSON body, its headers, and a check of the vendor's error shape.
ENDPOINTS: dict[str, tuple[str, dict[str, str]]] = {
    "placewise": ("/v1/auth/reset_password/send", {"X-Loyalty-Club-Slug": "infinity-mall"}),
    "zitadel": ("/v2/users/1/password_reset", {"Authorization": "Bearer resetkit-zitadel-dev-pat"}),
    "socialid": (
        "/v2/marketing/login/users/reset_password/email",
        {"Authorization": "Bearer 0358172c0cd160dfa731c7a76284fe0c30580f3fc8d827831e9f8b1821d8124c"},
    ),
    "leadsquared": (
        "/api/Authentication/SecureForgotPassword",
        {"Authorization": "cmVzZXRraXQtbGVhZHNxdWFyZWQtcHVibGljLWF1dGgta2V5"},
    ),
}


def is_vendor_shape(vendor: str) -> Callable[[Any], bool]:
    return {
        "placewise": lambda body: isinstance(body.get("error"), str),
        "zitadel": lambda body: isinstance(body.get("code"), int | str) and "message" in body,
        "socialid": lambda body: isinstance(body.get("error"), str),
        "leadsquared": lambda body: body.get("Status") == "Error" and "ExceptionType" in body,
    }[vendor]


BAD_REQUESTS = {
    "malformed json": (b'{"identifier": ', "application/json"),
    "invalid utf-8": (b'{"identifier": "\xff\xfe"}', "application/json"),
    "wrong content type": (b'{"identifier": "a@b.c"}', "text/plain"),
    "missing content type": (b'{"identifier": "a@b.c"}', None),
    "json array": (b"[1, 2]", "application/json"),
    "body over 1 MiB": (b'{"identifier": "' + b"a" * (1024 * 1024 + 10) + b'"}', "application/json"),
    "json nested 1000 deep": (b'{"identifier": ' + b"[" * 1000 + b"]" * 1000 + b"}", "application/json"),
    "number of 5000 digits": (b'{"identifier": ' + b"9" * 5000 + b"}", "application/json"),
    "NaN": (b'{"identifier": NaN}', "application/json"),
    "string over 64 KiB": (b'{"identifier": "' + b"a" * 70_000 + b'"}', "application/json"),
}


@pytest.fixture(params=ALL_VENDORS)
def vendor(request: pytest.FixtureRequest) -> str:
    selected = request.config.getoption("--vendor")
    if selected and request.param not in selected:
        pytest.skip(f"{request.param} not selected")
    return str(request.param)


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
async def test_bad_body_is_a_4xx_in_the_vendor_shape(client: TestClient, vendor: str, case: str) -> None:
    path, headers = ENDPOINTS[vendor]
    body, content_type = BAD_REQUESTS[case]
    sent = {**headers, **({"Content-Type": content_type} if content_type else {})}
    # A stream, as aiohttp asks for large bodies (raw bytes over 1 MiB raise a ResourceWarning).
    response = await client.post(
        f"/{vendor}{path}", data=io.BytesIO(body), headers=sent, skip_auto_headers=["Content-Type"]
    )
    assert 400 <= response.status < 500, await response.text()
    payload = await response.json()
    assert is_vendor_shape(vendor)(payload), payload
    assert "Traceback" not in await response.text()
    # ... and the server keeps serving.
    assert (await client.get("/__admin/clock")).status == 200


async def test_unknown_path_is_404_in_the_vendor_shape(client: TestClient, vendor: str) -> None:
    response = await client.get(f"/{vendor}/no/such/path", headers=ENDPOINTS[vendor][1])
    assert response.status == 404
    assert is_vendor_shape(vendor)(await response.json())


async def test_wrong_method_is_405_with_allow(client: TestClient, vendor: str) -> None:
    path, headers = ENDPOINTS[vendor]
    response = await client.delete(f"/{vendor}{path}", headers=headers)
    assert response.status == 405
    assert "POST" in response.headers["Allow"]
    assert is_vendor_shape(vendor)(await response.json())


async def test_a_path_outside_every_vendor_lists_the_vendors(client: TestClient) -> None:
    response = await client.get("/nowhere")
    assert response.status == 404
    assert "/placewise" in (await response.json())["vendors"]


async def test_a_deeply_nested_body_is_400_on_the_admin_api(client: TestClient) -> None:
    body = b'{"vendor": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = await client.post("/__admin/accounts", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "deeper than 64" in (await response.json())["error"]


async def test_the_journal_shows_a_deeply_nested_body_as_text(client: TestClient, vendor: str) -> None:
    path, headers = ENDPOINTS[vendor]
    body = b"[" * 1000 + b"]" * 1000
    await client.post(f"/{vendor}{path}", data=body, headers={**headers, "Content-Type": "application/json"})
    response = await client.get("/__admin/journal", params={"limit": "1"})
    assert response.status == 200
    assert (await response.json())["requests"][0]["request"]["body"]["content"] == body.decode()


LONG = "7" * 5000
# Per vendor: a request whose JSON body carries LONG where the schema limits the length.
LONG_VALUES: dict[str, dict[str, Any]] = {
    "placewise": {"identifier": LONG},
    "zitadel": {"returnCode": {}, "userId": LONG},
    "socialid": {"username": LONG},
    "leadsquared": {"EmailAddress": LONG},
}


async def test_a_long_value_is_not_echoed_whole_in_the_error(client: TestClient, vendor: str) -> None:
    path, headers = ENDPOINTS[vendor]
    if vendor == "zitadel":
        path = "/zitadel.user.v2.UserService/PasswordReset"
    response = await client.post(f"/{vendor}{path}", json=LONG_VALUES[vendor], headers=headers)
    text = await response.text()
    assert 400 <= response.status < 500, text
    assert LONG[:100] not in text and len(text) < 1000


async def test_a_long_path_value_is_cut_in_the_message_with_its_length(client: TestClient) -> None:
    path, headers = ENDPOINTS["zitadel"]
    response = await client.post(f"/zitadel/v2/users/{LONG}/password_reset", json={}, headers=headers)
    assert response.status == 400
    message = (await response.json())["message"]
    assert message.endswith("… (5000 characters) is too long") and len(message) < 200


async def test_a_long_header_value_is_cut_in_the_message(client: TestClient) -> None:
    response = await client.post(
        "/placewise/v1/auth/reset_password/send", json={"identifier": "a@b.c"}, headers={"X-Loyalty-Club-Slug": LONG}
    )
    assert response.status == 471
    assert len((await response.json())["error"]) < 200
