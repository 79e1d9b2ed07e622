"""The admin API: credentials, accounts, outbox, clock, reset and journal."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.settings import Settings


async def test_credentials_cover_every_served_vendor(client: TestClient, settings: Settings) -> None:
    assert set(await (await client.get("/__admin/credentials")).json()) == set(settings.vendors)


async def test_seeded_accounts_are_deterministic_for_a_seed(env: Env, settings: Settings) -> None:
    from resetkit.app import create_env

    again = create_env(settings)
    for vendor in settings.vendors:
        assert [a.email for a in env.store.accounts(vendor)] == [a.email for a in again.store.accounts(vendor)]
        assert len(list(env.store.accounts(vendor))) == settings.accounts + 1  # plus the demo account


async def test_a_duplicate_account_is_409(client: TestClient) -> None:
    body = {"vendor": "placewise", "email": "dup@example.com", "password": "x"}
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
    await client.post("/__admin/accounts", json={"vendor": "placewise", "email": "tmp@example.com", "password": "x"})
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
