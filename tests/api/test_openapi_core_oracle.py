"""A second opinion on strict mode: openapi-core, an independent validator, checks what the mock answers."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from resetkit.resources import specs_dir
from resetkit.vendors import leadsquared, placewise, socialid, zitadel

SERVERS = {
    "placewise": "https://api.mpc.dev.placewise.com",
    "zitadel": "https://zitadel.example.com",
    "socialid": "https://api.socialidnow.com",
    "leadsquared": "https://portalapi.leadsquared.com",
}
JSON = "application/json"

# (vendor, method, path, headers, body): initiations, completions with bad tokens, sign-ins, refusals.
CALLS: list[tuple[str, str, str, dict[str, str], Any]] = [
    (
        "placewise",
        "POST",
        "/v1/auth/reset_password/send",
        {"X-Loyalty-Club-Slug": placewise.LOYALTY_CLUB},
        {"identifier": "demo@placewise.resetkit.example"},
    ),
    (
        "placewise",
        "POST",
        "/v1/auth/reset_password/send",
        {"X-Loyalty-Club-Slug": placewise.LOYALTY_CLUB},
        {"identifier": "not an identifier"},
    ),
    (
        "placewise",
        "PUT",
        f"/v3/{placewise.LOYALTY_CLUB}/members/by_email/demo@placewise.resetkit.example/reset_password",
        {"X-Client-Authorization": placewise.CLIENT_TOKEN},
        {"token": "unknown", "password": "New-Passw0rd!"},
    ),
    (
        "placewise",
        "POST",
        f"/v3/{placewise.LOYALTY_CLUB}/members/oauth/token",
        {"X-Client-Authorization": placewise.CLIENT_TOKEN},
        {
            "grant_type": "password",
            "identifier_type": "email",
            "identifier": "demo@placewise.resetkit.example",
            "password": "Demo-Passw0rd!",
        },
    ),
    (
        "zitadel",
        "POST",
        f"/v2/users/{zitadel.DEMO_ID}/password_reset",
        {"Authorization": f"Bearer {zitadel.ACCESS_TOKEN}"},
        {"returnCode": {}},
    ),
    ("zitadel", "POST", "/v2/users/1/password_reset", {"Authorization": f"Bearer {zitadel.ACCESS_TOKEN}"}, {}),
    (
        "zitadel",
        "POST",
        f"/v2/users/{zitadel.DEMO_ID}/password",
        {"Authorization": f"Bearer {zitadel.ACCESS_TOKEN}"},
        {"newPassword": {"password": "New-Passw0rd!"}, "verificationCode": "ZZZZZZ"},
    ),
    ("zitadel", "GET", f"/v2/users/{zitadel.DEMO_ID}", {"Authorization": f"Bearer {zitadel.ACCESS_TOKEN}"}, None),
    (
        "socialid",
        "POST",
        "/v2/marketing/login/users/reset_password/token",
        {"Authorization": f"Bearer {socialid.LOGIN_APP_TOKEN}"},
        {"username": "john_doe"},
    ),
    (
        "socialid",
        "POST",
        "/v2/marketing/login/users/reset_password/email",
        {"Authorization": f"Bearer {socialid.LOGIN_APP_TOKEN}"},
        {"username": "nobody"},
    ),
    (
        "leadsquared",
        "POST",
        "/api/Authentication/SecureForgotPassword",
        {"Authorization": leadsquared.PUBLIC_AUTH_KEY},
        {"EmailAddress": "demo@leadsquared.resetkit.example"},
    ),
    (
        "leadsquared",
        "POST",
        "/api/Authentication/Signin",
        {"Authorization": leadsquared.PUBLIC_AUTH_KEY},
        {"EmailAddress": "demo@leadsquared.resetkit.example", "Password": "wrong"},
    ),
]


@cache
def openapi(vendor: str) -> OpenAPI:
    return OpenAPI.from_file_path(str(specs_dir() / f"{vendor}.yaml"))


@pytest.mark.parametrize(("vendor", "method", "path", "headers", "body"), CALLS, ids=lambda v: str(v)[:40])
async def test_openapi_core_accepts_the_mocks_response(
    client: TestClient, vendor: str, method: str, path: str, headers: dict[str, str], body: Any
) -> None:
    data = None if body is None else json.dumps(body)
    sent = {**headers, **({"Content-Type": JSON} if data else {})}
    response = await client.request(method, f"/{vendor}{path}", data=data, headers=sent)
    payload = await response.read()
    request = MockRequest(
        SERVERS[vendor], method.lower(), path, headers=sent, data=data, content_type=JSON if data else None
    )
    answer = MockResponse(payload, status_code=response.status, content_type=response.content_type if payload else None)
    openapi(vendor).validate_response(request, answer)  # raises with openapi-core's own explanation
