"""See what happens: the journal keeps headers and bodies with secrets redacted, filters, and `--log-requests`."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.leadsquared import ACCESS_KEY, SECRET_KEY
from resetkit.vendors.placewise import CLIENT_TOKEN, LOYALTY_CLUB
from resetkit.vendors.socialid import API_SECRET, LOGIN_APP_ID
from tests.fixtures.app import MockFactory

from .calls import initiate, new_account

MEMBERS = f"/placewise/v3/{LOYALTY_CLUB}/members"
RESET = f"{MEMBERS}/by_email/nobody@example.org/reset_password"
BASIC = "Basic " + base64.b64encode(f"{LOGIN_APP_ID}:{API_SECRET}".encode()).decode()


async def journal(client: TestClient, **filters: Any) -> list[dict[str, Any]]:
    response = await client.get("/__admin/journal", params={k: str(v) for k, v in filters.items()})
    assert response.status == 200, await response.text()
    entries: list[dict[str, Any]] = (await response.json())["requests"]
    return entries


async def test_the_journal_keeps_request_and_response_headers_and_bodies(client: TestClient) -> None:
    account = await new_account(client, "leadsquared")
    await initiate(client, "leadsquared", account, {"X-Trace": "t-1"})
    [entry] = await journal(client, limit=1)
    assert entry["vendor"] == "leadsquared" and entry["operation"] == "forgotPassword" and entry["status"] == 200
    assert entry["request"]["headers"]["X-Trace"] == "t-1"
    assert entry["request"]["body"]["content"] == {"EmailAddress": account["email"]}
    assert entry["response"]["headers"]["Content-Type"].startswith("application/json")
    assert entry["response"]["body"]["content"]["Status"] == "Success"


async def test_credentials_in_headers_are_redacted_but_their_scheme_is_kept(client: TestClient) -> None:
    await initiate(client, "zitadel", await new_account(client, "zitadel"))
    await client.put(
        RESET,
        json={"token": "t" * 32, "password": "whatever1"},
        headers={"X-Client-Authorization": CLIENT_TOKEN},
    )
    placewise, zitadel = await journal(client, limit=2)
    assert zitadel["request"]["headers"]["Authorization"] == "Bearer [redacted]"
    assert placewise["request"]["headers"]["X-Client-Authorization"] == "[redacted]"


async def test_passwords_and_tokens_in_bodies_are_redacted(client: TestClient) -> None:
    await client.put(
        RESET,
        json={"token": "t" * 32, "password": "S3cret-Passw0rd!"},
        headers={"X-Client-Authorization": CLIENT_TOKEN},
    )
    [entry] = await journal(client, limit=1)
    assert entry["request"]["body"]["content"] == {"token": "[redacted]", "password": "[redacted]"}


async def test_a_token_in_a_response_body_is_redacted(client: TestClient, env: Env) -> None:
    account = await new_account(client, "socialid")
    await client.post(
        "/socialid/v2/marketing/login/users/reset_password/token",
        json={"email_address": account["email"]},
        headers={"Authorization": "Bearer " + env.vendors["socialid"].credentials()["login_app_token"]},
    )
    [entry] = await journal(client, limit=1)
    assert entry["response"]["body"]["content"]["reset_password_token"] == "[redacted]"
    assert "[redacted]" not in str(entry["response"]["body"]["content"]["user_id"])


async def test_form_bodies_are_redacted(client: TestClient) -> None:
    form = {"grant_type": "password", "email_address": "a@example.org", "password": "S3cret-Passw0rd!"}
    await client.post("/socialid/v2/marketing/oauth/token", data=form, headers={"Authorization": BASIC})
    [entry] = await journal(client, limit=1)
    content = entry["request"]["body"]["content"]
    assert "S3cret" not in content and "password=[redacted]" in content


async def test_secrets_in_query_strings_are_redacted(client: TestClient) -> None:
    await client.get("/leadsquared/api/Access/PublicToken", params={"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY})
    [entry] = await journal(client, limit=1)
    assert ACCESS_KEY not in entry["path"] and SECRET_KEY not in entry["path"]
    assert entry["path"].startswith("/leadsquared/api/Access/PublicToken?accessKey=[redacted]")


VERIFY = f"{MEMBERS}/by_email/ola@example.org/verify_token/password_reset/"


async def test_a_token_the_spec_marks_secret_in_the_path_is_redacted(client: TestClient) -> None:
    """verifyToken carries the reset token as a path segment (`x-secret`); the address beside it stays readable."""
    await client.get(VERIFY + "k4wort03j2secret", headers={"X-Client-Authorization": CLIENT_TOKEN})
    [entry] = await journal(client, limit=1)
    assert entry["operation"] == "verifyToken"
    assert entry["path"] == VERIFY + "[redacted]"


async def test_a_secret_path_segment_is_redacted_in_the_request_log(
    make_mock: MockFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, _env = await make_mock(log_requests=True)
    with caplog.at_level(logging.INFO, logger="resetkit.requests"):
        await client.get(VERIFY + "k4wort03j2secret?x=1", headers={"X-Client-Authorization": CLIENT_TOKEN})
    [line] = [r.getMessage() for r in caplog.records if r.name == "resetkit.requests"]
    assert "k4wort03j2secret" not in line and line.startswith(f"GET {VERIFY}[redacted]?x=1 200 verifyToken ")


async def test_journal_secrets_shows_a_secret_path_segment(make_mock: MockFactory) -> None:
    client, _env = await make_mock(journal_secrets=True)
    await client.get(VERIFY + "k4wort03j2secret", headers={"X-Client-Authorization": CLIENT_TOKEN})
    [entry] = await journal(client, limit=1)
    assert entry["path"].endswith("/password_reset/k4wort03j2secret")


async def test_links_in_headers_and_bodies_lose_their_tokens(client: TestClient) -> None:
    link = "https://shop.example/reset?token=abc123&code=XYZ789&lang=en"
    await client.post(
        "/socialid/v2/marketing/login/users/reset_password/email",
        json={"email_address": "nobody@example.org", "redirect_url": link},
        headers={"Referer": link, "Authorization": "Bearer x"},
    )
    [entry] = await journal(client, limit=1)
    shown = str(entry["request"])
    assert "abc123" not in shown and "XYZ789" not in shown and "lang=en" in shown


async def test_journal_secrets_keeps_everything(make_mock: MockFactory) -> None:
    client, _env = await make_mock(journal_secrets=True)
    body = {"token": "t" * 32, "password": "S3cret-Passw0rd!"}
    await client.put(RESET, json=body, headers={"X-Client-Authorization": CLIENT_TOKEN})
    [entry] = await journal(client, limit=1)
    assert entry["request"]["body"]["content"] == body
    assert entry["request"]["headers"]["X-Client-Authorization"] == CLIENT_TOKEN


async def test_bodies_are_kept_up_to_the_size_limit_and_still_redacted(make_mock: MockFactory) -> None:
    client, _env = await make_mock(journal_body_bytes=40)
    body = '{"password": "S3cret", "token": "' + "t" * 100 + '"}'
    await client.put(
        RESET,
        data=body,
        headers={"X-Client-Authorization": CLIENT_TOKEN, "Content-Type": "application/json"},
    )
    [entry] = await journal(client, limit=1)
    shown = entry["request"]["body"]
    assert shown["truncated"] is True and shown["size"] == len(body)
    assert "S3cret" not in shown["content"] and '"password":"[redacted]"' in shown["content"]


async def test_the_journal_filters_by_vendor_operation_and_status(client: TestClient) -> None:
    await initiate(client, "placewise", await new_account(client, "placewise"))
    await initiate(client, "leadsquared", await new_account(client, "leadsquared"))
    await client.post("/leadsquared/api/Authentication/Signin", json={"EmailAddress": "a@b.c", "Password": "x"})
    assert {e["vendor"] for e in await journal(client, vendor="leadsquared")} == {"leadsquared"}
    assert [e["operation"] for e in await journal(client, operation="sendPasswordResetTokenByEmail")] == [
        "sendPasswordResetTokenByEmail"
    ]
    assert [e["operation"] for e in await journal(client, status=401)] == ["signIn"]


async def test_the_journal_is_cleared(client: TestClient) -> None:
    await client.get("/placewise/nope")
    assert (await client.delete("/__admin/journal")).status == 204
    assert await journal(client) == []


async def test_log_requests_prints_one_line_per_request(
    make_mock: MockFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client, _env = await make_mock(log_requests=True)
    account = await new_account(client, "placewise")
    with caplog.at_level(logging.INFO, logger="resetkit.requests"):
        await initiate(client, "placewise", account)
        await client.get("/leadsquared/api/Access/PublicToken", params={"accessKey": "k", "secretKey": "s"})
    first, second = (r.getMessage() for r in caplog.records if r.name == "resetkit.requests")
    sent = f"/placewise/v3/{LOYALTY_CLUB}/members/by_email/{account['email']}/send_password_reset_token"
    assert first.startswith(f"POST {sent} 200 sendPasswordResetTokenByEmail ")
    assert first.endswith("ms")
    assert second.startswith("GET /leadsquared/api/Access/PublicToken?accessKey=[redacted]")


async def test_without_log_requests_nothing_is_printed(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="resetkit.requests"):
        await client.get("/placewise/nope")
    assert not [r for r in caplog.records if r.name == "resetkit.requests"]
