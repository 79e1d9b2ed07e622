"""Time moved back leaves nothing stuck: after the clock went ahead and came back (`resetkit conform` advances it
and puts it back), what was made meanwhile behaves as if made now: rate windows free up one window later, codes and
sessions live their own lifetime from now."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from resetkit.clock import ManualClock
from resetkit.env import Env, create_env
from resetkit.settings import Settings
from resetkit.vendors.leadsquared import PUBLIC_AUTH_KEY

from .calls import initiate, new_account

FORGOT = "/leadsquared/api/Authentication/SecureForgotPassword"
DAYS = 5 * 86_400


async def forgot(client: TestClient) -> tuple[int, str | None]:
    response = await client.post(
        FORGOT, json={"EmailAddress": "demo@leadsquared.resetkit.example"}, headers={"Authorization": PUBLIC_AUTH_KEY}
    )
    return response.status, response.headers.get("Retry-After")


async def test_after_the_clock_went_ahead_and_back_the_rate_window_frees_up_in_seconds(
    client: TestClient, clock: ManualClock
) -> None:
    assert (await client.post("/__admin/clock", json={"advance_seconds": DAYS})).status == 200  # as conform does
    for _ in range(25):
        assert (await forgot(client))[0] == 200
    assert (await client.put("/__admin/clock", json={"offset_seconds": 0})).status == 200  # conform's restore
    answers = [await forgot(client) for _ in range(30)]
    assert {status for status, _ in answers} == {429}
    assert max(int(retry_after or 0) for _, retry_after in answers) <= 5
    clock.advance(6)
    assert (await forgot(client))[0] == 200


async def test_a_code_sent_while_the_clock_was_ahead_expires_its_lifetime_after_now(
    client: TestClient, env: Env, clock: ManualClock
) -> None:
    account = await new_account(client, "leadsquared")
    await client.post("/__admin/clock", json={"advance_seconds": DAYS})
    assert (await initiate(client, "leadsquared", account)).status == 200
    await client.put("/__admin/clock", json={"offset_seconds": 0})
    message = env.outbox.latest(to=account["email"])
    assert message is not None and message.token is not None
    pending = env.store.get_reset("leadsquared", message.token)
    assert pending is not None and pending.created_at == clock.now()


def test_a_reset_while_the_clock_is_ahead_seeds_accounts_made_now(tmp_path: Path, clock: ManualClock) -> None:
    settings = Settings(vendors=("leadsquared",), accounts=1, state_file=str(tmp_path / "state.db"))
    create_env(settings, clock=clock)
    restarted = create_env(settings, clock=clock)  # saved state: its seeded accounts are made at the first reset
    clock.advance(DAYS)
    restarted.reset()
    demo = restarted.store.find_account("leadsquared", "demo@leadsquared.resetkit.example")
    assert demo is not None and demo.created_at == clock.now() == clock.start
