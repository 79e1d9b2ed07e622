"""The admin API: credentials, accounts, outbox, clock, reset and journal."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.settings import Settings

PASSWORD = "Old-Passw0rd!"  # passes every vendor's policy


async def test_credentials_cover_every_served_vendor(client: TestClient, settings: Settings) -> None:
    assert set(await (await client.get("/__admin/credentials")).json()) == set(settings.vendors)


async def test_seeded_accounts_are_deterministic_for_a_seed(env: Env, settings: Settings) -> None:
    from resetkit.env import create_env

    again = create_env(settings)
    for vendor in settings.vendors:
        assert [a.email for a in env.store.accounts(vendor)] == [a.email for a in again.store.accounts(vendor)]
        assert len(list(env.store.accounts(vendor))) == settings.accounts + 1  # plus the demo account


async def test_a_duplicate_account_is_409(client: TestClient) -> None:
    body = {"vendor": "placewise", "email": "dup@example.com", "password": PASSWORD}
    assert (await client.post("/__admin/accounts", json=body)).status == 201
    assert (await client.post("/__admin/accounts", json=body)).status == 409


async def test_outbox_filters_and_clears(client: TestClient, env: Env) -> None:
    env.outbox.send(vendor="placewise", channel="email", to="a@x.com", sender="s", subject="s", text="t", now=0)
    env.outbox.send(vendor="socialid", channel="email", to="b@x.com", sender="s", subject="s", text="t", now=0)
    only = await (await client.get("/__admin/outbox", params={"vendor": "socialid"})).json()
    assert [m["to"] for m in only["messages"]] == ["b@x.com"]
    assert (await client.delete("/__admin/outbox")).status == 204
    assert (await (await client.get("/__admin/outbox")).json())["messages"] == []


async def test_the_clock_advances(client: TestClient, env: Env) -> None:
    before = env.clock.now()
    response = await client.post("/__admin/clock", json={"advance_seconds": 3600})
    assert response.status == 200 and env.clock.now() == before + 3600


async def test_reset_restores_the_seeded_state(client: TestClient, env: Env) -> None:
    await client.post(
        "/__admin/accounts", json={"vendor": "placewise", "email": "tmp@example.com", "password": PASSWORD}
    )
    env.outbox.send(vendor="placewise", channel="email", to="a@x.com", sender="s", subject="s", text="t", now=0)
    assert (await client.post("/__admin/reset")).status == 204
    assert env.store.find_account("placewise", "tmp@example.com") is None
    assert len(env.outbox) == 0


async def test_the_journal_lists_recent_vendor_requests_newest_first(client: TestClient) -> None:
    await client.get("/placewise/nope")
    await client.get("/socialid/nope")
    entries = (await (await client.get("/__admin/journal", params={"limit": 2})).json())["requests"]
    assert [e["path"] for e in entries] == ["/socialid/nope", "/placewise/nope"]


async def test_a_deleted_account_is_gone_with_its_identifiers(client: TestClient, env: Env) -> None:
    body = {"vendor": "leadsquared", "email": "gone@example.com", "password": "Old-Passw0rd!"}
    created = await (await client.post("/__admin/accounts", json=body)).json()
    assert (await client.delete(f"/__admin/accounts/leadsquared/{created['id']}")).status == 204
    assert env.store.get_account("leadsquared", created["id"]) is None
    assert env.store.find_account("leadsquared", "gone@example.com") is None
    assert (await client.post("/__admin/accounts", json=body)).status == 201  # the address is free again


async def test_deleting_an_unknown_account_is_404(client: TestClient) -> None:
    assert (await client.delete("/__admin/accounts/placewise/no-such-id")).status == 404


async def test_setting_the_same_offset_twice_moves_the_clock_once(client: TestClient, env: Env) -> None:
    before = env.clock.now()
    for _ in range(2):
        answer = await (await client.put("/__admin/clock", json={"offset_seconds": 60})).json()
    assert answer["offset_seconds"] == 60 and env.clock.now() == before + 60


async def test_reset_puts_a_moved_clock_back(client: TestClient, env: Env) -> None:
    before = env.clock.now()
    await client.post("/__admin/clock", json={"advance_seconds": 3600})
    assert (await client.post("/__admin/reset")).status == 204
    assert env.clock.now() == before and env.clock.offset == 0


async def test_the_clock_is_put_back_to_an_offset() -> None:
    """PUT /__admin/clock sets the offset from real time, forward or back (conform restores a shared mock's)."""
    from aiohttp.test_utils import TestClient as Client
    from aiohttp.test_utils import TestServer

    from resetkit.app import create_app

    async with Client(TestServer(create_app(Settings(accounts=1, vendors=("placewise",))))) as real_time:
        await real_time.post("/__admin/clock", json={"advance_seconds": 7200})
        answer = await (await real_time.put("/__admin/clock", json={"offset_seconds": 60})).json()
        assert answer["offset_seconds"] == 60
        assert (await (await real_time.get("/__admin/clock")).json())["offset_seconds"] == 60


# Listings page with total, limit, offset and next ----------------------------------------------------------------
async def listing(client: TestClient, path: str, **query: Any) -> dict[str, Any]:
    response = await client.get(f"/__admin/{path}", params={k: str(v) for k, v in query.items()})
    assert response.status == 200, await response.text()
    result: dict[str, Any] = await response.json()
    return result


async def test_accounts_answer_a_page_with_total_limit_offset_and_next(client: TestClient) -> None:
    first = await listing(client, "accounts", vendor="placewise", limit=4)
    assert (first["total"], first["limit"], first["offset"], first["next"]) == (6, 4, 0, 4)  # 5 seeded + demo
    assert len(first["accounts"]) == 4
    last = await listing(client, "accounts", vendor="placewise", limit=4, offset=first["next"])
    assert (len(last["accounts"]), last["offset"], last["next"]) == (2, 4, None)
    assert {a["id"] for a in first["accounts"]}.isdisjoint(a["id"] for a in last["accounts"])


async def test_a_created_account_is_counted_and_on_the_last_page(client: TestClient) -> None:
    body = {"vendor": "placewise", "email": "new@example.com", "password": PASSWORD}
    assert (await client.post("/__admin/accounts", json=body)).status == 201
    first = await listing(client, "accounts", vendor="placewise", limit=6)
    assert first["total"] == 7 and first["next"] == 6
    last = await listing(client, "accounts", vendor="placewise", limit=6, offset=6)
    assert [a["email"] for a in last["accounts"]] == ["new@example.com"]


async def test_an_offset_past_the_end_is_an_empty_last_page(client: TestClient) -> None:
    page = await listing(client, "accounts", vendor="placewise", offset=50)
    assert (page["accounts"], page["total"], page["next"]) == ([], 6, None)


async def test_a_negative_offset_is_400(client: TestClient) -> None:
    response = await client.get("/__admin/accounts", params={"vendor": "placewise", "offset": "-1"})
    assert response.status == 400


def send(env: Env, to: str, channel: str = "email") -> str:
    return env.outbox.send(vendor="placewise", channel=channel, to=to, sender="s", subject="s", text="t", now=0).id


async def test_the_outbox_pages_newest_first(client: TestClient, env: Env) -> None:
    ids = [send(env, f"u{n}@example.com") for n in range(5)]
    first = await listing(client, "outbox", limit=2)
    assert [m["id"] for m in first["messages"]] == ids[:-3:-1] and (first["total"], first["next"]) == (5, 2)
    last = await listing(client, "outbox", limit=2, offset=4)
    assert [m["id"] for m in last["messages"]] == [ids[0]] and last["next"] is None


async def test_the_journal_pages_newest_first(client: TestClient) -> None:
    for path in ("/placewise/a", "/placewise/b", "/placewise/c"):
        await client.get(path)
    page = await listing(client, "journal", limit=1, offset=1)
    assert [e["path"] for e in page["requests"]] == ["/placewise/b"]
    assert (page["total"], page["next"]) == (3, 2)


async def test_the_faults_page(client: TestClient) -> None:
    for status in (500, 502, 503):
        assert (await client.post("/__admin/faults", json={"vendor": "placewise", "status": status})).status == 201
    page = await listing(client, "faults", limit=2)
    assert [f["status"] for f in page["faults"]] == [500, 502] and (page["total"], page["next"]) == (3, 2)


# Account creation applies the vendor's password policy, unless "force" ------------------------------------------
@pytest.mark.parametrize(
    ("vendor", "password", "reason"),
    [
        ("zitadel", "no-upper-case-1!", "Password must contain upper case (DOMAIN-VoaRj)"),
        ("zitadel", "Sh0rt!", "Password is too short (DOMAIN-HuJf6)"),
        ("placewise", "seven77", "is too short (minimum is 8 characters)"),
        ("socialid", "five5", "is too short (minimum is 6 characters)"),
    ],
)
async def test_a_password_the_vendor_refuses_is_400_with_the_reason(
    client: TestClient, env: Env, vendor: str, password: str, reason: str
) -> None:
    body = {"vendor": vendor, "email": "weak@example.com", "password": password}
    response = await client.post("/__admin/accounts", json=body)
    assert response.status == 400
    error = (await response.json())["error"]
    assert reason in error and '"force": true' in error
    assert env.store.find_account(vendor, "weak@example.com") is None


async def test_force_creates_an_account_the_policy_refuses(client: TestClient, env: Env) -> None:
    body = {"vendor": "zitadel", "email": "legacy@example.com", "password": "password", "force": True}
    assert (await client.post("/__admin/accounts", json=body)).status == 201
    assert env.store.find_account("zitadel", "legacy@example.com") is not None


async def test_leadsquared_documents_no_policy_so_any_password_is_taken(client: TestClient) -> None:
    body = {"vendor": "leadsquared", "email": "any@example.com", "password": "x"}
    assert (await client.post("/__admin/accounts", json=body)).status == 201


# Recipients match as people type them ---------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["+4791234567", " 4791234567", "+47 912 34 567", "4791234567", "(+47) 912-34-567"])
async def test_a_phone_filter_matches_however_the_number_is_typed(client: TestClient, env: Env, typed: str) -> None:
    sms = send(env, "+4791234567", channel="sms")
    send(env, "+4791234568", channel="sms")
    assert [m["id"] for m in (await listing(client, "outbox", to=typed))["messages"]] == [sms]


async def test_an_unencoded_plus_in_the_query_string_finds_the_sms(client: TestClient, env: Env) -> None:
    sms = send(env, "+4791234567", channel="sms")
    response = await client.get("/__admin/outbox?to=+4791234567")  # the + arrives as a space
    assert [m["id"] for m in (await response.json())["messages"]] == [sms]


async def test_an_email_filter_stays_case_insensitive_and_exact(client: TestClient, env: Env) -> None:
    mail = send(env, "Ana@Example.org")
    send(env, "ana@example.org.evil")
    assert [m["id"] for m in (await listing(client, "outbox", to="ana@example.ORG"))["messages"]] == [mail]
