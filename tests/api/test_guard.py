"""The guard on the running app: a Host that is not the mock's is refused in the owning API's shape, foreign pages
cannot change the mock, and with an admin token `/__admin` opens only to the token (header, Basic or the inbox
link's cookie) while health, the hosted reset pages and the vendors stay open."""

from __future__ import annotations

import base64
import json

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.errors import ApiError, Kind
from tests.fixtures.app import MockFactory

from .calls import VENDORS, initiate, new_account, prepared_initiate

TOKEN = "tests-admin-token"
REBOUND = {"Host": "attacker.rebind.example"}
EVIL = {"Origin": "https://evil.example"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}


# The Host check -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_rebound_host_is_refused_in_the_vendors_shape_before_anything_runs(
    client: TestClient, env: Env, vendor: str
) -> None:
    account = await new_account(client, vendor)
    response = await initiate(client, vendor, account, REBOUND)
    assert response.status == 403
    path = f"/{vendor}{prepared_initiate(vendor, account).path}"
    expected = env.vendors[vendor].error_reply(ApiError(Kind.FORBIDDEN, "x", status=403), path, None)
    body = await response.json()
    assert set(body) == set(expected.body)
    assert "attacker.rebind.example" in json.dumps(body) and "--allowed-host" in json.dumps(body)
    assert env.outbox.latest(vendor=vendor) is None


async def test_a_rebound_host_is_refused_in_the_admin_shape(client: TestClient) -> None:
    response = await client.get("/__admin/outbox", headers=REBOUND)
    assert response.status == 403
    assert set(await response.json()) == {"error"}


async def test_an_allowed_host_reaches_the_mock(make_mock: MockFactory) -> None:
    client, _env = await make_mock(allowed_hosts=("attacker.rebind.example",))
    assert (await client.get("/__admin/outbox", headers=REBOUND)).status == 200


async def test_loopback_names_reach_the_mock(client: TestClient) -> None:
    for host in ("localhost:8080", "127.0.0.1", "[::1]:8080"):
        assert (await client.get("/__admin/outbox", headers={"Host": host})).status == 200, host


# Foreign pages cannot change state --------------------------------------------------------------------------------
async def test_a_foreign_page_cannot_reset_the_state_with_a_simple_request(client: TestClient, env: Env) -> None:
    account = await new_account(client, "placewise")
    for headers, body in (({**EVIL, "Content-Type": "text/plain"}, "x"), (EVIL, None), ({"Origin": "null"}, None)):
        response = await client.post("/__admin/reset", data=body, headers=headers)
        assert response.status == 403
        assert set(await response.json()) == {"error"}
    assert env.store.get_account("placewise", account["id"]) is not None


async def test_a_foreign_page_cannot_create_an_account(client: TestClient, env: Env) -> None:
    body = {"vendor": "zitadel", "email": "planted@example.org", "password": "Old-Passw0rd!"}
    response = await client.post("/__admin/accounts", json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status == 403
    assert env.store.find_account("zitadel", "planted@example.org") is None


async def test_a_foreign_page_cannot_move_the_clock_or_clear_the_outbox(client: TestClient, env: Env) -> None:
    await initiate(client, "leadsquared", await new_account(client, "leadsquared"))
    assert (await client.put("/__admin/clock", json={"offset_seconds": 9999}, headers=EVIL)).status == 403
    assert (await client.delete("/__admin/outbox", headers=EVIL)).status == 403
    assert env.clock.offset == 0 and len(env.outbox) == 1


async def test_a_loopback_page_and_a_script_still_reset_the_state(client: TestClient) -> None:
    assert (await client.post("/__admin/reset", headers={"Origin": "http://localhost:3000"})).status == 204
    assert (await client.post("/__admin/reset")).status == 204


async def test_a_foreign_page_still_calls_the_vendors(client: TestClient) -> None:
    account = await new_account(client, "socialid")
    assert (await initiate(client, "socialid", account, {**EVIL, "Sec-Fetch-Site": "cross-site"})).status == 201


def own_origin(client: TestClient) -> str:
    """What the inbox page's own calls carry as Origin."""
    return f"http://{client.host}:{client.port}"


# The admin token --------------------------------------------------------------------------------------------------
@pytest.fixture
async def guarded(make_mock: MockFactory) -> tuple[TestClient, Env]:
    return await make_mock(admin_token=TOKEN)


async def test_with_a_token_the_admin_api_answers_401_without_it(guarded: tuple[TestClient, Env]) -> None:
    client, _env = guarded
    for method, path in (("GET", "/__admin/outbox"), ("GET", "/__admin/credentials"), ("POST", "/__admin/reset")):
        response = await client.request(method, path)
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="resetkit admin"'
        assert "/__admin/inbox?token=" in (await response.json())["error"]


async def test_the_token_as_bearer_or_basic_password_opens_it(guarded: tuple[TestClient, Env]) -> None:
    client, _env = guarded
    basic = "Basic " + base64.b64encode(f"mailpit-client:{TOKEN}".encode()).decode()
    assert (await client.get("/__admin/credentials", headers=BEARER)).status == 200
    assert (await client.get("/__admin/credentials", headers={"Authorization": basic})).status == 200
    assert (await client.get("/__admin/credentials", headers={"Authorization": "Bearer nope"})).status == 401


async def test_health_the_reset_pages_and_the_vendors_need_no_token(guarded: tuple[TestClient, Env]) -> None:
    client, _env = guarded
    assert (await client.get("/__admin/health")).status == 200
    assert (await client.get("/__admin/reset-page/placewise", params={"token": "x"})).status == 200
    demo = {"email": "demo@leadsquared.resetkit.example"}
    assert (await initiate(client, "leadsquared", demo)).status == 200


async def test_the_inbox_link_trades_the_token_for_a_cookie_and_a_clean_url(guarded: tuple[TestClient, Env]) -> None:
    client, _env = guarded
    response = await client.get("/__admin/inbox?vendor=zitadel&token=" + TOKEN)
    assert response.status == 200
    assert '<meta http-equiv="refresh" content="0; url=inbox?vendor=zitadel">' in await response.text()
    assert response.headers["Referrer-Policy"] == "no-referrer" and response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    client.session.cookie_jar.clear()  # sent by hand below, so that the test does not rest on the jar's rules
    sent = {"Cookie": cookie.split(";")[0]}
    assert (await client.get("/__admin/inbox", headers=sent)).status == 200
    assert (await client.get("/__admin/outbox", headers=sent)).status == 200
    assert (await client.delete("/__admin/outbox", headers={**sent, "Origin": own_origin(client)})).status == 204
    async with client.get("/__admin/outbox/stream", headers=sent) as stream:
        assert stream.status == 200 and await stream.content.readline() == b"retry: 1000\n"


async def test_a_wrong_inbox_link_sets_no_cookie(guarded: tuple[TestClient, Env]) -> None:
    client, _env = guarded
    response = await client.get("/__admin/inbox", params={"token": "guess"})
    assert response.status == 401 and "Set-Cookie" not in response.headers


async def test_without_a_token_the_inbox_link_only_drops_the_token_from_the_url(client: TestClient) -> None:
    response = await client.get("/__admin/inbox", params={"token": "anything"})
    assert response.status == 200 and "Set-Cookie" not in response.headers
    assert '<meta http-equiv="refresh" content="0; url=inbox">' in await response.text()


async def test_mailpits_clients_get_in_with_the_token_as_basic_password(guarded: tuple[TestClient, Env]) -> None:
    client, _env = guarded
    messages = "/__admin/mailpit/api/v1/messages"
    assert (await client.get(messages)).status == 401
    basic = "Basic " + base64.b64encode(f"mailpit:{TOKEN}".encode()).decode()
    response = await client.get(messages, headers={"Authorization": basic})
    assert response.status == 200 and "messages" in await response.json()
