"""Each vendor's initiate operation, called the vendor's default way, for tests that cover all four at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from resetkit.vendors.leadsquared import PUBLIC_AUTH_KEY
from resetkit.vendors.placewise import LOYALTY_CLUB
from resetkit.vendors.socialid import LOGIN_APP_TOKEN
from resetkit.vendors.zitadel import ACCESS_TOKEN

PASSWORD = "Old-Passw0rd!"


@dataclass(frozen=True)
class Initiate:
    operation: str
    path: str  # `{id}` is the account's id
    headers: dict[str, str]
    body: str  # `{email}` is the account's e-mail; a JSON object


INITIATE = {
    "placewise": Initiate(
        "sendResetPasswordMessage",
        "/placewise/v1/auth/reset_password/send",
        {"X-Loyalty-Club-Slug": LOYALTY_CLUB},
        '{"identifier": "{email}"}',
    ),
    "zitadel": Initiate(
        "passwordReset", "/zitadel/v2/users/{id}/password_reset", {"Authorization": f"Bearer {ACCESS_TOKEN}"}, "{}"
    ),
    "socialid": Initiate(
        "sendResetPasswordEmail",
        "/socialid/v2/marketing/login/users/reset_password/email",
        {"Authorization": f"Bearer {LOGIN_APP_TOKEN}"},
        '{"email_address": "{email}"}',
    ),
    "leadsquared": Initiate(
        "forgotPassword",
        "/leadsquared/api/Authentication/SecureForgotPassword",
        {"Authorization": PUBLIC_AUTH_KEY},
        '{"EmailAddress": "{email}"}',
    ),
}
VENDORS = tuple(INITIATE)


async def new_account(client: TestClient, vendor: str) -> dict[str, Any]:
    email = f"{vendor}-{uuid.uuid4().hex[:8]}@example.org"
    response = await client.post("/__admin/accounts", json={"vendor": vendor, "email": email, "password": PASSWORD})
    assert response.status == 201, await response.text()
    account: dict[str, Any] = await response.json()
    return account


async def initiate(
    client: TestClient, vendor: str, account: dict[str, Any], headers: dict[str, str] | None = None
) -> ClientResponse:
    call = INITIATE[vendor]
    body = call.body.replace("{email}", account["email"])
    sent = {**call.headers, "Content-Type": "application/json", **(headers or {})}
    return await client.post(call.path.replace("{id}", account["id"]), data=body, headers=sent)
