"""Each vendor's initiate request, as its client record describes it (resetkit.clients), sent in-process with
aiohttp's TestClient, for tests that cover all four at once."""

from __future__ import annotations

import importlib
import uuid
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from resetkit.clients import CLIENTS, VENDORS, Request, pick
from resetkit.clients.base import Prepared, prepare, route

PASSWORD = "Old-Passw0rd!"
INITIATE: dict[str, Request] = {vendor: pick(client.initiate, "") for vendor, client in CLIENTS.items()}
# Each vendor's first way to ask for a reset that sends a body (Placewise's v3 request has none; its v1 one does).
WITH_BODY: dict[str, str] = {
    vendor: next(name for name, request in client.initiate.items() if request.json is not None or request.form)
    for vendor, client in CLIENTS.items()
}

__all__ = [
    "INITIATE",
    "WITH_BODY",
    "PASSWORD",
    "VENDORS",
    "initiate",
    "initiate_path",
    "credentials",
    "new_account",
    "prepared_initiate",
]


def initiate_path(vendor: str) -> str:
    """The initiate operation's path under the mock's `/<vendor>` mount, its parameters as templates."""
    request = INITIATE[vendor]
    return f"/{vendor}{route(request, CLIENTS[vendor].operation(request))[1]}"


async def new_account(client: TestClient, vendor: str) -> dict[str, Any]:
    email = f"{vendor}-{uuid.uuid4().hex[:8]}@example.org"
    response = await client.post("/__admin/accounts", json={"vendor": vendor, "email": email, "password": PASSWORD})
    assert response.status == 201, await response.text()
    account: dict[str, Any] = await response.json()
    return account


def credentials(vendor: str) -> dict[str, str]:
    """The mock's dev credentials for `vendor`, from its server record (no request: nothing is logged)."""
    found: dict[str, str] = importlib.import_module(f"resetkit.vendors.{vendor}").VENDOR.credentials()
    return found


def prepared_initiate(
    vendor: str, account: dict[str, Any], surface: str = "", identifier: str | None = None
) -> Prepared:
    """The initiate request (on `surface`, else the record's first) for `account` or `identifier`, filled in with the
    mock's credentials."""
    record = CLIENTS[vendor]
    request = pick(record.initiate, surface)
    values = record.values(credentials(vendor), identifier=identifier or account[record.identifier])
    return prepare(request, record.operation(request), values)


async def initiate(
    client: TestClient, vendor: str, account: dict[str, Any], headers: dict[str, str] | None = None, surface: str = ""
) -> ClientResponse:
    call = prepared_initiate(vendor, account, surface)
    sent = {**call.headers, **(headers or {})}
    return await client.request(call.method, f"/{vendor}{call.path}", json=call.json, params=call.query, headers=sent)
