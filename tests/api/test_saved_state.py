"""Saved state over HTTP (issue 9): what the admin API and the vendors change is in the `--state` file at once."""

from __future__ import annotations

from pathlib import Path

from resetkit.store.sqlite import SQLiteStore
from tests.fixtures.app import MockFactory

NEW = {"vendor": "placewise", "email": "saved@example.com", "password": "Saved-Passw0rd!"}


def saved(path: Path) -> SQLiteStore:
    """The file as a restarted server would open it."""
    return SQLiteStore(str(path))


async def test_an_account_created_through_the_admin_api_is_in_the_file(make_mock: MockFactory, tmp_path: Path) -> None:
    client, _ = await make_mock(state_file=str(tmp_path / "state.db"))
    assert (await client.post("/__admin/accounts", json=NEW)).status == 201
    assert saved(tmp_path / "state.db").find_account("placewise", NEW["email"]) is not None


async def test_a_sent_message_is_in_the_file_before_the_answer(make_mock: MockFactory, tmp_path: Path) -> None:
    client, env = await make_mock(state_file=str(tmp_path / "state.db"))
    sent = await client.post(
        "/placewise/v1/auth/reset_password/send",
        json={"identifier": "demo@placewise.resetkit.example"},
        headers={"X-Loyalty-Club-Slug": "infinity-mall"},
    )
    assert sent.status == 200
    store = saved(tmp_path / "state.db")
    message = env.outbox.latest(vendor="placewise")
    assert message is not None and message.token is not None
    assert store.get_reset("placewise", message.token) is not None
    rows = store._db.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert rows == 1


async def test_admin_reset_rewrites_the_file_to_the_seeded_state(make_mock: MockFactory, tmp_path: Path) -> None:
    client, _ = await make_mock(state_file=str(tmp_path / "state.db"))
    await client.post("/__admin/accounts", json=NEW)
    assert (await client.post("/__admin/reset")).status == 204
    store = saved(tmp_path / "state.db")
    assert store.find_account("placewise", NEW["email"]) is None
    assert store.find_account("placewise", "demo@placewise.resetkit.example") is not None


async def test_what_mailpit_clients_read_and_delete_is_in_the_file(make_mock: MockFactory, tmp_path: Path) -> None:
    client, env = await make_mock(state_file=str(tmp_path / "state.db"))
    for _ in range(2):
        await client.post(
            "/placewise/v1/auth/reset_password/send",
            json={"identifier": "demo@placewise.resetkit.example"},
            headers={"X-Loyalty-Club-Slug": "infinity-mall"},
        )
    first, second = (m.id for m in reversed(env.outbox.find()))
    assert (await client.get(f"/__admin/mailpit/api/v1/message/{second}")).status == 200  # opened: read
    assert (await client.delete("/__admin/mailpit/api/v1/messages", json={"IDs": [first]})).status == 200
    rows = saved(tmp_path / "state.db")._db.execute("SELECT id, data FROM messages").fetchall()
    assert [(row[0], '"read":true' in row[1]) for row in rows] == [(int(second), True)]
