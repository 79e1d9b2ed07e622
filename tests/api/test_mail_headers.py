"""No header injection through the mock's mail: a control character in any value that becomes a mail header (Social
ID's `from` and `subject`, every vendor's recipient) is a 400 (Placewise: its 422 for invalid input) in that API's
shape and nothing is sent or relayed."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.conform.mailbox import SmtpMailbox, open_mailbox
from resetkit.env import Env
from resetkit.errors import ApiError, Kind
from resetkit.outbox import Message
from resetkit.runner import free_port
from resetkit.smtp_relay import SmtpRelay
from resetkit.store.models import Account
from resetkit.vendors.socialid import LOGIN_APP_TOKEN
from resetkit.vendors.zitadel import ACCESS_TOKEN

from .calls import INITIATE, VENDORS, initiate, new_account, prepared_initiate

# CR LF (the classic), a bare LF, a tab, NEL (C1) and the Unicode line separator
BREAKERS = {"crlf": "\r\nBcc: victim@example.net", "lf": "\nBcc: victim@example.net", "tab": "\t", "nel": "\x85"}
BREAKERS["line-separator"] = "\u2028Bcc: victim@example.net"
SOCIALID_PATHS = ("/v2/marketing/login/users/reset_password/email", "/v2/marketing/login/users/reset_password_email")


def rails_error(body: dict[str, Any]) -> bool:
    return set(body) >= {"error", "error_description"} and body["error"] == "bad_request"


@pytest.mark.parametrize("path", SOCIALID_PATHS, ids=["current", "legacy"])
@pytest.mark.parametrize("field", ["from", "subject"])
@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
async def test_socialid_refuses_a_control_character_in_from_and_subject(
    client: TestClient, env: Env, path: str, field: str, breaker: str
) -> None:
    value = {"from": "contact@example.com", "subject": "Reset"}[field] + breaker
    body = {"username": "john_doe", field: value}
    response = await client.post(f"/socialid{path}", json=body, headers={"Authorization": f"Bearer {LOGIN_APP_TOKEN}"})
    assert response.status == 400 and rails_error(await response.json())
    assert env.outbox.latest(vendor="socialid") is None


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
async def test_no_vendor_gets_an_account_whose_address_has_a_control_character(
    client: TestClient, env: Env, vendor: str, breaker: str
) -> None:
    body = {"vendor": vendor, "email": f"mallory@example.org{breaker}", "password": "Old-Passw0rd!"}
    response = await client.post("/__admin/accounts", json=body)
    assert response.status == 400 and set(await response.json()) == {"error"}
    assert env.store.find_account(vendor, body["email"]) is None


ZITADEL_AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


def human(email: str) -> dict[str, Any]:
    return {"profile": {"givenName": "Mal", "familyName": "Lory"}, "email": {"email": email}}


@pytest.mark.parametrize(
    "path", ["/zitadel/v2/users/human", "/zitadel/zitadel.user.v2.UserService/AddHumanUser"], ids=["rest", "connect"]
)
@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
async def test_zitadel_add_human_user_refuses_a_control_character_in_the_email(
    client: TestClient, env: Env, path: str, breaker: str
) -> None:
    response = await client.post(path, json=human(f"mal@example.org{breaker}"), headers=ZITADEL_AUTH)
    assert response.status == 400
    assert (await response.json())["code"] in (3, "invalid_argument")  # gRPC InvalidArgument, REST or Connect
    assert env.outbox.latest(vendor="zitadel") is None


@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_stored_address_with_a_control_character_is_still_never_mailed(
    client: TestClient, env: Env, vendor: str
) -> None:
    """The last check, where the message is built: an address that got in without the specs (saved state)."""
    account = await new_account(client, vendor)
    stored = env.store.get_account(vendor, account["id"])
    assert isinstance(stored, Account)
    stored.email = stored.email + "\r\nBcc: victim@example.net"
    response = await initiate(client, vendor, account)
    path = f"/{vendor}{prepared_initiate(vendor, account).path}"
    shaped = env.vendors[vendor].error_reply(ApiError(Kind.INVALID, "x"), path, INITIATE[vendor].operation)
    assert response.status == shaped.status  # 400; Placewise's own status for invalid input is 422
    assert set(await response.json()) == set(shaped.body)
    assert env.outbox.latest(vendor=vendor) is None


def message(number: int, subject: str) -> Message:
    return Message(
        str(number), "socialid", "email", "to@example.org", "from@example.org", subject, "t", "", None, None, 0
    )


def test_the_smtp_relay_drops_a_header_breaking_message_and_keeps_relaying() -> None:
    listener = open_mailbox(f"smtp://127.0.0.1:{free_port()}", "socialid", timeout=10)
    assert isinstance(listener, SmtpMailbox)
    relay = SmtpRelay(listener.host, listener.port).start()
    try:
        relay(message(1, "Reset\r\nBcc: victim@example.net"))
        relay(message(2, "Reset your password"))
        relay.stop()
        assert [m["subject"] for m in listener.messages("socialid")] == ["Reset your password"]
    finally:
        listener.close()
