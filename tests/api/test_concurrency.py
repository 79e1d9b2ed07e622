"""Redemption is atomic: of 20 concurrent redemptions of one token exactly one wins (SR-06)."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.leadsquared import PUBLIC_AUTH_KEY

AUTH = {"Authorization": PUBLIC_AUTH_KEY}


async def test_twenty_concurrent_redemptions_one_winner(client: TestClient, env: Env) -> None:
    created = await client.post(
        "/__admin/accounts", json={"vendor": "leadsquared", "email": "race@example.com", "password": "Old-Passw0rd!"}
    )
    lead = await created.json()
    await client.post(
        "/leadsquared/api/Authentication/SecureForgotPassword", json={"EmailAddress": "race@example.com"}, headers=AUTH
    )
    message = env.outbox.latest(to="race@example.com")
    assert message is not None

    async def redeem(n: int) -> tuple[int, str]:
        body = {"Password": f"Racer-{n}-Passw0rd!", "LeadId": lead["id"], "TemporaryPassword": message.token}
        # Spread over public keys? One key allows 25 calls in 5 s, so 20 fit in the limit.
        response = await client.post("/leadsquared/api/Authentication/ResetPassword", json=body, headers=AUTH)
        return response.status, body["Password"]

    results = await asyncio.gather(*(redeem(n) for n in range(20)))
    winners = [password for status, password in results if status == 200]
    assert len(winners) == 1
    assert sorted(status for status, _ in results) == [200] + [400] * 19
    signed_in = await client.post(
        "/leadsquared/api/Authentication/Signin",
        json={"EmailAddress": "race@example.com", "Password": winners[0]},
        headers={"Authorization": PUBLIC_AUTH_KEY},
    )
    assert signed_in.status == 200
